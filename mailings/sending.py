"""The delivery engine: fan a mailing out to one Delivery row per recipient,
then send the rows in batches, one mail-server connection per batch.

Nothing here holds a database transaction or lock while a mail server talks.
For each batch:

1. take tokens from the shared send rate (bulk mail only), and claim up to that
   many due rows with one UPDATE: state "sending", a claim id, a lease; commit;
2. for each row: build the message (None if it is no longer wanted: it is
   skipped), send it, and record the outcome at once, only while the claim is
   still ours;
3. queue the next batch of the run, or finish the run.

A worker that dies mid-batch leaves rows "sending" under a lease; once it
expires they are claimed again. So nobody is lost, and the only emails that
can go twice are those in flight when it died: at most one per dead batch, as
each is recorded the moment the server takes it. The sweep (beat, every 30 s)
restarts runs that stopped moving and starts scheduled ones.
"""

import logging
import smtplib
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from anymail.exceptions import AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import Exists, F, Min, OuterRef, Q
from django.utils import timezone

from campaign.models import LaunchSubscription
from core import queue
from core.models import JobLease
from core.outbox import LazyMailer
from mailings.models import Delivery, Mailing, SendPace, Suppression

logger = logging.getLogger(__name__)

SEND_TASK = "mailings.tasks.send_batch"
FAN_OUT_TASK = "mailings.tasks.fan_out"
# A claim's lease. Renewed while the batch runs (every LEASE / 3), so only a
# sender that has died (or hung for longer than that) loses its rows.
LEASE = timedelta(minutes=2)
# A run with rows to send and no batch finished for this long has lost its
# tasks (broker down, worker killed): the sweep queues it again.
STALL = timedelta(seconds=60)
SWEEP_LEASE = timedelta(minutes=2)
# Temporary failures: tried again after 1, 2, 4, 8, 16 minutes, then given up.
MAX_ATTEMPTS = 6
# Which emails someone was sent is theirs: a finished row is kept this long
# (to answer "did it reach me?"), then only the mailing's counts remain.
DELIVERIES_KEPT_FOR = timedelta(days=90)
FINISHED = [
    Delivery.State.SENT,
    Delivery.State.SKIPPED,
    Delivery.State.FAILED,
    Delivery.State.UNDELIVERABLE,
]


def _batch_size() -> int:
    return settings.MAILING_BATCH_SIZE


# -- fan-out -----------------------------------------------------------------


def start(mailing: Mailing, now: datetime | None = None) -> bool:
    """Begin sending a draft or scheduled mailing now. False if it had begun."""
    now = now or timezone.now()
    started = Mailing.objects.filter(
        pk=mailing.pk, state__in=[Mailing.State.DRAFT, Mailing.State.SCHEDULED]
    ).update(state=Mailing.State.SENDING, started_at=now, progressed_at=now)
    if started:
        transaction.on_commit(lambda: queue.publish(FAN_OUT_TASK, mailing.pk))
    return bool(started)


def fan_out(mailing_id: int, now: datetime | None = None) -> int:
    """Give every recipient of a sending mailing a Delivery row (once: the
    unique constraints settle a second run), count them, and start the senders.
    One INSERT ... SELECT: no recipient passes through this process's memory.
    Returns the total."""
    from mailings import audiences

    now = now or timezone.now()
    mailing = Mailing.objects.filter(pk=mailing_id, state=Mailing.State.SENDING).first()
    if mailing is None:
        return 0
    if mailing.fanned_out_at is None:
        for column, recipients in audiences.recipients_of(mailing):
            _insert_deliveries(mailing, column, recipients, now)
        total = Delivery.objects.filter(mailing=mailing).count()
        Mailing.objects.filter(pk=mailing.pk, fanned_out_at__isnull=True).update(
            fanned_out_at=now, total=total, progressed_at=now
        )
    for _ in range(settings.MAILING_SEND_CHAINS):
        queue.publish(SEND_TASK, mailing.pk)
    return Mailing.objects.get(pk=mailing.pk).total


