"""Redis stops while an update is being sent: nobody is lost, and nobody gets it
twice.

The test runs a Redis of its own (broker and cache of a real Celery worker, a
subprocess; nothing kept on disk, so stopping it loses every queued task, as a
crash would). Olga's update to 1,000 news readers is under way, into a slow SMTP
server on loopback, when Redis stops; it starts again, empty, once the batches
under way have finished (two seconds at least).

What holds: the batches being sent when Redis stopped finish, since sending
needs only the database and the mail server, and record each email as it goes;
the next batches could not be queued, so the run stops moving. The worker
reconnects by itself, and the sweep, as beat runs it (a minute later, when the
run has stalled), restarts the run from the database. Every reader gets the
update exactly once: no task that Redis lost held anything the database did not.
"""

import time

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from core.queue import broker_breaker
from mailings import sending
from mailings.models import Delivery, Mailing
from tests.conftest import broker_at, free_port
from tests.mailing import (
    news_readers,
    send_now,
    states,
    wait_for_mid_batch,
    wait_until_sent,
    write_update,
)
from tests.stack import RedisServer, SlowSink, Worker, django_env, this_tests_database_url

pytestmark = pytest.mark.django_db(transaction=True)

READERS = 1_000
BATCH = 50
OUTAGE = 2.0  # seconds


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    try:
        with broker_at(f"{server.url}/0"):
            yield server
    finally:
        server.stop()


@pytest.fixture
def sink():
    handler = SlowSink(delay=0.01)
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


@pytest.fixture
def worker(redis_server, sink, tmp_path):
    env = django_env(
        DATABASE_URL=this_tests_database_url(),
        REDIS_URL=f"{redis_server.url}/0",
        EMAIL_URL=f"smtp://127.0.0.1:{sink.port}",
        MAILING_BATCH_SIZE=str(BATCH),
        MAILING_SEND_CHAINS="2",
        MAILING_RATE_PER_MINUTE="0",
    )
    started = Worker("redis-outage", env, tmp_path / "worker.log")
    try:
        started.wait_ready()
        yield started
    finally:
        started.kill()


def test_nobody_is_lost_or_sent_twice_when_redis_stops_mid_update(
    redis_server, worker, sink, capsys
):
    readers = news_readers(READERS)
    mailing = write_update()
    send_now(mailing)
    wait_for_mid_batch(mailing, sent_at_least=READERS // 5 + BATCH // 2, timeout=40)

    redis_server.stop()
    stopped = time.monotonic()
    at_stop = states(mailing)

    # The batches under way finish without Redis: sending needs only the
    # database and the mail server. Their senders cannot queue the next batch.
    def sending_now() -> int:
        return Delivery.objects.filter(mailing=mailing, state=Delivery.State.SENDING).count()

    while sending_now():
        assert time.monotonic() - stopped < 30, states(mailing)
        time.sleep(0.05)
    stalled_at = time.monotonic()  # each sender has just failed to queue its next batch
    stalled = states(mailing)
    assert 0 < stalled[Delivery.State.SENT] < READERS, stalled
    time.sleep(max(0.0, stopped + OUTAGE - time.monotonic()))
    redis_server.start()
    back = time.monotonic()

    worker.wait_ready()  # it reconnected by itself
    reconnected = time.monotonic()
    time.sleep(1)
    assert states(mailing) == stalled  # the run has stopped moving
    # A sender that failed to queue waits broker_breaker.PAUSE before it tries
    # again; beat's sweep comes long after that (once the run has stalled for
    # a minute, within 30 s), so the pause is waited out here, and the sweep
    # runs as if that minute had passed.
    time.sleep(max(0.0, stalled_at + broker_breaker.PAUSE + 0.5 - time.monotonic()))
    later = timezone.now() + sending.STALL
    assert sending.sweep(now=later) == {"started": 0, "restarted": 1}
    restarted = time.monotonic()

    mailing = wait_until_sent(mailing, timeout=60)
    finished = time.monotonic()
    assert states(mailing) == {Delivery.State.SENT: READERS}
    assert mailing.state == Mailing.State.SENT
    time.sleep(0.5)  # anything sent twice would have arrived by now
    assert set(sink.received) == set(readers)  # nobody lost
    assert max(sink.received.values()) == 1  # nobody twice
    with capsys.disabled():
        print(  # noqa: T201 - the figures the README quotes
            f"\nRedis stopped with {at_stop[Delivery.State.SENT]} sent and "
            f"{at_stop[Delivery.State.SENDING]} sending, down {back - stopped:.1f} s; "
            f"{stalled[Delivery.State.SENT]} sent when the run stalled; the worker "
            f"reconnected {reconnected - back:.1f} s after Redis was back; the other "
            f"{READERS - stalled[Delivery.State.SENT]} sent "
            f"{finished - restarted:.1f} s after the sweep"
        )
