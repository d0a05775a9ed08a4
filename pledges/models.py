import secrets
import uuid
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime

from django.db import connection, models, transaction
from django.db.models import Q, Sum, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from core import queue
from core.outbox import OwedEmail

# Confirmations spread their +1 over this many rows per country, so a launch-day
# rush in one country never queues on a single hot row.
COUNT_SHARDS = 16
# The organisers' rollup of closed UTC days (reports/rollup.py) is built from
# these rows: a change that moves a closed day's figure tells it once committed,
# by task name (core.queue), so pledges never imports reports.
CLOSED_DAYS_CHANGED_TASK = "reports.tasks.daily_counts_changed"


class PledgeQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(confirmed_at__isnull=False)

    def pending(self):
        return self.filter(confirmed_at__isnull=True)

    def counted(self):
        """The pledges the counts are made of: confirmed, and neither held as
        suspect nor found invalid (see Pledge.Standing). Every count, live or
        over time, is of these; the shards hold exactly their number."""
        return self.confirmed().filter(standing=Pledge.Standing.COUNTED)

    def on_wall(self):
        """Counted supporters who chose to appear on the wall, newest first:
        exactly the predicate and order of pledges_pledge_wall_idx, so the
        partial index serves every read of the wall."""
        return self.counted().filter(on_wall=True).order_by("-confirmed_at", "-id")

    def with_email_due(self):
        return self.exclude(email_due=Pledge.EmailDue.NONE)

    def for_email(self, email: str):
        # lower() on both sides, as in the unique index, so the index serves it.
        return self.alias(email_key=Lower("email")).filter(email_key=Lower(Value(email)))

    def for_emails(self, emails: Iterable[str]):
        return _for_emails(self, emails)

    def stale(self, before: datetime):
        """Pending pledges whose last signature is older than `before`."""
        return self.pending().filter(signed_at__lt=before)

    def set_standing(self, standing: str) -> tuple[int, dict[str, int]]:
        """Give these pledges `standing`, the counts following exactly.

        The rows are locked in the order of their ids (as every bulk change of
        standing locks them, so two never deadlock), then changed, then each
        country's shards get the difference once, countries in order. A
        confirmation landing meanwhile either committed first (its row is read
        here confirmed, and its +1 is taken back if it is no longer counted) or
        waits for this transaction and reads the new standing (Pledge.confirm).
        Returns the pledges changed and the change in each country's count.
        """
        with transaction.atomic():
            rows = list(
                self.exclude(standing=standing)
                .select_for_update()
                .order_by("pk")
                .values_list("pk", "country", "confirmed_at", "standing")
            )
            if not rows:
                return 0, {}
            Pledge.objects.filter(pk__in=[row[0] for row in rows]).update(standing=standing)
            counted_now = standing == Pledge.Standing.COUNTED
            deltas = Counter()
            today_began = _today_began()
            closed_day_changed = False
            for _pk, country, confirmed_at, before in rows:
                if confirmed_at is not None and (before == Pledge.Standing.COUNTED) != counted_now:
                    deltas[str(country)] += 1 if counted_now else -1
                    closed_day_changed |= confirmed_at < today_began
            if closed_day_changed:
                _closed_days_changed()
            for country, delta in sorted(deltas.items()):
                CountShard.objects.add(country, delta)
        return len(rows), dict(sorted(deltas.items()))


def _for_emails(queryset: models.QuerySet, emails: Iterable[str]) -> models.QuerySet:
    keys = [Lower(Value(email)) for email in emails]
    if not keys:
        return queryset.none()
    return queryset.alias(email_key=Lower("email")).filter(email_key__in=keys)


