import secrets
import uuid
from datetime import datetime, timedelta

from django.db import connection, models, transaction
from django.db.models import Q, Sum, Value
from django.db.models.constants import OnConflict
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

# Raised only by a person asking again; a second request inside this window sends nothing.
EMAIL_RESEND_INTERVAL = timedelta(minutes=10)

# Confirmations spread their +1 over this many rows per country, so a launch-day
# rush in one country never queues on a single hot row.
COUNT_SHARDS = 16


class PledgeQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(confirmed_at__isnull=False)

    def pending(self):
        return self.filter(confirmed_at__isnull=True)

    def with_email_due(self):
        return self.exclude(email_due=Pledge.EmailDue.NONE)

    def insert_if_new(self, pledge: "Pledge") -> bool:
        """INSERT ... ON CONFLICT DO NOTHING: one statement that either creates the
        pledge (True, pk set) or finds the address taken (False). The unique index
        settles concurrent signatures; nobody waits on a lock held by Python."""
        fields = [f for f in self.model._meta.concrete_fields if not f.primary_key]
        # _insert is what Model.save() uses; it is the only ORM door to
        # ON CONFLICT DO NOTHING with RETURNING on both PostgreSQL and SQLite.
        rows = self._insert(
            [pledge],
            fields=fields,
            returning_fields=[self.model._meta.pk],
            on_conflict=OnConflict.IGNORE,
        )
        if not rows:
            return False
        pledge.pk = rows[0][0]
        pledge._state.adding = False
        pledge._state.db = self.db
        return True

    def for_email(self, email: str):
        # lower() on both sides, as in the unique index, so the index serves it.
        return self.alias(email_key=Lower("email")).filter(email_key=Lower(Value(email)))


class Pledge(models.Model):
    class EmailDue(models.TextChoices):
        NONE = "", _("Nothing")
        CONFIRMATION = "confirmation", _("Confirmation link")
        ALREADY_PLEDGED = "already_pledged", _("Already pledged notice")

    # The public handle (links, badges); the integer key never leaves the system.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    display_name = models.CharField(_("display name"), max_length=100)
    email = models.EmailField(_("email"), max_length=254)
    country = CountryField(_("country"))
    language = models.CharField(_("language"), max_length=10)

    # Consent: which wording the supporter agreed to, and when.
    wording_version = models.CharField(_("pledge wording version"), max_length=20)
    pledged_at = models.DateTimeField(_("pledged at"))
    wants_updates = models.BooleanField(_("wants campaign news"), default=False)

    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    # The email this address is owed. Cleared only once the email has left, so an
    # outage of the broker or the mail server delays it but never loses it.
    email_due = models.CharField(
        max_length=20, choices=EmailDue.choices, default=EmailDue.NONE, blank=True
    )
    email_requested_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)

    objects = PledgeQuerySet.as_manager()

    class Meta:
        constraints = [
            # One pledge per address, whatever its case; the database is the judge,
            # so concurrent signatures cannot slip a duplicate in.
            models.UniqueConstraint(Lower("email"), name="pledges_pledge_email_ci_unique"),
        ]
        indexes = [
            models.Index(
                fields=["email_requested_at"],
                condition=~Q(email_due=""),
                name="pledges_pledge_email_due_idx",
            ),
            models.Index(
                fields=["country"],
                condition=Q(confirmed_at__isnull=False),
                name="pledges_pledge_confirmed_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Pledge {self.public_id}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    def confirm(self, now: datetime) -> bool:
        """Confirm once and count once; True only for the call that confirmed."""
        with transaction.atomic():
            updated = Pledge.objects.filter(pk=self.pk, confirmed_at__isnull=True).update(
                confirmed_at=now
            )
            if updated:
                CountShard.objects.add(self.country.code, 1)
        if updated:
            self.confirmed_at = now
        return bool(updated)

    def request_email(self, kind: "Pledge.EmailDue", now: datetime) -> bool:
        """Owe this address an email unless one was asked for within the resend
        interval. One conditional UPDATE, so concurrent requests send one email."""
        updated = (
            Pledge.objects.filter(pk=self.pk)
            .filter(
                Q(email_requested_at__isnull=True)
                | Q(email_requested_at__lte=now - EMAIL_RESEND_INTERVAL)
            )
            .update(email_due=kind, email_requested_at=now, email_attempts=0)
        )
        return bool(updated)


class CountShardQuerySet(models.QuerySet):
    def add(self, country: str, delta: int) -> None:
        """Add delta to a random shard of the country's counter (an upsert that
        PostgreSQL and SQLite both speak)."""
        shard = secrets.randbelow(COUNT_SHARDS)
        # The table name is our own model's; every value is a parameter.
        table = self.model._meta.db_table
        sql = (
            f"INSERT INTO {table} (country, shard, count) VALUES (%s, %s, %s) "  # noqa: S608
            f"ON CONFLICT (country, shard) DO UPDATE SET count = {table}.count + %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [country, shard, delta, delta])

    def ensure_shards(self, country: str) -> None:
        self.bulk_create(
            [CountShard(country=country, shard=n, count=0) for n in range(COUNT_SHARDS)],
            ignore_conflicts=True,
        )

    def totals(self) -> dict[str, int]:
        rows = self.values_list("country").annotate(total=Sum("count")).order_by("country")
        return {str(country): total for country, total in rows}


class CountShard(models.Model):
    """Part of a country's count of confirmed pledges; the count is the sum."""

    country = CountryField()
    shard = models.PositiveSmallIntegerField()
    count = models.BigIntegerField(default=0)

    objects = CountShardQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["country", "shard"], name="pledges_countshard_unique")
        ]

    def __str__(self) -> str:
        return f"{self.country}#{self.shard}={self.count}"
