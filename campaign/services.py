"""The country flows: what moderators do to their countries' pages, and the
"tell me when it launches" sign-ups with their launch emails.

Moderators' actions check that the actor may act for the country (the views
check too; this is the line that holds if a new caller forgets), write in one
transaction, and leave a revision naming the actor (core.drafts).

The launch sign-up mirrors the pledge (pledges/services.py): the web request
does the same work for every address (one LaunchRequest row, one task);
whether the address is new, pending or confirmed is decided in the worker,
where the time it takes tells the visitor nothing. The sign-up emails (the
confirmation link, "already on the list") go one at a time through core.outbox
(claim, commit, send, record), so no transaction is open while a mail server
talks and two senders never send one email. The launch email is a mailing:
one per country, sent by mailings.sending to every confirmed subscription.
"""

import logging
from datetime import UTC, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.rules import can
from campaign import emails
from campaign.images import store_hero_image
from campaign.models import Country, CountryTranslation, LaunchRequest, LaunchSubscription
from campaign.tokens import read_launch_token
from core import drafts, outbox, queue
from core.models import JobLease
from core.shared_pages import content_changed
from mailings import sending
from mailings.models import Mailing
from pledges.services import PENDING_KEPT_FOR, REQUEST_KEPT_FOR

logger = logging.getLogger(__name__)

# As for pledges: a second request for an email inside this window sends
# nothing, so a script hammering an address cannot flood its inbox.
RESEND_INTERVAL = timedelta(minutes=10)
# A request still in its table this long after it was queued was lost on the
# way (broker down, worker killed): the sweep queues it again.
REQUEST_REQUEUE_AFTER = timedelta(seconds=30)
SWEEP_LIMIT = 5000
TASK_BATCH = 50
# Longer than a run takes (a few statements and publishes); a run that dies
# lets the next one in after it.
JOB_LEASE = timedelta(minutes=2)
LAUNCH_JOB = "campaign.launch-emails"
SWEEP_JOB = "campaign.launch-sweep"

APPLY_TASK = "campaign.tasks.apply_launch_requests"
SEND_TASK = "campaign.tasks.send_launch_signup_emails"


def request_launch_email(
    *, country: Country, email: str, language: str, now: datetime | None = None
) -> None:
    """Receive "tell me when it launches". Returns nothing on purpose: the
    caller must answer the same way whether or not this address asked before."""
    now = now or timezone.now()
    request = LaunchRequest.objects.create(
        country=country, email=email, language=language, received_at=now, queued_at=now
    )
    transaction.on_commit(lambda: queue.publish(APPLY_TASK, [request.pk]))


def apply_launch_requests(request_ids: list[int], now: datetime | None = None) -> list[int]:
    """Merge received requests into the subscriptions, deleting each as it is
    applied. Returns the ids of the subscriptions that may now owe an email.

    Safe to run twice and concurrently: a request is applied by whoever locks
    it first. A request for a country that has launched (or gone) meanwhile
    is dropped: there is nothing left to tell.
    """
    now = now or timezone.now()
    subscription_ids = []
    for request_id in request_ids:
        with transaction.atomic():
            request = (
                LaunchRequest.objects.select_for_update(skip_locked=True)
                .filter(pk=request_id)
                .first()
            )
            if request is None:
                continue
            subscription_id = None
            if _still_upcoming(request.country_id):
                subscription_id = _merge(request, now)
            request.delete()
        if subscription_id is not None:
            subscription_ids.append(subscription_id)
    return subscription_ids


def _still_upcoming(country_id: int) -> bool:
    return (
        Country.objects.published().filter(pk=country_id, status=Country.Status.UPCOMING).exists()
    )


