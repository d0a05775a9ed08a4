"""When the mail server says no: a temporary refusal or a dropped connection
is tried again later and then sent; a permanent refusal is never tried again,
for this update or the next; a bounce reported later has the same effect.

A real SMTP server on loopback (aiosmtpd) answers per recipient. Most tests
drive the engine's batches themselves with a clock of their own, so "later"
is exact; the last lets a real Celery worker do the waiting. Ana's mailbox
works; Tomás's server is busy once (451); Walter's connection drops once;
Ursula's address does not exist (550); Vera's mail bounced after the fact."""

import time

import pytest

from mailings import sending, services
from mailings.models import Delivery, Mailing, Suppression
from tests.conftest import SMTPInbox
from tests.mailing import (
    Clock,
    news_readers,
    received_by,
    run_update,
    send_now,
    wait_until_sent,
    write_update,
)

ANA = "ana@example.org"
TOMAS = "tomas@example.org"
WALTER = "walter@example.org"
URSULA = "ursula@example.org"
VERA = "vera@example.org"


class FussyServer(SMTPInbox):
    """Refuses at RCPT as told: `busy` addresses once with 451, `missing` ones
    always with 550; hangs up on `drop` addresses once. Notes every RCPT."""

    def __init__(self, *, busy=(), missing=(), drop=()):
        super().__init__()
        self.busy, self.missing, self.drop = set(busy), set(missing), set(drop)
        self.attempted = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.attempted.append(address)
        if address in self.missing:
            return "550 5.1.1 No such mailbox"
        if address in self.busy:
            self.busy.discard(address)
            return "451 4.3.2 Try again later"
        if address in self.drop:
            self.drop.discard(address)
            server.transport.close()
            return "421 4.4.2 Closing"
        envelope.rcpt_tos.append(address)
        return "250 OK"


class _always(set):
    """A set that never loses its members: the server is busy every time."""

    def discard(self, item):
        pass


@pytest.fixture
def published(monkeypatch):
    """The tasks the engine queues, kept here: the test runs the batches."""
    calls = []
    monkeypatch.setattr(sending.queue, "publish", lambda *args: calls.append((0.0, *args)))
    monkeypatch.setattr(
        sending.queue, "publish_later", lambda name, s, *args: calls.append((s, name, *args))
    )
    return calls


def readers(*addresses):
    """Confirmed supporters who want news, at these addresses, in this order."""
    news_readers(addresses=addresses)


def state_of(mailing, address) -> str:
    return Delivery.objects.get(mailing=mailing, pledge__email=address).state


@pytest.mark.django_db
def test_a_temporary_refusal_is_tried_again_after_the_backoff_and_then_sent(
    settings, smtp_server, published
):
    settings.MAILING_RETRY_BASE_SECONDS = 60
    server = smtp_server(FussyServer(busy=[TOMAS], drop=[WALTER]))
    readers(WALTER, TOMAS, ANA)
    clock = Clock()
    mailing = run_update(clock)

    counts = sending.send_batch(mailing.pk, now=clock)
    # Walter's dropped connection did not stop the batch: Ana's went on a new one.
    assert counts == {"sent": 1, "skipped": 0, "retry": 2, "undeliverable": 0}
    assert received_by(server) == {ANA: 1}
    assert state_of(mailing, TOMAS) == state_of(mailing, WALTER) == Delivery.State.QUEUED
    # The next batch is asked for when the first retry is due, not before.
    assert published[-1] == (60.0, sending.SEND_TASK, mailing.pk)

    clock.advance(59)
    assert sending.send_batch(mailing.pk, now=clock) == {}
    assert server.attempted.count(TOMAS) == server.attempted.count(WALTER) == 1

    clock.advance(1)
    counts = sending.send_batch(mailing.pk, now=clock)
    assert counts == {"sent": 2, "skipped": 0, "retry": 0, "undeliverable": 0}
    assert received_by(server) == {ANA: 1, TOMAS: 1, WALTER: 1}
    mailing.refresh_from_db()
    assert mailing.state == Mailing.State.SENT
    assert Delivery.objects.get(mailing=mailing, pledge__email=TOMAS).attempts == 2
    assert not Suppression.objects.exists()


