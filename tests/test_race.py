"""Twenty people (or one impatient script) POST the same address at once, and
twenty workers apply those signatures at once."""

import threading

import pytest
import redis
from django.conf import settings
from django.core import mail
from django.db import connections
from django.test import Client

from config.celery_app import app as celery_app
from config.env import Rate
from pledges.models import Pledge, PledgeRequest
from pledges.tasks import apply_requests
from tests.conftest import ANA

pytestmark = pytest.mark.django_db(transaction=True)

SIGNERS = 20


def queued_tasks() -> int:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL).llen("celery")


def at_once(count, work):
    """Run work(n) in `count` threads released together; return their errors."""
    start = threading.Barrier(count)
    errors = []

    def run(n):
        try:
            start.wait(timeout=30)
            work(n)
        except Exception as error:
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_it_makes_one_pledge_and_one_email_of_twenty_concurrent_signatures(settings):
    # This is about the database: the per-address rate limit (abuse/limits.py)
    # would turn all but the first few away at the door.
    settings.RATE_LIMIT_PER_ADDRESS = Rate(SIGNERS, 86400)
    celery_app.control.purge()
    statuses = []

    def sign(n):
        email = "ana@example.org" if n % 2 else "ANA@EXAMPLE.org"
        statuses.append(Client().post("/pledge/", {**ANA, "email": email}).status_code)

    assert at_once(SIGNERS, sign) == []
    assert statuses == [302] * SIGNERS
    # The web side did the same for each: one request row and a wake, which
    # queued one run for them all (core.queue.wake).
    request_ids = list(PledgeRequest.objects.values_list("pk", flat=True))
    assert len(request_ids) == SIGNERS
    assert queued_tasks() == 1
    celery_app.control.purge()

    # Twenty workers apply them at once: the unique index and the resend window
    # settle it in the database.
    assert at_once(SIGNERS, lambda n: apply_requests([request_ids[n]])) == []
    assert Pledge.objects.count() == 1
    assert PledgeRequest.objects.count() == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to in (["ana@example.org"], ["ANA@example.org"])