def _insert_deliveries(mailing: Mailing, column: str, recipients, now: datetime) -> None:
    # Named here: how Django names a bare values("pk") column differs between
    # versions (6.1 says "pk"), and the SELECT below reads it by name.
    select, params = recipients.values(recipient_id=F("pk")).query.sql_with_params()
    table = Delivery._meta.db_table
    # WHERE true: SQLite needs it to read ON CONFLICT after a SELECT. The table,
    # the column and the SELECT are ours; every value is a parameter.
    columns = f"mailing_id, {column}, state, created_at, next_attempt_at, attempts"
    sql = (
        f"INSERT INTO {table} ({columns})"  # noqa: S608
        f" SELECT %s, r.recipient_id, %s, %s, %s, 0 FROM ({select}) AS r WHERE true"
        " ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [mailing.pk, Delivery.State.QUEUED, now, now, *params])


def add_recipient(mailing: Mailing, now: datetime | None = None, **recipient) -> Delivery:
    """One more recipient for an open mailing (the welcome): its row, in the
    caller's transaction, and a batch woken once that commits."""
    now = now or timezone.now()
    delivery = Delivery.objects.create(
        mailing=mailing, created_at=now, next_attempt_at=now, **recipient
    )
    # No count kept on the mailing's row: every confirmation would queue on it.
    # A wake, not a publish: a crowd confirming wakes one batch for all of them
    # (core.queue.wake), not a task each.
    transaction.on_commit(lambda: queue.wake(SEND_TASK, mailing.pk))
    return delivery


# -- the send rate -----------------------------------------------------------


def take_tokens(wanted: int, now: datetime | None = None) -> tuple[int, float]:
    """Up to `wanted` sends from the shared rate (MAILING_RATE_PER_MINUTE; 0 is
    no limit), or none and how many seconds to wait. The row is locked only
    while its two numbers change."""
    rate = settings.MAILING_RATE_PER_MINUTE
    if not rate:
        return wanted, 0.0
    now = now or timezone.now()
    per_second = rate / 60
    # Wait for a batch's worth, or ten seconds' worth at low rates, not for one.
    enough = max(1, min(wanted, int(per_second * 10)))
    SendPace.objects.bulk_create(
        [SendPace(pk=1, tokens=enough, updated_at=now)], ignore_conflicts=True
    )
    with transaction.atomic():
        pace = SendPace.objects.select_for_update().get(pk=1)
        elapsed = max(0.0, (now - pace.updated_at).total_seconds())
        tokens = min(float(_batch_size()), pace.tokens + elapsed * per_second)
        granted = min(wanted, int(tokens)) if tokens >= enough else 0
        SendPace.objects.filter(pk=1).update(tokens=tokens - granted, updated_at=now)
    if granted:
        return granted, 0.0
    return 0, (enough - tokens) / per_second


def give_back_tokens(count: int) -> None:
    if count and settings.MAILING_RATE_PER_MINUTE:
        SendPace.objects.filter(pk=1).update(tokens=F("tokens") + count)


# -- sending -----------------------------------------------------------------


class Outcome:
    SENT = "sent"
    SKIPPED = "skipped"
    RETRY = "retry"
    UNDELIVERABLE = "undeliverable"


def send_batch(
    mailing_id: int,
    build: Callable[[Delivery], EmailMessage | None] | None = None,
    now: Callable[[], datetime] = timezone.now,
) -> dict[str, int]:
    """Send one batch of the mailing's due rows, then queue what comes next."""
    from mailings import emails

    queue.woken(SEND_TASK, mailing_id)  # before claiming: see core.queue.wake
    build = build or emails.build
    mailing = (
        Mailing.objects.filter(pk=mailing_id, state=Mailing.State.SENDING)
        .prefetch_related("texts")
        .first()
    )
    if mailing is None or mailing.fanned_out_at is None:
        return {}
    wanted = _batch_size()
    if mailing.is_bulk:
        wanted, wait = take_tokens(wanted)
        if not wanted:
            Mailing.objects.filter(pk=mailing.pk).update(progressed_at=now())  # alive, pacing
            queue.publish_later(SEND_TASK, wait, mailing.pk)
            return {}
    claim, ids = _claim(mailing, wanted, now())
    if mailing.is_bulk:
        give_back_tokens(wanted - len(ids))
    counts = _send(mailing, claim, ids, build, now) if ids else {}
    if mailing.kind == Mailing.Kind.LAUNCH and ids:
        _forget_told(ids)
    Mailing.objects.filter(pk=mailing.pk).update(
        progressed_at=now(), sent=F("sent") + counts.get(Outcome.SENT, 0)
    )
    _carry_on(mailing, now())
    return counts


def _claim(mailing: Mailing, count: int, now: datetime) -> tuple[uuid.UUID, list[int]]:
    """Mark up to `count` due rows as ours, oldest first; committed on return.
    SKIP LOCKED: concurrent senders of one run take different rows."""
    claim = uuid.uuid4()
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(mailing=mailing)
            .claimable(now)
            .order_by("id")
            .values_list("pk", flat=True)[:count]
        )
        Delivery.objects.filter(pk__in=ids).update(
            state=Delivery.State.SENDING,
            claim=claim,
            claimed_until=now + LEASE,
            attempts=F("attempts") + 1,
        )
    return claim, ids