# One statement for a new address and a known one (the unique index on
# (country, lower(email)) decides which). A pending subscription takes the
# latest request's language; a confirmed one keeps what its owner confirmed.
# An email is owed unless one was asked for within RESEND_INTERVAL: the
# confirmation link for a pending address, a note that it is already on the
# list for a confirmed one. (A request for a launched country never gets here:
# apply_launch_requests drops it. The launch email is not on this row but in
# the country's launch mailing, so nothing owed here can take its place.)
_MERGE = """
INSERT INTO campaign_launchsubscription AS s (
    public_id, country_id, email, language, created_at, requested_at,
    email_due, email_requested_at, email_queued_at, email_attempts
) VALUES (
    %(public_id)s, %(country_id)s, %(email)s, %(language)s, %(received_at)s, %(received_at)s,
    %(confirmation)s, %(now)s, %(now)s, 0
)
ON CONFLICT (country_id, lower(email)) DO UPDATE SET
    language = CASE WHEN {proposal} THEN excluded.language ELSE s.language END,
    requested_at = CASE WHEN {proposal} THEN excluded.requested_at ELSE s.requested_at END,
    email_due = CASE WHEN {owed} THEN (
        CASE WHEN s.confirmed_at IS NULL THEN %(confirmation)s ELSE %(already_subscribed)s END
    ) ELSE s.email_due END,
    email_requested_at = CASE WHEN {owed} THEN %(now)s ELSE s.email_requested_at END,
    email_queued_at = CASE WHEN {owed} THEN %(now)s ELSE s.email_queued_at END,
    email_attempts = CASE WHEN {owed} THEN 0 ELSE s.email_attempts END
RETURNING id
""".format(
    proposal="s.confirmed_at IS NULL AND s.requested_at <= excluded.requested_at",
    owed="(s.email_requested_at IS NULL OR s.email_requested_at <= %(resend_before)s)",
)


def _merge(request: LaunchRequest, now: datetime) -> int:
    def db(field: str, value):
        return LaunchSubscription._meta.get_field(field).get_db_prep_save(value, connection)

    params = {
        "public_id": db("public_id", LaunchSubscription._meta.get_field("public_id").default()),
        "country_id": request.country_id,
        "email": request.email,
        "language": request.language,
        # Which request is the latest is decided by when each arrived, whatever
        # order the workers apply them in.
        "received_at": db("requested_at", request.received_at),
        "now": db("requested_at", now),
        "resend_before": db("requested_at", now - RESEND_INTERVAL),
        "confirmation": LaunchSubscription.EmailDue.CONFIRMATION.value,
        "already_subscribed": LaunchSubscription.EmailDue.ALREADY_SUBSCRIBED.value,
    }
    with connection.cursor() as cursor:
        cursor.execute(_MERGE, params)
        return cursor.fetchone()[0]


def send_launch_signup_emails(subscription_ids: list[int]) -> int:
    """Send the sign-up email each subscription is owed, over one connection
    to the mail server."""
    return outbox.deliver_many(
        LaunchSubscription.objects, list(subscription_ids), emails.for_subscription
    )


def subscription_for_token(token: str) -> LaunchSubscription:
    """The subscription a confirmation link points to.

    Raises ExpiredToken or BadToken for a bad link, LaunchSubscription.DoesNotExist
    for one since deleted (told of the launch, purged or erased).
    """
    return LaunchSubscription.objects.select_related("country").get(
        public_id=read_launch_token(token)
    )


def launch_due_countries(now: datetime | None = None) -> list[Country]:
    """Launch the published upcoming countries whose launch day, known to the
    day, has come (in UTC). A date known only to the month never launches by
    itself: no day is known, so a moderator sets the status."""
    now = now or timezone.now()
    today = now.astimezone(UTC).date()
    due = Country.objects.published().filter(
        status=Country.Status.UPCOMING,
        launch_date_precision=Country.DatePrecision.DAY,
        launch_date__lte=today,
    )
    return [country for country in due if country.launch(reason="Launch day")]


def send_launch_emails(now: datetime | None = None) -> dict[str, int]:
    """The launch job (beat, every 5 minutes): launch the countries whose day
    has come, and start the launch mailing of every launched country that has
    none yet.

    Never overlaps with itself (a job lease), and sends nothing itself: the
    mailing's fan-out gives each confirmed subscription one Delivery row, and
    the workers send those (mailings.sending). A country has one launch
    mailing (announce_launch), so no run, however many and however they race,
    tells a subscriber twice.
    """
    now = now or timezone.now()
    lease = JobLease.objects.take(LAUNCH_JOB, JOB_LEASE, now)
    if lease is None:
        return {"launched": 0, "mailings": 0}
    try:
        launched = launch_due_countries(now)
        started = announce_launches(now)
    finally:
        JobLease.objects.release(LAUNCH_JOB, lease)
    return {"launched": len(launched), "mailings": len(started)}