class Pledge(OwedEmail):
    """One address's pledge.

    Until it is confirmed, display_name, country and language are only what the
    latest signature for the address proposed: anyone can type any address into
    the form. Confirming records what the owner submitted on the page their
    link opened, and only then do the consents exist.
    """

    class EmailDue(models.TextChoices):
        NONE = "", _("Nothing")
        CONFIRMATION = "confirmation", _("Confirmation link")
        ALREADY_PLEDGED = "already_pledged", _("Already pledged notice")

    class Standing(models.TextChoices):
        """Whether a confirmed pledge counts. The worker holds a signature it
        finds suspicious (abuse/suspicion.py) out of the counts and off the
        walls, silently: its signer gets every email, page and badge as usual.
        An administrator then restores or invalidates it (abuse/review.py)."""

        COUNTED = "", _("Counted once confirmed")
        SUSPECT = "suspect", _("Suspect: not counted until reviewed")
        INVALID = "invalid", _("Invalid: never counted")

    # The public handle (links, badges); the integer key never leaves the system.
    # Erasure draws a new one, so old links and badges lead nowhere.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    display_name = models.CharField(_("display name"), max_length=100)
    # NULL only once erased: NULLs never collide in the unique index below, and
    # "" would (two erased pledges, one address).
    email = models.EmailField(_("email"), max_length=254, null=True)  # noqa: DJ001
    country = CountryField(_("country"))
    language = models.CharField(_("language"), max_length=10)
    # The latest signature for this address (a new one resets the clock).
    signed_at = models.DateTimeField(_("signed at"))

    # Consent, given on the confirmation page: which wording, and when.
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    # The supporter's place, drawn once when they confirm (see confirm) and
    # never changed: erasure keeps it, so nobody's badge number ever moves.
    supporter_number = models.PositiveBigIntegerField(
        _("supporter number"), null=True, blank=True, unique=True, editable=False
    )
    wording_version = models.CharField(_("pledge wording version"), max_length=20, blank=True)
    wants_updates = models.BooleanField(_("wants campaign news"), default=False)
    # The latest news choice (on the confirmation page or on "My pledge"): when
    # it was made, and under which wording.
    news_changed_at = models.DateTimeField(_("news choice made at"), null=True, blank=True)
    # Defaults in the database too: the signing upsert (raw SQL) leaves them out.
    news_wording_version = models.CharField(
        _("news wording version"), max_length=20, blank=True, default="", db_default=""
    )
    # Within news (wants_updates): also the news written for the supporter's
    # country. A narrowing of consent already given, so on until turned off.
    country_news = models.BooleanField(_("news for my country"), default=True, db_default=True)
    # The owner's choice; badges and walls of supporters will honour it.
    show_publicly = models.BooleanField(_("show name publicly"), default=False, db_default=False)
    # Opt-in to the supporters' wall, asked after confirming; nobody is on it by default.
    on_wall = models.BooleanField(_("on the supporters' wall"), default=False, db_default=False)
    on_wall_changed_at = models.DateTimeField(null=True, blank=True)
    # A withdrawn badge answers 410 Gone at its address.
    badge_withdrawn_at = models.DateTimeField(_("badge withdrawn at"), null=True, blank=True)
    # Set when the owner erased their data: the row is then anonymous (see erase).
    erased_at = models.DateTimeField(_("erased on"), null=True, blank=True)
    # Made up by `manage.py generate_pledges` (addresses at synthetic.invalid), for
    # trying and measuring: never a real supporter, whatever else the row says.
    is_synthetic = models.BooleanField(default=False, db_default=False)
    # Counted, suspect or invalid (Standing); kept through erasure, so an erased
    # suspect stays uncounted.
    standing = models.CharField(
        _("standing"),
        max_length=10,
        choices=Standing.choices,
        blank=True,
        default=Standing.COUNTED,
        db_default=Standing.COUNTED,
    )
    # The keyed hash of the network the latest signature came from
    # (abuse.clients.network_key): for suspicion and review only, blanked 30
    # days after that signature (abuse.suspicion.forget_networks) and on erasure.
    network_key = models.CharField(max_length=32, blank=True, default="", db_default="")
    # The keyed hash of the address's canonical variant (abuse.variants): two
    # addresses of one mailbox share it. Blanked on erasure.
    email_variant_key = models.CharField(max_length=32, blank=True, default="", db_default="")

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
            # Counted pledges (the predicate of counted()) by time, then country:
            # the figures over time read the rows only for the days the rollup of
            # closed days does not hold (reports/rollup.py), today above all, a
            # short range at the end of this index whatever the campaign's size.
            # (Country first, it read every country's whole history to find
            # today: 43 ms at 1,000,000 pledges.) It took the place of the
            # country-first one, so confirming writes no more index entries.
            models.Index(
                fields=["confirmed_at", "country"],
                condition=Q(confirmed_at__isnull=False, standing=""),
                name="pledges_pledge_day_country_idx",
            ),
            # The supporters' wall: the latest counted supporters who opted in,
            # read newest first and a page at a time.
            models.Index(
                models.F("confirmed_at").desc(),
                models.F("id").desc(),
                condition=Q(on_wall=True, confirmed_at__isnull=False, standing=""),
                name="pledges_pledge_wall_idx",
            ),
            # Signatures from one network in a window (abuse/suspicion.py), and
            # the daily forgetting of networks; only rows that still hold one.
            models.Index(
                fields=["network_key", "signed_at"],
                condition=~Q(network_key=""),
                name="pledges_pledge_network_idx",
            ),
            # Another pledge of the same mailbox (abuse/suspicion.py).
            models.Index(
                fields=["email_variant_key"],
                condition=~Q(email_variant_key=""),
                name="pledges_pledge_variant_idx",
            ),
            # The pledges awaiting or past review (abuse/review.py): few.
            models.Index(
                fields=["signed_at"],
                condition=~Q(standing=""),
                name="pledges_pledge_standing_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Pledge {self.public_id}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def is_counted(self) -> bool:
        return self.is_confirmed and self.standing == Pledge.Standing.COUNTED

    def confirm(
        self,
        *,
        display_name: str,
        country: str,
        wants_updates: bool,
        language: str,
        wording_version: str,
        now: datetime,
    ) -> bool:
        """Record exactly what the owner submitted, confirm once and count once
        (unless it is held as suspect or invalid: see Standing).

        True only for the call that confirmed; a pledge already confirmed is
        left as it was.
        """
        with transaction.atomic():
            updated = Pledge.objects.filter(pk=self.pk, confirmed_at__isnull=True).update(
                confirmed_at=now,
                supporter_number=_next_supporter_number(),
                display_name=display_name,
                country=country,
                wants_updates=wants_updates,
                language=language,
                wording_version=wording_version,
                news_changed_at=now,
                news_wording_version=wording_version,
            )
            # The standing is read under the row lock the UPDATE holds until
            # commit, so a review changing it waits for us (and then counts this
            # confirmation) or went first (and we read what it left).
            if updated and _standing_of(self.pk) == Pledge.Standing.COUNTED:
                CountShard.objects.add(country, 1)
        if updated:
            self.refresh_from_db()
        return bool(updated)

    def change_preferences(
        self,
        *,
        display_name: str,
        show_publicly: bool,
        on_wall: bool,
        country: str,
        language: str,
        wants_updates: bool,
        wording_version: str,
        now: datetime,
    ) -> bool:
        """The owner's changes to their confirmed pledge, all or nothing.

        A new country moves the pledge's count in the same transaction, so the
        counts stay exact; a new news or wall choice records when it was made
        (and the news choice under which wording). False if the pledge is not
        (or no longer) confirmed.
        """
        with transaction.atomic():
            current = (
                Pledge.objects.select_for_update()
                .confirmed()
                .filter(pk=self.pk, erased_at__isnull=True)
                .first()
            )
            if current is None:
                return False
            changes = {
                "display_name": display_name,
                "show_publicly": show_publicly,
                "on_wall": on_wall,
                "country": country,
                "language": language,
                "wants_updates": wants_updates,
            }
            if wants_updates != current.wants_updates:
                changes |= {"news_changed_at": now, "news_wording_version": wording_version}
            if on_wall != current.on_wall:
                changes["on_wall_changed_at"] = now
            Pledge.objects.filter(pk=self.pk).update(**changes)
            old_country = current.country.code
            if country != old_country and current.is_counted:
                # Always in the same order, so two supporters moving opposite ways
                # at once cannot deadlock on each other's counter rows.
                for code, delta in sorted([(old_country, -1), (country, 1)]):
                    CountShard.objects.add(code, delta)
                if current.confirmed_at < _today_began():
                    _closed_days_changed()
        self.refresh_from_db()
        return True

    def change_email_preferences(
        self,
        *,
        wants_updates: bool,
        country_news: bool,
        language: str,
        wording_version: str,
        now: datetime,
    ) -> bool:
        """The owner's choices from the email preferences page (reached from an
        email's footer). A new news choice records when, and under which
        wording. False if the pledge is not (or no longer) confirmed."""
        with transaction.atomic():
            current = (
                Pledge.objects.select_for_update()
                .confirmed()
                .filter(pk=self.pk, erased_at__isnull=True)
                .first()
            )
            if current is None:
                return False
            changes = {"wants_updates": wants_updates, "country_news": country_news}
            changes["language"] = language
            if wants_updates != current.wants_updates:
                changes |= {"news_changed_at": now, "news_wording_version": wording_version}
            Pledge.objects.filter(pk=self.pk).update(**changes)
        self.refresh_from_db()
        return True

    def choose_wall(self, *, on_wall: bool, show_publicly: bool, now: datetime) -> bool:
        """The owner's answer to the thank-you page's question: whether to appear
        on the supporters' wall, and whether with their name. Recorded with its
        time, whatever it is. False if the pledge is not (or no longer) confirmed.
        """
        updated = (
            Pledge.objects.confirmed()
            .filter(pk=self.pk, erased_at__isnull=True)
            .update(on_wall=on_wall, show_publicly=show_publicly, on_wall_changed_at=now)
        )
        if updated:
            self.refresh_from_db(fields=["on_wall", "show_publicly", "on_wall_changed_at"])
        return bool(updated)

    def withdraw_badge(self, now: datetime) -> None:
        """The owner's badge answers 410 Gone from now on (until restored)."""
        Pledge.objects.filter(pk=self.pk, badge_withdrawn_at__isnull=True).update(
            badge_withdrawn_at=now
        )
        self.refresh_from_db(fields=["badge_withdrawn_at"])

    def restore_badge(self) -> None:
        """The owner's badge is shown again, at the same address."""
        Pledge.objects.filter(pk=self.pk).update(badge_withdrawn_at=None)
        self.refresh_from_db(fields=["badge_withdrawn_at"])

    def erase(self, now: datetime) -> None:
        """Forget, for good, who made this pledge.

        A pending pledge was never counted: it goes. A confirmed one stays as an
        anonymous row (country and day of confirmation), so the counts stay
        exactly as they were. Every other column goes back to its default, so a
        column added later is erased too unless it is added to `kept`; the dates
        keep only the day, so the row cannot be matched to a request's time.
        """
        with transaction.atomic():
            current = Pledge.objects.select_for_update().filter(pk=self.pk).first()
            if current is None:
                return
            PledgeEmail.objects.filter(pledge_id=self.pk).delete()
            if current.confirmed_at is None:
                Pledge.objects.filter(pk=self.pk, confirmed_at__isnull=True).delete()
                return
            day = _day(current.confirmed_at)
            kept = {
                "public_id": uuid.uuid4(),
                "country": current.country.code,
                "confirmed_at": day,
                "supporter_number": current.supporter_number,
                "signed_at": day,
                "erased_at": _day(now),
                # A made-up row stays marked as one, erased or not.
                "is_synthetic": current.is_synthetic,
                # An erased suspect stays uncounted (and a counted one counted).
                "standing": current.standing,
            }
            blank = {
                field.attname: field.get_default()
                for field in Pledge._meta.concrete_fields
                if not field.primary_key and field.attname not in kept
            }
            Pledge.objects.filter(pk=self.pk).update(**blank, **kept)


# PostgreSQL draws numbers from a sequence (pledges/0007): concurrent
# confirmations never wait for each other, at the cost of a gap when a
# confirmation fails after drawing its number. SQLite (the embedded default)
# runs one write at a time, so the next number after the highest is exact.
SUPPORTER_NUMBER_SEQUENCE = "pledges_pledge_supporter_number_seq"


def _next_supporter_number() -> RawSQL:
    # Constant SQL: nothing from outside reaches it.
    if connection.vendor == "postgresql":
        return RawSQL(f"nextval('{SUPPORTER_NUMBER_SEQUENCE}')", ())  # noqa: S611
    return RawSQL("(SELECT COALESCE(MAX(supporter_number), 0) + 1 FROM pledges_pledge)", ())


def _standing_of(pk: int) -> str:
    return Pledge.objects.filter(pk=pk).values_list("standing", flat=True).get()


def _today_began() -> datetime:
    return _day(datetime.now(UTC))


def _closed_days_changed() -> None:
    """A closed UTC day's figures changed in this transaction: once it commits
    (never before, or the rebuild could read the rows without the change),
    the rollup is marked stale, so its readers take the rows until the rebuild."""
    transaction.on_commit(lambda: queue.publish(CLOSED_DAYS_CHANGED_TASK))


def _day(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


class PledgeEmailQuerySet(models.QuerySet):
    def record(self, pledge_id: int, kind: str, sent_at: datetime) -> bool:
        """Log an email that has gone out, unless its pledge was erased (or
        deleted) meanwhile: the lock waits for an erasure in progress, and an
        erased pledge keeps no trace of the emails it was sent."""
        with transaction.atomic():
            alive = (
                Pledge.objects.select_for_update()
                .filter(pk=pledge_id, erased_at__isnull=True)
                .values_list("pk", flat=True)
                .first()
            )
            if alive is None:
                return False
            self.create(pledge_id=pledge_id, kind=kind, sent_at=sent_at)
        return True


class PledgeEmail(models.Model):
    """An email sent to a pledge's address: which kind, and when (for the
    supporter's download of their data). Never the address or the text."""

    # In the database, so deleting pledges (the purge, an erasure) is one
    # conditional DELETE that takes their log with them.
    pledge = models.ForeignKey(Pledge, on_delete=models.DB_CASCADE, related_name="emails_sent")
    kind = models.CharField(max_length=30, choices=Pledge.EmailDue.choices)
    sent_at = models.DateTimeField()

    objects = PledgeEmailQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.kind} {self.sent_at:%Y-%m-%d %H:%M}"


class PledgeRequestQuerySet(models.QuerySet):
    def for_emails(self, emails: Iterable[str]):
        return _for_emails(self, emails)


class PledgeRequest(models.Model):
    """A signature or a request for a new link, as it arrived: the web request
    writes this one row and queues one task, whoever the address belongs to, so
    neither its answer nor its timing tells whether the address signed before.
    The worker applies it to the pledges and deletes it."""

    class Kind(models.TextChoices):
        SIGN = "sign", _("Signature")
        NEW_LINK = "new_link", _("New confirmation link")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    email = models.EmailField(max_length=254)
    display_name = models.CharField(max_length=100, blank=True)
    country = CountryField(blank=True)
    language = models.CharField(max_length=10)
    received_at = models.DateTimeField()
    # When it was last handed to a worker; the sweep re-queues it if it lingers.
    queued_at = models.DateTimeField()
    # The keyed hash of the network it came from (abuse.clients.network_key),
    # for the worker's suspicion only; the request lives a day at most.
    network_key = models.CharField(max_length=32, blank=True, default="", db_default="")

    objects = PledgeRequestQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["queued_at"], name="pledges_request_queued_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


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