def _send(mailing, claim, ids, build, now) -> dict[str, int]:
    counts = dict.fromkeys([Outcome.SENT, Outcome.SKIPPED, Outcome.RETRY, Outcome.UNDELIVERABLE], 0)
    mine = Delivery.objects.filter(claim=claim, state=Delivery.State.SENDING)
    ours = set(ids)
    renewed = time.monotonic()
    connection_ = LazyMailer()
    try:
        for delivery in (
            Delivery.objects.filter(pk__in=ids)
            .select_related("pledge", "user", "subscription")
            .order_by("id")
        ):
            delivery.mailing = mailing  # one copy, with its texts, for the whole batch
            if time.monotonic() - renewed > LEASE.total_seconds() / 3:
                mine.update(claimed_until=now() + LEASE)
                # A sender that stalled past its lease may have lost rows to
                # another, which sends them: sending them too would repeat the
                # rest of the batch, not just the one email in flight.
                ours = set(mine.values_list("pk", flat=True))
                renewed = time.monotonic()
            if delivery.pk not in ours:
                continue
            outcome = _send_one(delivery, build, connection_)
            _record(delivery, claim, outcome, now())
            counts[outcome] += 1
    finally:
        connection_.close()
    return counts


def _send_one(delivery: Delivery, build, connection_) -> str:
    message = None
    try:
        message = build(delivery)
        if message is None or _suppressed(message):
            return Outcome.SKIPPED
        connection_.send_messages([message])
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        connection_.close()
        if message is not None and codes and all(500 <= code < 600 for code in codes):
            _suppress(message, Suppression.Reason.REFUSED)
            return Outcome.UNDELIVERABLE
        return Outcome.RETRY
    except AnymailRecipientsRefused:
        # The mail provider refused every recipient (a known bounce, an invalid
        # address): for good, as an SMTP 5xx. Its API errors are retried below.
        _suppress(message, Suppression.Reason.REFUSED)
        return Outcome.UNDELIVERABLE
    except Exception as error:  # the server or the network: try again later
        # Never the address: mail servers quote it in their errors.
        logger.warning("delivery %s not sent: %s; will retry", delivery.pk, type(error).__name__)
        connection_.close()
        return Outcome.RETRY
    return Outcome.SENT


def _suppressed(message: EmailMessage) -> bool:
    return Suppression.objects.filter(address__in=[a.lower() for a in message.to]).exists()


def _suppress(message: EmailMessage, reason: str) -> None:
    for address in message.to:
        Suppression.objects.bulk_create(
            [Suppression(address=address.lower(), reason=reason)], ignore_conflicts=True
        )


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=settings.MAILING_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1))


def _record(delivery: Delivery, claim, outcome: str, now: datetime) -> None:
    """The outcome, only while the row is still ours."""
    mine = Delivery.objects.filter(pk=delivery.pk, claim=claim, state=Delivery.State.SENDING)
    if outcome == Outcome.RETRY and delivery.attempts < MAX_ATTEMPTS:
        mine.update(
            state=Delivery.State.QUEUED,
            claim=None,
            claimed_until=None,
            next_attempt_at=now + backoff(delivery.attempts),
        )
        return
    state = {
        Outcome.SENT: Delivery.State.SENT,
        Outcome.SKIPPED: Delivery.State.SKIPPED,
        Outcome.RETRY: Delivery.State.FAILED,
        Outcome.UNDELIVERABLE: Delivery.State.UNDELIVERABLE,
    }[outcome]
    mine.update(state=state, claim=None, claimed_until=None, finished_at=now)