@pytest.mark.django_db
def test_a_temporary_refusal_gives_up_after_the_last_attempt(settings, smtp_server, published):
    settings.MAILING_RETRY_BASE_SECONDS = 1
    server = smtp_server(FussyServer())
    server.busy = _always({TOMAS})
    readers(TOMAS)
    clock = Clock()
    mailing = run_update(clock)
    for _ in range(sending.MAX_ATTEMPTS):
        sending.send_batch(mailing.pk, now=clock)
        clock.advance(3600)
    assert server.attempted.count(TOMAS) == sending.MAX_ATTEMPTS
    assert state_of(mailing, TOMAS) == Delivery.State.FAILED
    mailing.refresh_from_db()
    assert mailing.state == Mailing.State.SENT
    # Busy is not missing: a later update tries again.
    assert not Suppression.objects.exists()


@pytest.mark.django_db
def test_a_permanent_refusal_is_not_tried_again_and_the_next_update_skips_it(
    settings, smtp_server, published
):
    settings.MAILING_RETRY_BASE_SECONDS = 1
    server = smtp_server(FussyServer(missing=[URSULA]))
    readers(URSULA, ANA)
    clock = Clock()
    first = run_update(clock)

    counts = sending.send_batch(first.pk, now=clock)
    assert counts == {"sent": 1, "skipped": 0, "retry": 0, "undeliverable": 1}
    assert state_of(first, URSULA) == Delivery.State.UNDELIVERABLE
    suppression = Suppression.objects.get()
    assert (suppression.address, suppression.reason) == (URSULA, Suppression.Reason.REFUSED)
    first.refresh_from_db()
    assert first.state == Mailing.State.SENT

    clock.advance(3600)
    assert sending.send_batch(first.pk, now=clock) == {}
    assert server.attempted.count(URSULA) == 1

    second = run_update(clock)
    sending.send_batch(second.pk, now=clock)
    assert server.attempted.count(URSULA) == 1
    assert not Delivery.objects.filter(mailing=second, pledge__email=URSULA).exists()
    assert received_by(server) == {ANA: 2}


@pytest.mark.django_db
def test_a_bounce_reported_later_keeps_the_next_update_from_the_address(smtp_server, published):
    server = smtp_server(FussyServer())
    readers("Vera@Example.org", ANA)
    clock = Clock()
    sending.send_batch(run_update(clock).pk, now=clock)
    assert received_by(server) == {"Vera@Example.org": 1, ANA: 1}

    # The bounce names the address as the receiving server spells it.
    services.mark_undeliverable(VERA, Suppression.Reason.BOUNCED)

    second = run_update(clock)
    sending.send_batch(second.pk, now=clock)
    assert server.attempted.count("Vera@Example.org") == 1
    assert received_by(server) == {"Vera@Example.org": 1, ANA: 2}


@pytest.mark.django_db
def test_a_bounce_during_the_run_skips_the_rows_already_queued(smtp_server, published):
    server = smtp_server(FussyServer())
    readers(VERA, ANA)
    clock = Clock()
    mailing = run_update(clock)
    services.mark_undeliverable(VERA, Suppression.Reason.BOUNCED)

    counts = sending.send_batch(mailing.pk, now=clock)
    assert counts == {"sent": 1, "skipped": 1, "retry": 0, "undeliverable": 0}
    assert VERA not in server.attempted
    assert state_of(mailing, VERA) == Delivery.State.SKIPPED


@pytest.mark.django_db(transaction=True)
def test_the_worker_tries_a_busy_mailbox_again_by_itself(settings, celery_worker, smtp_server):
    settings.MAILING_RETRY_BASE_SECONDS = 1
    server = smtp_server(FussyServer(busy=[TOMAS], missing=[URSULA]))
    readers(TOMAS, URSULA, ANA)
    mailing = write_update()
    started = time.monotonic()
    send_now(mailing)

    wait_until_sent(mailing, timeout=20)
    assert time.monotonic() - started >= 1  # it waited for the retry
    assert received_by(server) == {TOMAS: 1, ANA: 1}
    assert server.attempted.count(TOMAS) == 2
    assert server.attempted.count(URSULA) == 1
    assert state_of(mailing, URSULA) == Delivery.State.UNDELIVERABLE
