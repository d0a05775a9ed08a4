"""The pledge flows: receive a request, apply it, send what is owed, confirm, sweep.

The web request does the same work for every address: it writes one
PledgeRequest row and queues one task. Whether the address is new, pending,
confirmed or throttled is decided in the worker (`apply_requests`), where the
time it takes tells the visitor nothing.
"""

import logging
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from abuse import suspicion
from abuse.models import EmailAllowance
from abuse.variants import variant_key
from core import mail, outbox, queue
from core.models import JobLease
from pledges import emails
from pledges.models import Pledge, PledgeEmail, PledgeRequest
from pledges.tokens import read_confirm_token, read_wall_choice_token

logger = logging.getLogger(__name__)

# A second request for an email inside this window sends nothing: a person asking
# again is served, a script hammering an address is not.
RESEND_INTERVAL = timedelta(minutes=10)
# A request still in its table this long after it was queued was lost on the way
# (broker down, worker killed): the sweep queues it again.
REQUEST_REQUEUE_AFTER = timedelta(seconds=30)
# What one sweep hands out, and how many ids one task takes.
SWEEP_LIMIT = 5000
TASK_BATCH = 50
SWEEP_LEASE = timedelta(minutes=2)
# Retention (see the privacy page): a pledge never confirmed is deleted this long
# after its last signature (its link lasts 14 days); a request still unapplied
# after a day will never be applied.
PENDING_KEPT_FOR = timedelta(days=30)
REQUEST_KEPT_FOR = timedelta(days=1)

APPLY_TASK = "pledges.tasks.apply_requests"
APPLY_WAITING_TASK = "pledges.tasks.apply_waiting"
SEND_TASK = "pledges.tasks.send_pledge_emails"


def confirm_pledge(pledge: Pledge, *, now: datetime | None = None, **submitted) -> bool:
    """Confirm with what the owner submitted (Pledge.confirm) and, in the same
    transaction, owe them the welcome email. False if it was confirmed already."""
    from mailings.services import owe_welcome

    now = now or timezone.now()
    with transaction.atomic():
        confirmed = pledge.confirm(**submitted, now=now)
        if confirmed:
            owe_welcome(pledge, now)
    return confirmed


def sign_pledge(
    *,
    display_name: str,
    email: str,
    country: str,
    language: str,
    network_key: str = "",
    now: datetime | None = None,
) -> None:
    """Receive a signature. Returns nothing on purpose: the caller must answer
    the same way whether or not this address signed before. `network_key` is
    the keyed hash of where it came from (abuse.clients.network_key), which
    the worker's suspicion groups by."""
    _receive(
        PledgeRequest.Kind.SIGN,
        email=email,
        display_name=display_name,
        country=country,
        language=language,
        network_key=network_key,
        now=now,
    )


def request_new_link(
    *, email: str, language: str, network_key: str = "", now: datetime | None = None
) -> None:
    """Receive a request for a new confirmation link; same work as signing."""
    _receive(
        PledgeRequest.Kind.NEW_LINK,
        email=email,
        language=language,
        network_key=network_key,
        now=now,
    )


def _receive(kind: str, *, now: datetime | None, **fields) -> None:
    now = now or timezone.now()
    PledgeRequest.objects.create(kind=kind, received_at=now, queued_at=now, **fields)
    # Once saved, a worker applies it: one run applies every request waiting, so
    # a crowd costs a Redis SET a request, not a task publish (issue 13).
    transaction.on_commit(lambda: queue.wake(APPLY_WAITING_TASK))


def apply_waiting(now: datetime | None = None) -> int:
    """Apply every request waiting, oldest first, TASK_BATCH at a time, and send
    what they owe (the run `_receive` wakes). Returns the emails sent.

    Each request is applied on its own (apply_requests), so one that fails stays
    for the sweep and never holds up those after it. Runs at once share the work:
    a request is applied by whoever locks it first.
    """
    queue.woken(APPLY_WAITING_TASK)  # before reading: see core.queue.wake
    sent, after = 0, 0
    while True:
        ids = list(
            PledgeRequest.objects.filter(pk__gt=after)
            .order_by("pk")
            .values_list("pk", flat=True)[:TASK_BATCH]
        )
        if not ids:
            return sent
        pledge_ids = []
        for request_id in ids:
            try:
                pledge_ids += apply_requests([request_id], now)
            except Exception:  # an id only: nothing about the person is logged
                logger.exception("request %s not applied; the sweep hands it out again", request_id)
        sent += send_pledge_emails(pledge_ids)
        after = ids[-1]