def _forget_told(ids: list[int]) -> None:
    """Data minimisation: a launch sign-up is kept only until it has been told
    (or given up on), so those of this batch whose delivery has finished go
    now, and their delivery rows with them (on_delete CASCADE); the run still
    finishes, as only unfinished rows keep it going. One whose delivery is to
    be retried stays. If this worker dies first, the daily purge deletes them
    (campaign.services.purge_launch_signups)."""
    told = Delivery.objects.filter(pk__in=ids).values("subscription_id")
    LaunchSubscription.objects.filter(pk__in=told).done_with().delete()


def _carry_on(mailing: Mailing, now: datetime) -> None:
    """Queue the run's next batch now, or when its first retry is due; or
    finish the run when no row is left to send."""
    todo = Delivery.objects.filter(mailing=mailing).unfinished()
    if todo.claimable(now).exists():
        queue.publish(SEND_TASK, mailing.pk)
        return
    waiting = todo.filter(state=Delivery.State.QUEUED).aggregate(first=Min("next_attempt_at"))
    if waiting["first"] is not None:
        queue.publish_later(SEND_TASK, (waiting["first"] - now).total_seconds(), mailing.pk)
        return
    finish(mailing, now)


def finish(mailing: Mailing, now: datetime) -> bool:
    """Mark a run sent once every row has an outcome (the welcome never ends)."""
    unfinished = Delivery.objects.filter(mailing=OuterRef("pk")).unfinished()
    return bool(
        Mailing.objects.filter(pk=mailing.pk, state=Mailing.State.SENDING)
        .exclude(fanned_out_at__isnull=True)
        .exclude(kind=Mailing.Kind.WELCOME)
        .filter(~Exists(unfinished))
        .update(state=Mailing.State.SENT, finished_at=now)
    )


def purge_deliveries(now: datetime | None = None) -> int:
    """Delete the rows of emails that finished over DELIVERIES_KEPT_FOR ago
    (daily, from the beat). Returns how many."""
    now = now or timezone.now()
    old = Delivery.objects.filter(state__in=FINISHED, finished_at__lt=now - DELIVERIES_KEPT_FOR)
    return old.delete()[1].get(Delivery._meta.label, 0)


# -- the sweep ---------------------------------------------------------------


def sweep(now: datetime | None = None) -> dict[str, int]:
    """Start the scheduled mailings whose time has come, and queue again the
    runs that stopped moving (their tasks were lost). Sends nothing itself."""
    now = now or timezone.now()
    lease = JobLease.objects.take("mailings.sweep", SWEEP_LEASE, now)
    if lease is None:
        return {"started": 0, "restarted": 0}
    try:
        started = 0
        for mailing in Mailing.objects.filter(
            state=Mailing.State.SCHEDULED, scheduled_for__lte=now
        ):
            with transaction.atomic():
                started += start(mailing, now)
        restarted = 0
        stalled = Mailing.objects.filter(state=Mailing.State.SENDING).filter(
            Q(progressed_at__isnull=True) | Q(progressed_at__lte=now - STALL)
        )
        for mailing in stalled:
            if mailing.fanned_out_at is None:
                task, copies = FAN_OUT_TASK, 1
            elif Delivery.objects.filter(mailing=mailing).claimable(now).exists():
                task, copies = SEND_TASK, settings.MAILING_SEND_CHAINS
            else:
                finish(mailing, now)
                continue
            # Moving again from now: the next sweep leaves it alone unless it stops.
            Mailing.objects.filter(pk=mailing.pk).update(progressed_at=now)
            for _ in range(copies):
                queue.publish(task, mailing.pk)
            restarted += 1
    finally:
        JobLease.objects.release("mailings.sweep", lease)
    return {"started": started, "restarted": restarted}
