"""Owed emails: claimed, committed, sent, then recorded.

A row that owes an email (a pledge's confirmation today, a campaign update's
delivery later) carries the OwedEmail fields. Nothing here holds a database
lock or an open transaction while a mail server is talking:

1. claim: one UPDATE sets a lease (email_claimed_until) on the row, if no one
   holds it, and commits. Whoever holds an unexpired lease is the only sender.
2. send: outside any transaction, once one email has been taken from the
   recipient's daily allowance (abuse.EmailAllowance, one committed statement):
   past EMAIL_DAILY_CAP_PER_ADDRESS the email is settled unsent, whoever asked
   for it, and the mail server is never contacted.
3. record: one UPDATE marks it sent, only if the lease is still ours and no new
   request came in meanwhile (that one is then still owed); then the caller's
   `on_sent(row, now)`, if given, is told what went out (e.g. to log it).

A sender that dies mid-send lets the lease expire; the sweep then hands the row
out again. So an email may, rarely, go twice (the server took it, the worker
died before recording), but two senders never work on it at once.

Rows are handed to the workers by `hand_out`, which marks them queued in a short
transaction and returns their ids for the caller to publish once committed.
"""

import logging
import smtplib
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.core import mail
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from abuse.models import EmailAllowance

logger = logging.getLogger(__name__)

# Longer than the SMTP timeout (20 s) with room to spare: a live sender always
# records before its lease runs out.
LEASE = timedelta(minutes=2)
# A row queued this long ago and still owed was lost on the way (broker down,
# worker killed): the sweep hands it out again.
REQUEUE_AFTER = timedelta(minutes=5)
# After this many failed sends the sweep stops trying; a new request resets it.
MAX_ATTEMPTS = 8


class OwedEmail(models.Model):
    """The fields of a row that may owe one email at a time."""

    # What is owed ("" for nothing); the model's own choices name the kinds.
    email_due = models.CharField(max_length=30, blank=True, default="")
    email_requested_at = models.DateTimeField(null=True, blank=True)
    email_queued_at = models.DateTimeField(null=True, blank=True)
    email_claimed_until = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True

    def counts_against_daily_cap(self) -> bool:
        """Whether this email takes from its recipient's daily allowance
        (abuse.EmailAllowance): every email that anyone may ask for, for any
        address, does."""
        return True


class EmailNotSent(Exception):
    """A send failed. Mail servers quote the recipient in their errors, so the
    message names the row and the kind of failure only, never the address."""


def _claimable(now: datetime) -> Q:
    return Q(email_attempts__lt=MAX_ATTEMPTS) & (
        Q(email_claimed_until__isnull=True) | Q(email_claimed_until__lte=now)
    )


OnSent = Callable[[models.Model, datetime], object]


def deliver(
    queryset: models.QuerySet,
    pk: int,
    build: Callable[[models.Model], EmailMessage | None],
    *,
    mailer=None,
    now: datetime | None = None,
    on_sent: OnSent | None = None,
) -> bool:
    """Send the email row `pk` owes, if it owes one and no one else is sending it.

    `build(row)` returns the message, or None when nothing needs sending any
    more (e.g. a confirmation link for a pledge confirmed meanwhile). True if
    this call sent (or settled) it. `on_sent(row, now)` is called once a message
    has gone to the mail server, after it is recorded; `row.email_due` is the
    kind that was sent.
    """
    now = now or timezone.now()
    lease = now + LEASE
    owed = queryset.filter(pk=pk).exclude(email_due="")
    if not owed.filter(_claimable(now)).update(email_claimed_until=lease):
        return False
    row = queryset.filter(pk=pk).first()
    if row is None:
        # Erased or purged between the claim and this read: nothing is owed now.
        return False
    mine = queryset.filter(pk=pk, email_claimed_until=lease)
    sent = False
    taken: list[str] | None = []
    try:
        message = build(row)
        if message is not None and row.counts_against_daily_cap():
            taken = _take_allowances(message, now)
            if taken is None:
                # Its recipient has had the day's allowance, whoever asked for
                # this one: settled unsent, the mail server never contacted.
                logger.warning(
                    "daily email cap reached for %s id=%s; not sent", queryset.model.__name__, pk
                )
                message = None
        if message is not None:
            (mailer or mail.mailers.default).send_messages([message])
            sent = True
    except smtplib.SMTPRecipientsRefused:
        # The address will never take mail; trying again would only hammer it.
        logger.warning("recipient refused for %s id=%s; giving up", queryset.model.__name__, pk)
    except Exception as error:
        # Not sent: the retry takes from the allowance again, so this one goes back.
        for address in taken or ():
            EmailAllowance.objects.give_back(address, now)
        mine.update(email_claimed_until=None, email_attempts=F("email_attempts") + 1)
        raise EmailNotSent(f"{queryset.model.__name__} id={pk}: {type(error).__name__}") from None
    # Recorded as sent only if what we sent is still what is owed.
    settled = mine.filter(
        email_due=row.email_due, email_requested_at=row.email_requested_at
    ).update(email_due="", email_sent_at=now, email_claimed_until=None)
    if not settled:
        mine.update(email_claimed_until=None)
    if sent and on_sent is not None:
        on_sent(row, now)
    return True


