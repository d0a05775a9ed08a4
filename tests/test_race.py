"""Twenty people (or one impatient script) POST the same address at once."""

import threading

import pytest
import redis
from django.conf import settings
from django.db import connections
from django.test import Client

from config.celery_app import app as celery_app
from pledges.models import Pledge
from tests.conftest import ANA

pytestmark = pytest.mark.django_db(transaction=True)

SIGNERS = 20


def queued_tasks() -> int:
    return redis.Redis.from_url(settings.REDIS_URL).llen("celery")


def test_it_makes_one_pledge_and_one_email_of_twenty_concurrent_posts():
    celery_app.control.purge()
    start = threading.Barrier(SIGNERS)
    statuses, errors = [], []

    def signer(n):
        try:
            client = Client()
            start.wait(timeout=30)
            email = "ana@example.org" if n % 2 else "ANA@EXAMPLE.org"
            statuses.append(client.post("/pledge/", {**ANA, "email": email}).status_code)
        except Exception as error:  # reported below, with the thread's own traceback lost
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=signer, args=(n,)) for n in range(SIGNERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert statuses == [302] * SIGNERS
    assert Pledge.objects.count() == 1
    # One confirmation queued for the worker; the other nineteen were throttled.
    assert queued_tasks() == 1
    celery_app.control.purge()