def apply_requests(request_ids: list[int], now: datetime | None = None) -> list[int]:
    """Apply received requests to the pledges; each is deleted as it is applied.

    Returns the ids of the pledges that may now owe an email. Safe to run twice
    and concurrently: a request is applied by whoever locks it first.

    A signature the pledge took is then judged (abuse.suspicion.judge), once
    the merge has committed, so that the judgement sees every signature
    committed before it. The request goes with the judgement: a worker that
    dies in between leaves it to the sweep, which applies it again (the merge
    changes nothing the second time) and judges it.
    """
    now = now or timezone.now()
    pledge_ids = []
    for request_id in request_ids:
        with transaction.atomic():
            request = (
                PledgeRequest.objects.select_for_update(skip_locked=True)
                .filter(pk=request_id)
                .first()
            )
            if request is None:
                continue
            if request.kind == PledgeRequest.Kind.SIGN:
                pledge_id = _merge_signature(request, now)
            else:
                pledge_id = _owe_new_link(request, now)
                request.delete()
        if request.kind == PledgeRequest.Kind.SIGN:
            with transaction.atomic():
                # Lock the request again before judging. Between the two
                # transactions another run may have taken it (runs walk the same
                # waiting list): it merges and judges it then. Judging here too
                # would lock the network's pledges and then wait on the request,
                # while that run's merge waits on one of those pledges: a deadlock.
                still_ours = (
                    PledgeRequest.objects.select_for_update(skip_locked=True)
                    .filter(pk=request.pk)
                    .exists()
                )
                if still_ours:
                    suspicion.judge(
                        pledge_id, network_key=request.network_key, signed_at=request.received_at
                    )
                    PledgeRequest.objects.filter(pk=request.pk).delete()
        if pledge_id is not None:
            pledge_ids.append(pledge_id)
    return pledge_ids


# One statement for a new address and a known one. For a pending pledge the new
# signature becomes the proposal the confirmation page shows (the latest wins);
# a confirmed pledge keeps what its owner confirmed. An email is owed unless one
# was asked for within RESEND_INTERVAL: the confirmation link, or for a confirmed
# pledge a note that there is nothing more to do.
_MERGE_SIGNATURE = """
INSERT INTO pledges_pledge AS p (
    public_id, email, display_name, country, language, signed_at, wording_version,
    wants_updates, email_due, email_requested_at, email_queued_at, email_attempts,
    network_key, email_variant_key
) VALUES (
    %(public_id)s, %(email)s, %(display_name)s, %(country)s, %(language)s, %(signed_at)s, '',
    %(false)s, %(confirmation)s, %(now)s, %(now)s, 0, %(network_key)s, %(variant_key)s
)
ON CONFLICT (lower(email)) DO UPDATE SET
    display_name = CASE WHEN {proposal} THEN excluded.display_name ELSE p.display_name END,
    country = CASE WHEN {proposal} THEN excluded.country ELSE p.country END,
    language = CASE WHEN {proposal} THEN excluded.language ELSE p.language END,
    signed_at = CASE WHEN {proposal} THEN excluded.signed_at ELSE p.signed_at END,
    network_key = CASE WHEN {proposal} THEN excluded.network_key ELSE p.network_key END,
    email_due = CASE WHEN {owed} THEN (
        CASE WHEN p.confirmed_at IS NULL THEN %(confirmation)s ELSE %(already_pledged)s END
    ) ELSE p.email_due END,
    email_requested_at = CASE WHEN {owed} THEN %(now)s ELSE p.email_requested_at END,
    email_queued_at = CASE WHEN {owed} THEN %(now)s ELSE p.email_queued_at END,
    email_attempts = CASE WHEN {owed} THEN 0 ELSE p.email_attempts END
RETURNING id
""".format(
    proposal="p.confirmed_at IS NULL AND p.signed_at <= excluded.signed_at",
    owed="(p.email_requested_at IS NULL OR p.email_requested_at <= %(resend_before)s)",
)


def _merge_signature(request: PledgeRequest, now: datetime) -> int:
    def db(field: str, value):
        return Pledge._meta.get_field(field).get_db_prep_save(value, connection)

    params = {
        "public_id": db("public_id", Pledge._meta.get_field("public_id").default()),
        "email": request.email,
        "display_name": request.display_name,
        "country": request.country.code,
        "language": request.language,
        # Which signature is the latest is decided by when each arrived, whatever
        # order the workers apply them in.
        "signed_at": db("signed_at", request.received_at),
        "now": db("signed_at", now),
        "resend_before": db("signed_at", now - RESEND_INTERVAL),
        "false": False,
        "confirmation": Pledge.EmailDue.CONFIRMATION.value,
        "already_pledged": Pledge.EmailDue.ALREADY_PLEDGED.value,
        # The network goes with the signature the pledge takes (so a confirmed
        # pledge keeps the one it was confirmed from); the variant is the address's.
        "network_key": request.network_key,
        "variant_key": variant_key(request.email),
    }
    with connection.cursor() as cursor:
        cursor.execute(_MERGE_SIGNATURE, params)
        return cursor.fetchone()[0]