def announce_launches(now: datetime | None = None) -> list[str]:
    """Start the launch mailing of every launched, published country that has
    none. A country a moderator launched counts too: it is announced on the
    job's next run. Not before its page is public, where the email leads.
    Returns the codes of the countries announced."""
    now = now or timezone.now()
    unannounced = (
        Country.objects.published()
        .launched()
        .filter(~Exists(Mailing.objects.filter(kind=Mailing.Kind.LAUNCH, key=OuterRef("code"))))
    )
    return [
        str(code)
        for code in unannounced.values_list("code", flat=True)
        if announce_launch(str(code), now)
    ]


def announce_launch(code: str, now: datetime | None = None) -> bool:
    """Create the country's launch mailing and start it; False if it exists.

    "Once" is the database's: the mailing's (kind, key) is unique, so of two
    callers that both found it missing only the one that inserted it starts it.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            mailing = Mailing.objects.create(
                kind=Mailing.Kind.LAUNCH, key=code, country=code, created_at=now
            )
            sending.start(mailing, now)
    except IntegrityError:
        return False  # another run created it first: theirs to send
    return True


def sweep(now: datetime | None = None) -> dict[str, int]:
    """Hand lost requests and owed sign-up emails to the workers (beat, every
    30 s). Never overlaps with itself, and sends nothing itself. (A launch
    mailing whose tasks were lost is mailings.sending.sweep's.)"""
    now = now or timezone.now()
    lease = JobLease.objects.take(SWEEP_JOB, JOB_LEASE, now)
    if lease is None:
        return {"requests": 0, "emails": 0}
    try:
        request_ids = _hand_out_requests(now)
        queue.publish_in_batches(APPLY_TASK, request_ids, _unqueue_requests, TASK_BATCH)
        email_ids = _hand_out_emails(now)
    finally:
        JobLease.objects.release(SWEEP_JOB, lease)
    return {"requests": len(request_ids), "emails": len(email_ids)}


def _hand_out_emails(now: datetime) -> list[int]:
    ids = outbox.hand_out(LaunchSubscription.objects, SWEEP_LIMIT, now)
    queue.publish_in_batches(
        SEND_TASK, ids, lambda ids: outbox.unqueue(LaunchSubscription.objects, ids), TASK_BATCH
    )
    return ids


def _hand_out_requests(now: datetime) -> list[int]:
    with transaction.atomic():
        ids = list(
            LaunchRequest.objects.select_for_update(skip_locked=True)
            .filter(queued_at__lte=now - REQUEST_REQUEUE_AFTER)
            .order_by("queued_at")
            .values_list("pk", flat=True)[:SWEEP_LIMIT]
        )
        LaunchRequest.objects.filter(pk__in=ids).update(queued_at=now)
    return ids


def _unqueue_requests(ids: list[int]) -> None:
    # Published nothing: make them due for the next sweep at once.
    LaunchRequest.objects.filter(pk__in=ids).update(queued_at=timezone.now() - timedelta(days=1))


def purge_launch_signups(now: datetime | None = None) -> dict[str, int]:
    """Delete what we no longer need (beat, daily), each in one conditional
    DELETE, so a row confirmed or claimed at that very moment stays:

    - subscriptions never confirmed, PENDING_KEPT_FOR after the latest request
      (as pending pledges), or as soon as their country has launched (there is
      nothing left to confirm), unless an email to them is on its way;
    - confirmed subscriptions done with (their launch email has gone, or never
      will) whose deletion after sending was lost (LaunchSubscription.done_with);
    - requests never applied after REQUEST_KEPT_FOR.
    """
    now = now or timezone.now()
    not_being_sent = LaunchSubscription.objects.exclude(email_claimed_until__gt=now)
    stale = not_being_sent.pending().filter(requested_at__lt=now - PENDING_KEPT_FOR)
    pending_launched = not_being_sent.pending().filter(country__status=Country.Status.LAUNCHED)
    label = LaunchSubscription._meta.label
    pending = stale.delete()[1].get(label, 0) + pending_launched.delete()[1].get(label, 0)
    done = LaunchSubscription.objects.done_with().delete()[1].get(label, 0)
    requests = (
        LaunchRequest.objects.filter(received_at__lt=now - REQUEST_KEPT_FOR)
        .delete()[1]
        .get(LaunchRequest._meta.label, 0)
    )
    return {"pending": pending, "done": done, "requests": requests}


# Moderators' actions on their countries' pages.

# The settings a moderator edits on the country's page (the form's fields).
SETTINGS_FIELDS = (
    "status",
    "launch_date",
    "launch_date_precision",
    "languages",
    "supporter_goal",
    "hero_image",
)


def _check(actor: User, country_code: str) -> None:
    if not can(actor, "edit_country", country_code):
        raise PermissionDenied


def create_country(actor: User, code: str) -> tuple[Country, bool]:
    """The country's row, created unpublished if it was missing (False then)."""
    _check(actor, code)
    country = Country(code=code)
    try:
        with transaction.atomic():
            drafts.record_save(country, actor)
    except IntegrityError:  # created a moment ago, from another tab
        return Country.objects.get(code=code), False
    return country, True


def update_country_settings(actor: User, country: Country, data: dict, hero_upload=None) -> bool:
    """Change the country's settings (those of SETTINGS_FIELDS given in
    `data`) and, given an uploaded file, its hero image (False: remove it);
    False if nothing changed. Raises ValidationError, translated, for an
    upload that is not an image we take; nothing is changed then.

    Settings have no draft: on a published page they show at once, so every
    worker drops its copy of the page."""
    _check(actor, country.code)
    if hero_upload is False:
        data = {**data, "hero_image": ""}
    elif hero_upload is not None:
        # Stored before the transaction: a file is named by its content, so one
        # left over by a failed save is the same file the next try stores.
        data = {**data, "hero_image": store_hero_image(hero_upload)}
    with transaction.atomic():
        country = Country.objects.select_for_update().get(pk=country.pk)
        changed = [
            name
            for name in SETTINGS_FIELDS
            if name in data and getattr(country, name) != data[name]
        ]
        if not changed:
            return False
        for name in changed:
            setattr(country, name, data[name])
        drafts.record_save(country, actor, [*changed, "updated_at"])
        if country.is_published:
            content_changed()
    return True


def save_country_translation(
    actor: User, country: Country, language: str, data: dict, *, based_on: int | None
) -> CountryTranslation | None:
    """Save the draft of the country's page in `language` (None: no change).
    Raises drafts.EditConflict if someone saved it since `based_on`."""
    _check(actor, country.code)
    return drafts.save_draft(
        CountryTranslation.objects.filter(country=country),
        language,
        data,
        actor,
        based_on=based_on,
        parent_field="country",
        parent=country,
    )


def publish_country(actor: User, country: Country, now: datetime | None = None) -> bool:
    _check(actor, country.code)
    return drafts.publish(
        country,
        CountryTranslation.objects.filter(country=country),
        actor,
        now or timezone.now(),
        check=_hero_described,
    )


def _hero_described(country: Country, translations: list[CountryTranslation]) -> None:
    # An image the page shows without words would tell screen reader users nothing.
    if not country.hero_image:
        return
    missing = [t.get_language_display() for t in translations if not t.hero_alt.strip()]
    if missing:
        raise ValidationError(
            _("Describe the hero image in every language before publishing: %(languages)s.")
            % {"languages": ", ".join(str(name) for name in missing)},
            code="hero_alt",
        )


def unpublish_country(actor: User, country: Country) -> bool:
    _check(actor, country.code)
    return drafts.unpublish(country, actor)


def restore_country_translation(
    actor: User, translation: CountryTranslation, revision_id: int
) -> bool:
    _check(actor, translation.country.code)
    return drafts.restore(translation, revision_id, actor)
