"""A worker killed in the middle of a task: the task is delivered again, and
its effect happens once.

Real `celery worker`s (subprocesses of the test, on its database and Redis,
sending into an SMTP server on loopback) apply a supporter's request while the
test holds a lock on the requests' table, so the worker waits there, inside its
transaction, and is killed there with SIGKILL (no shutdown, no acknowledgement).
Its transaction dies with its connection. Tasks are acknowledged only once run:

- Ana's worker is killed whole (its process group). Redis hands the task out
  again once its visibility timeout (BROKER_VISIBILITY_TIMEOUT, shortened here to
  a few seconds) has passed, to the next worker to start.
- Bruno's worker loses only the pool process running his task. The worker hands
  the task back at once (reject on worker lost) and runs it in a new process.

Either way the request is applied once, and one confirmation is sent.
"""

import os
import signal
import time

import psycopg
import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection

from config.celery_app import app as celery_app
from core import queue
from pledges import services
from pledges.models import Pledge, PledgeRequest
from tests.conftest import broker_down, free_port
from tests.stack import SlowSink, Worker, django_env, this_tests_database_url

pytestmark = pytest.mark.django_db(transaction=True)

# Seconds after which Redis hands out again a task whose worker vanished
# (BROKER_VISIBILITY_TIMEOUT; an hour in production).
VISIBILITY_TIMEOUT = 2


@pytest.fixture
def sink():
    handler = SlowSink(delay=0)
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


@pytest.fixture
def start_worker(sink, tmp_path):
    """start_worker(name): a real worker sending into the sink; all killed after."""
    env = django_env(
        DATABASE_URL=this_tests_database_url(),
        REDIS_URL=settings.REDIS_URL,
        EMAIL_URL=f"smtp://127.0.0.1:{sink[1]}",
        BROKER_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
    )
    started = []

    def start(name: str) -> Worker:
        worker = Worker(name, env, tmp_path / f"{name}.log", concurrency=1)
        started.append(worker)
        worker.wait_ready()
        return worker

    celery_app.control.purge()
    try:
        yield start
    finally:
        for worker in started:
            worker.kill()
        celery_app.control.purge()


def backends_waiting_for_a_lock() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return [pid for (pid,) in cursor.fetchall()]


def backend_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0] == 1


def wait_until(condition, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.05)


def sign_while_held(holder, **fields) -> int:
    """Sign; once the test holds the requests' table, queue the request's task,
    and wait until a worker is applying it, held there. Returns its backend."""
    with broker_down():  # saved, not yet queued
        services.sign_pledge(country="PT", language="pt", **fields)
    request = PledgeRequest.objects.get()
    # Plain reads go on; taking a request to apply it waits for the test.
    holder.execute("LOCK TABLE pledges_pledgerequest IN EXCLUSIVE MODE")
    assert queue.publish(services.APPLY_TASK, [request.pk])
    wait_until(backends_waiting_for_a_lock, 20, "no worker started applying")
    [applying] = backends_waiting_for_a_lock()
    return applying


def end_backend(pid: int) -> None:
    """End the dead worker's backend, as PostgreSQL does once it notices its
    client is gone (a backend waiting on a lock does not look)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    wait_until(lambda: not backend_alive(pid), 20, "the dead worker's backend lingers")


def applied_once(email: str, received) -> None:
    wait_until(lambda: received, 30, "the task was never delivered again")
    time.sleep(1)  # anything applied or sent twice would be by now
    assert list(Pledge.objects.values_list("email", flat=True)) == [email]
    assert PledgeRequest.objects.count() == 0
    assert received == {email: 1}


def test_a_task_whose_worker_is_killed_is_delivered_again_once_its_time_is_up(start_worker, sink):
    received = sink[0].received
    first = start_worker("first")
    with psycopg.connect(this_tests_database_url()) as holder:
        applying = sign_while_held(holder, display_name="Ana Silva", email="ana@example.org")
        queued = time.monotonic()
        first.kill()
        end_backend(applying)
    # The killed worker's transaction died with its connection: nothing applied.
    assert Pledge.objects.count() == 0
    assert PledgeRequest.objects.count() == 1

    # Once its visibility timeout has passed, the next worker to start takes
    # the task back from Redis.
    time.sleep(max(0.0, queued + VISIBILITY_TIMEOUT + 0.5 - time.monotonic()))
    start_worker("second")
    applied_once("ana@example.org", received)


def test_a_task_whose_pool_process_is_killed_is_handed_back_at_once(start_worker, sink):
    received = sink[0].received
    worker = start_worker("only")
    [process] = worker.pool()
    with psycopg.connect(this_tests_database_url()) as holder:
        applying = sign_while_held(holder, display_name="Bruno García", email="bruno@example.org")
        os.kill(process, signal.SIGKILL)
        end_backend(applying)
        # Handed back and taken by the new pool process, which waits for the lock.
        wait_until(backends_waiting_for_a_lock, 20, "the task was not handed back")
        assert Pledge.objects.count() == 0
    applied_once("bruno@example.org", received)
    assert worker.proc.poll() is None