def _take_allowances(message: EmailMessage, now: datetime) -> list[str] | None:
    """Take one from each recipient's daily allowance (abuse.EmailAllowance):
    the addresses taken from, or None if one of them has none left (and then
    nothing is taken). One statement each, committed at once: no transaction
    stays open across the send."""
    taken = []
    for address in message.recipients():
        if not EmailAllowance.objects.take(address, now):
            for other in taken:
                EmailAllowance.objects.give_back(other, now)
            return None
        taken.append(address)
    return taken


def deliver_many(
    queryset: models.QuerySet,
    ids: Iterable[int],
    build: Callable[[models.Model], EmailMessage | None],
    *,
    on_sent: OnSent | None = None,
) -> int:
    """Deliver several rows over one connection to the mail server, opened only
    if something is to be sent; a failure is logged by id and the others still
    go. Returns how many were sent."""
    sent = 0
    mailer = LazyMailer()
    try:
        for pk in ids:
            try:
                sent += deliver(queryset, pk, build, mailer=mailer, on_sent=on_sent)
            except EmailNotSent as error:
                logger.warning("email not sent: %s; will retry", error)
                # The connection may be broken after a failure: start afresh.
                mailer.close()
    finally:
        mailer.close()
    return sent


class LazyMailer:
    """The default mailer, connected at the first message and kept open; after
    a failure, closed so the next message starts afresh (core.outbox, and the
    mailings' batches)."""

    def __init__(self) -> None:
        self.backend = None

    def send_messages(self, messages: list[EmailMessage]) -> int:
        if self.backend is None:
            self.backend = mail.mailers.default
            self.backend.open()
        return self.backend.send_messages(messages)

    def close(self) -> None:
        if self.backend is not None:
            backend, self.backend = self.backend, None
            try:
                backend.close()
            except Exception:  # a broken connection may fail to close; it is gone anyway
                logger.info("mail connection closed uncleanly")


def hand_out(queryset: models.QuerySet, limit: int, now: datetime | None = None) -> list[int]:
    """Mark up to `limit` owed, unclaimed rows that no worker is about to send
    as queued now, and return their ids, oldest request first.

    Publish them only after this returns (it has committed). SKIP LOCKED keeps
    two sweeps (or a sweep and the signing path) from handing out one row twice.
    """
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            queryset.select_for_update(skip_locked=True)
            .exclude(email_due="")
            .filter(_claimable(now))
            .filter(Q(email_queued_at__isnull=True) | Q(email_queued_at__lte=now - REQUEUE_AFTER))
            .order_by("email_requested_at")
            .values_list("pk", flat=True)[:limit]
        )
        queryset.filter(pk__in=ids).update(email_queued_at=now)
    return ids


def unqueue(queryset: models.QuerySet, ids: Iterable[int]) -> None:
    """Publishing failed: let the next sweep hand these rows out again at once."""
    queryset.filter(pk__in=list(ids)).update(email_queued_at=None)