def _owe_new_link(request: PledgeRequest, now: datetime) -> int | None:
    pledge_id = (
        Pledge.objects.pending().for_email(request.email).values_list("pk", flat=True).first()
    )
    if pledge_id is None:
        return None
    Pledge.objects.filter(pk=pledge_id).pending().filter(
        Q(email_requested_at__isnull=True) | Q(email_requested_at__lte=now - RESEND_INTERVAL)
    ).update(
        email_due=Pledge.EmailDue.CONFIRMATION,
        email_requested_at=now,
        email_queued_at=now,
        email_attempts=0,
    )
    return pledge_id


def send_pledge_emails(pledge_ids: list[int]) -> int:
    """Send what each pledge is owed, over one connection to the mail server."""
    return outbox.deliver_many(Pledge.objects, pledge_ids, emails.for_pledge, on_sent=_log_sent)


def send_pledge_email(pledge_id: int, now: datetime | None = None) -> bool:
    """Send what one pledge is owed; raises outbox.EmailNotSent on failure."""
    return outbox.deliver(Pledge.objects, pledge_id, emails.for_pledge, now=now, on_sent=_log_sent)


def _log_sent(pledge: Pledge, sent_at: datetime) -> None:
    # Kind and time only, for the supporter's download of their data.
    PledgeEmail.objects.record(pledge.pk, pledge.email_due, sent_at)


def pledge_for_token(token: str) -> Pledge:
    """The pledge a confirmation link points to.

    Raises ExpiredToken or BadToken for a bad link, Pledge.DoesNotExist for a
    pledge that has since been erased.
    """
    return Pledge.objects.get(public_id=read_confirm_token(token))


def pledge_for_wall_choice(token: str) -> Pledge:
    """The pledge whose thank-you page carried this wall-choice token.

    Raises ExpiredToken or BadToken for a bad token, Pledge.DoesNotExist for a
    pledge that has since been erased (erasure draws a new public id).
    """
    return Pledge.objects.get(public_id=read_wall_choice_token(token))


def purge_stale(now: datetime | None = None) -> dict[str, int]:
    """Delete what we no longer need (beat, daily): pledges left unconfirmed
    PENDING_KEPT_FOR after their last signature, with the log of the emails they
    were sent, requests that were never applied, outgoing messages (allauth's
    codes) older than a day (core.mail.purge_outgoing), the daily email
    allowances of days gone by (abuse.EmailAllowance), and the networks of
    signatures older than 30 days (abuse.suspicion.forget_networks).

    Each is one conditional DELETE: a pledge confirmed at that very moment no
    longer matches and stays, counted.
    """
    now = now or timezone.now()
    pledges = Pledge.objects.stale(now - PENDING_KEPT_FOR).delete()[1].get(Pledge._meta.label, 0)
    requests = (
        PledgeRequest.objects.filter(received_at__lt=now - REQUEST_KEPT_FOR)
        .delete()[1]
        .get(PledgeRequest._meta.label, 0)
    )
    # Outgoing messages (allauth's codes) not sent within a day: core's own rule.
    outgoing = mail.purge_outgoing(now)
    # Each address's count of emails for a day is of no use once the day is over.
    allowances = EmailAllowance.objects.purge(now)
    networks = suspicion.forget_networks(now)
    return {
        "pledges": pledges,
        "requests": requests,
        "outgoing": outgoing,
        "allowances": allowances,
        "networks": networks,
    }


def sweep(now: datetime | None = None) -> dict[str, int]:
    """Hand lost requests and owed emails to the workers (beat, every 30 s).

    Never overlaps with itself (a job lease), and sends nothing itself: it marks
    what it hands out, commits, then publishes, so the workers do the sending.
    """
    now = now or timezone.now()
    lease = JobLease.objects.take("pledges.sweep", SWEEP_LEASE, now)
    if lease is None:
        return {"requests": 0, "emails": 0}
    try:
        request_ids = _hand_out_requests(now)
        queue.publish_in_batches(APPLY_TASK, request_ids, _unqueue_requests, TASK_BATCH)
        email_ids = outbox.hand_out(Pledge.objects, SWEEP_LIMIT, now)
        queue.publish_in_batches(
            SEND_TASK, email_ids, lambda ids: outbox.unqueue(Pledge.objects, ids), TASK_BATCH
        )
    finally:
        JobLease.objects.release("pledges.sweep", lease)
    return {"requests": len(request_ids), "emails": len(email_ids)}


def _hand_out_requests(now: datetime) -> list[int]:
    with transaction.atomic():
        ids = list(
            PledgeRequest.objects.select_for_update(skip_locked=True)
            .filter(queued_at__lte=now - REQUEST_REQUEUE_AFTER)
            .order_by("queued_at")
            .values_list("pk", flat=True)[:SWEEP_LIMIT]
        )
        PledgeRequest.objects.filter(pk__in=ids).update(queued_at=now)
    return ids


def _unqueue_requests(ids: list[int]) -> None:
    # Published nothing: make them due for the next sweep at once.
    PledgeRequest.objects.filter(pk__in=ids).update(queued_at=timezone.now() - timedelta(days=1))
