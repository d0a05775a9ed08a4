"""A crowd signing wakes the run that applies their signatures; it does not
queue a task for each (core.queue.wake, pledges.services.apply_waiting).
Ana signs first; Bruno signs after the run has read Ana's signature."""

import pytest
import redis
from django.conf import settings
from django.core import mail
from django.test import Client

from config.celery_app import app as celery_app
from core import queue
from pledges import services
from pledges.models import Pledge, PledgeRequest
from tests.conftest import ANA, BRUNO

pytestmark = pytest.mark.django_db


def queued_runs() -> int:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL).llen("celery")


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    def post(data):
        with django_capture_on_commit_callbacks(execute=True):
            assert Client().post("/pledge/", data).status_code == 302

    celery_app.control.purge()
    yield post
    celery_app.control.purge()


def test_it_queues_one_run_for_signatures_that_arrive_before_it_starts(post):
    post(ANA)
    post(BRUNO)
    assert PledgeRequest.objects.count() == 2
    assert queued_runs() == 1

    assert services.apply_waiting() == 2  # the one run applies both, and sends both
    assert PledgeRequest.objects.count() == 0
    assert sorted(message.to[0] for message in mail.outbox) == [ANA["email"], BRUNO["email"]]


def test_it_wakes_a_new_run_for_a_signature_saved_after_the_run_read_its_work(post):
    post(ANA)
    assert queued_runs() == 1
    services.apply_waiting()  # the run reads its work: Ana's
    # Bruno's signature is saved after that read, at once (the wake Ana's
    # signature left would stand a second): a new run must be queued for it.
    post(BRUNO)
    assert queued_runs() == 2


def test_it_applies_the_rest_when_one_request_fails(post, monkeypatch):
    post(ANA)
    post(BRUNO)
    ana_request = PledgeRequest.objects.get(email=ANA["email"]).pk
    apply = services.apply_requests

    def ana_fails(ids, now=None):
        if ids == [ana_request]:
            raise RuntimeError("a poisoned request")
        return apply(ids, now)

    monkeypatch.setattr(services, "apply_requests", ana_fails)
    services.apply_waiting()
    # Ana's waits for the sweep; Bruno's was not held up by it.
    assert list(PledgeRequest.objects.values_list("pk", flat=True)) == [ana_request]
    assert Pledge.objects.get().email == BRUNO["email"]


def test_it_takes_back_a_wake_whose_run_could_not_be_queued(post, monkeypatch):
    monkeypatch.setattr(queue, "_publish", lambda *args, **kwargs: False)
    post(ANA)
    # Nothing queued and no wake left standing: the next signature tries again.
    flags = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    assert not flags.exists(queue.wake_key(services.APPLY_WAITING_TASK))
    assert queued_runs() == 0
