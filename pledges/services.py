"""The pledge flows: sign, send what is owed, confirm."""

import logging
import smtplib
import time
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from pledges import emails
from pledges.models import Pledge
from pledges.tokens import read_confirm_token

logger = logging.getLogger(__name__)

# Bump when the pledge or news-consent wording changes; stored with each pledge.
WORDING_VERSION = "2026-11-v1"

# The sweep leaves fresh requests to the task queued for them.
SWEEP_GRACE = timedelta(seconds=20)
SWEEP_BATCH = 200
# After this many failed sends the sweep stops trying; a new request resets it.
MAX_EMAIL_ATTEMPTS = 8


def sign_pledge(
    *,
    display_name: str,
    email: str,
    country: str,
    wants_updates: bool,
    language: str,
    now: datetime | None = None,
) -> None:
    """Record a pending pledge, or re-send what the address is owed.

    Returns nothing on purpose: the caller must answer the same way whether or
    not this address signed before.
    """
    now = now or timezone.now()
    pledge = Pledge(
        email=email,
        display_name=display_name,
        country=country,
        language=language,
        wording_version=WORDING_VERSION,
        pledged_at=now,
        wants_updates=wants_updates,
        email_due=Pledge.EmailDue.CONFIRMATION,
        email_requested_at=now,
    )
    # Each step is a single statement, so no transaction is needed: the usual
    # case (a new address) costs one INSERT, and the email is queued once it is
    # committed (at once under autocommit).
    if Pledge.objects.insert_if_new(pledge):
        transaction.on_commit(lambda: queue_email(pledge.pk))
        return
    existing = Pledge.objects.for_email(email).first()
    if existing is None:  # erased between the two statements: nothing to resend
        return
    kind = (
        Pledge.EmailDue.ALREADY_PLEDGED if existing.is_confirmed else Pledge.EmailDue.CONFIRMATION
    )
    _owe_email(existing, kind, now)


def _owe_email(pledge: Pledge, kind: "Pledge.EmailDue", now: datetime) -> None:
    """Owe the address an email (throttled on the row) and queue it once committed."""
    if pledge.request_email(kind, now):
        transaction.on_commit(lambda: queue_email(pledge.pk))


def pledge_for_token(token: str) -> Pledge:
    """The pledge a confirmation link points to.

    Raises ExpiredToken or BadToken for a bad link, Pledge.DoesNotExist for a
    pledge that has since been erased.
    """
    return Pledge.objects.get(public_id=read_confirm_token(token))


def request_new_link(*, email: str, now: datetime | None = None) -> None:
    """Send a fresh confirmation link to a pending pledge, if there is one."""
    now = now or timezone.now()
    pledge = Pledge.objects.pending().for_email(email).first()
    if pledge is not None:
        _owe_email(pledge, Pledge.EmailDue.CONFIRMATION, now)


class _BrokerBreaker:
    """After a failed publish, stop trying for a while: each try against a dead
    broker holds the request for the connection timeout, and at launch-day rates
    that would tie up every worker. The owed emails wait on their rows for the sweep."""

    PAUSE = 15.0  # seconds

    def __init__(self) -> None:
        self.closed_until = 0.0

    def is_open(self) -> bool:
        return time.monotonic() >= self.closed_until

    def trip(self) -> None:
        self.closed_until = time.monotonic() + self.PAUSE

    def reset(self) -> None:
        self.closed_until = 0.0


broker_breaker = _BrokerBreaker()


def queue_email(pledge_id: int) -> None:
    """Hand the email to the worker; if the broker is down, the sweep sends it."""
    from pledges.tasks import send_pledge_email

    if not broker_breaker.is_open():
        return
    try:
        send_pledge_email.delay(pledge_id)
    except Exception:  # kombu/redis raise many kinds; none may fail the signature
        broker_breaker.trip()
        logger.warning(
            "could not queue email for pledge id=%s; not trying again for %.0f s; "
            "the sweep will send what is owed",
            pledge_id,
            broker_breaker.PAUSE,
        )


class EmailNotSent(Exception):
    pass


def send_due_email(pledge_id: int, now: datetime | None = None) -> bool:
    """Send the email owed to this pledge's address, at most once.

    The row stays locked while sending, so a task and the sweep never both send
    it; the email is marked sent only once the server has accepted it.
    """
    try:
        return _send_due_email(pledge_id, now or timezone.now())
    except Exception as error:
        Pledge.objects.filter(pk=pledge_id).update(email_attempts=F("email_attempts") + 1)
        # Mail servers quote the recipient in their errors; retries and logs get
        # the kind of failure and the pledge id, never the address.
        raise EmailNotSent(f"pledge id={pledge_id}: {type(error).__name__}") from None


def _send_due_email(pledge_id: int, now: datetime) -> bool:
    with transaction.atomic():
        pledge = (
            Pledge.objects.select_for_update(skip_locked=True)
            .with_email_due()
            .filter(pk=pledge_id)
            .first()
        )
        if pledge is None:
            return False
        try:
            if pledge.email_due == Pledge.EmailDue.ALREADY_PLEDGED:
                emails.send_already_pledged(pledge)
            elif not pledge.is_confirmed:
                emails.send_confirmation(pledge)
        except smtplib.SMTPRecipientsRefused:
            # The address will never take mail; trying again would only hammer it.
            logger.warning("recipient refused for pledge id=%s; giving up", pledge.pk)
        pledge.email_due = Pledge.EmailDue.NONE
        pledge.email_sent_at = now
        pledge.save(update_fields=["email_due", "email_sent_at"])
    return True


def send_unsent_emails(now: datetime | None = None) -> int:
    """Send every email still owed (after a broker or mail outage)."""
    now = now or timezone.now()
    ids = list(
        Pledge.objects.with_email_due()
        .filter(email_requested_at__lte=now - SWEEP_GRACE, email_attempts__lt=MAX_EMAIL_ATTEMPTS)
        .order_by("email_requested_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    sent = 0
    for pledge_id in ids:
        try:
            sent += send_due_email(pledge_id, now=now)
        except Exception:
            logger.warning("sending failed for pledge id=%s; will retry", pledge_id, exc_info=True)
    return sent
