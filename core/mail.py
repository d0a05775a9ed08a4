"""Every email is rendered the same way: <prefix>-subject.txt, -body.txt and
-body.html, in the recipient's language, with the site's address at hand.

A message rendered elsewhere (allauth's codes) is not sent where it is made:
`queue_email` stores it as an OutgoingEmail row and queues a task, and a worker
sends it through the outbox (claim, commit, send, record), then deletes it.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core import outbox, queue
from core.models import JobLease, OutgoingEmail

SEND_TASK = "core.tasks.send_outgoing_emails"
SWEEP_LIMIT = 5000
TASK_BATCH = 50
SWEEP_LEASE = timedelta(minutes=2)
# A message not sent within a day is of no use to anyone (a sign-in code lasts
# minutes): the daily purge deletes it.
OUTGOING_KEPT_FOR = timedelta(days=1)
HEADERS = {"Auto-Submitted": "auto-generated"}


def render_email(prefix: str, *, to: str, language: str, context: dict) -> EmailMultiAlternatives:
    with translation.override(language):
        context = {"site_url": settings.SITE_URL, **context}
        # A subject is one line, whatever the template's whitespace.
        subject = " ".join(render_to_string(f"{prefix}-subject.txt", context).split())
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string(f"{prefix}-body.txt", context),
            to=[to],
            headers=dict(HEADERS),
        )
        message.attach_alternative(render_to_string(f"{prefix}-body.html", context), "text/html")
    return message


def queue_email(message: EmailMessage, *, own: bool = False) -> None:
    """Send `message` from a worker, not here: one OutgoingEmail row per
    recipient, and a task queued once the caller's transaction commits (if the
    broker is down, the sweep hands the rows out later). `own`: a signed-in
    staff member asked for it, to their own address, so it is not counted
    against the address's daily cap."""
    now = timezone.now()
    alternatives = getattr(message, "alternatives", [])
    html = next((content for content, mimetype in alternatives if mimetype == "text/html"), "")
    body = message.body
    if message.content_subtype == "html":
        body, html = "", message.body
    rows = [
        OutgoingEmail.objects.create(
            recipient=recipient,
            subject=message.subject,
            body=body,
            html=html,
            created_at=now,
            email_due=OutgoingEmail.DUE_OWN if own else OutgoingEmail.DUE,
            email_requested_at=now,
            email_queued_at=now,
        )
        for recipient in message.recipients()
    ]
    ids = [row.pk for row in rows]
    if ids:
        transaction.on_commit(lambda: queue.publish(SEND_TASK, ids))


def build_outgoing(row: OutgoingEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=row.subject, body=row.body, to=[row.recipient], headers=dict(HEADERS)
    )
    if row.html:
        message.attach_alternative(row.html, "text/html")
    return message


def _delete_sent(row: OutgoingEmail, sent_at: datetime) -> None:
    # It may hold a sign-in code: nothing of it is kept once it has gone.
    OutgoingEmail.objects.filter(pk=row.pk).delete()


def send_outgoing_emails(ids: Iterable[int]) -> int:
    """Send the waiting messages `ids`, over one connection; each is deleted
    once the mail server took it, and so is one settled without a send (its
    address refused) or given up on: a sign-in code is kept no longer than needed."""
    ids = list(ids)
    sent = outbox.deliver_many(OutgoingEmail.objects, ids, build_outgoing, on_sent=_delete_sent)
    OutgoingEmail.objects.filter(pk__in=ids).filter(
        Q(email_due="") | Q(email_attempts__gte=outbox.MAX_ATTEMPTS)
    ).delete()
    return sent


def sweep_outgoing(now: datetime | None = None) -> int:
    """Hand lost messages to the workers (beat, every 30 s), never overlapping
    itself and sending nothing itself. Returns how many it handed out."""
    now = now or timezone.now()
    lease = JobLease.objects.take("core.outgoing-sweep", SWEEP_LEASE, now)
    if lease is None:
        return 0
    try:
        ids = outbox.hand_out(OutgoingEmail.objects, SWEEP_LIMIT, now)
        queue.publish_in_batches(
            SEND_TASK, ids, lambda ids: outbox.unqueue(OutgoingEmail.objects, ids), TASK_BATCH
        )
    finally:
        JobLease.objects.release("core.outgoing-sweep", lease)
    return len(ids)


def purge_outgoing(now: datetime | None = None) -> int:
    """Delete messages older than OUTGOING_KEPT_FOR (sent or not: one still
    here was never sent, and never will be of use). Returns how many."""
    now = now or timezone.now()
    deleted = OutgoingEmail.objects.filter(created_at__lt=now - OUTGOING_KEPT_FOR).delete()
    return deleted[1].get(OutgoingEmail._meta.label, 0)


def forget_outgoing(addresses: Iterable[str]) -> None:
    """Delete every waiting message to one of these addresses, whatever its case."""
    lowered = {address.lower() for address in addresses if address}
    if lowered:
        OutgoingEmail.objects.alias(lower_recipient=Lower("recipient")).filter(
            lower_recipient__in=lowered
        ).delete()
