from datetime import UTC, datetime

from django.conf import settings
from django.db import connection, models
from django.utils import timezone

from abuse.clients import keyed

# One statement, atomic on PostgreSQL and SQLite alike: the day's first email
# makes the row, each next one adds 1 unless the cap is reached, in which case
# nothing changes and nothing is returned.
_TAKE = """
INSERT INTO {table} (key, day, sent) VALUES (%(key)s, %(day)s, 1)
ON CONFLICT (key, day) DO UPDATE SET sent = {table}.sent + 1
WHERE {table}.sent < %(cap)s
RETURNING sent
"""


def _key(address: str) -> str:
    return keyed(address.lower(), "address")


def _day(now: datetime):
    return now.astimezone(UTC).date()


class EmailAllowanceQuerySet(models.QuerySet):
    def take(self, address: str, now: datetime | None = None) -> bool:
        """Take one email from the address's allowance for the day (UTC): False
        once EMAIL_DAILY_CAP_PER_ADDRESS have been taken today."""
        now = now or timezone.now()
        table = connection.ops.quote_name(self.model._meta.db_table)
        params = {
            "key": _key(address),
            "day": self.model._meta.get_field("day").get_db_prep_save(_day(now), connection),
            "cap": settings.EMAIL_DAILY_CAP_PER_ADDRESS,
        }
        with connection.cursor() as cursor:
            cursor.execute(_TAKE.format(table=table), params)
            return cursor.fetchone() is not None

    def give_back(self, address: str, now: datetime) -> None:
        """An email taken from the allowance at `now` did not go (the mail server
        failed): its retry must not count twice."""
        self.filter(key=_key(address), day=_day(now), sent__gt=0).update(sent=models.F("sent") - 1)

    def purge(self, now: datetime | None = None) -> int:
        """Delete the allowances of days before today (daily purge). Returns how many."""
        today = _day(now or timezone.now())
        return self.filter(day__lt=today).delete()[1].get(self.model._meta.label, 0)


class EmailAllowance(models.Model):
    """How many emails one address has been sent today, whoever asked for them
    (core.outbox takes one before each send). The address is a keyed hash, as
    in every other record of abuse: enough to count by, no one's address."""

    key = models.CharField(max_length=32)
    day = models.DateField()
    sent = models.PositiveSmallIntegerField(default=0)

    objects = EmailAllowanceQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "day"], name="abuse_emailallowance_key_day")
        ]

    def __str__(self) -> str:
        return f"{self.sent} emails on {self.day}"
