"""The sweep (beat, every 30 s) hands lost requests and owed emails to the
workers over the real Redis broker; it never sends and never overlaps itself."""

import base64
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.core import mail
from django.utils import timezone
from kombu.serialization import loads

from config.celery_app import app as celery_app
from core import outbox
from core.models import JobLease
from pledges import services
from pledges.models import Pledge, PledgeRequest
from tests.conftest import broker_down, make_pledge

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_queue():
    celery_app.control.purge()
    yield
    celery_app.control.purge()


def queued() -> list[tuple[str, list]]:
    """(task name, first argument) of every task waiting in the broker."""
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    tasks = []
    for raw in broker.lrange("celery", 0, -1):
        message = loads(raw, "application/json", "utf-8")
        body = loads(
            base64.b64decode(message["body"]),
            message["content-type"],
            message["content-encoding"],
        )
        tasks.append((message["headers"]["task"], body[0][0]))
    return tasks


def owe(count, *, queued_ago=None):
    now = timezone.now()
    ids = []
    for n in range(count):
        pledge = make_pledge(f"s{n}@example.org", "PT", confirmed=False)
        Pledge.objects.filter(pk=pledge.pk).update(
            email_due=Pledge.EmailDue.CONFIRMATION,
            email_requested_at=now - timedelta(minutes=10),
            email_queued_at=None if queued_ago is None else now - queued_ago,
        )
        ids.append(pledge.pk)
    return ids


def test_it_hands_owed_emails_to_the_workers_in_batches_and_sends_none_itself():
    ids = owe(services.TASK_BATCH + 3)
    assert services.sweep() == {"requests": 0, "emails": len(ids)}
    assert mail.outbox == []
    handed = [args for name, args in queued() if name == services.SEND_TASK]
    assert sorted(len(batch) for batch in handed) == [3, services.TASK_BATCH]
    assert sorted(pk for batch in handed for pk in batch) == sorted(ids)
    assert not Pledge.objects.filter(email_queued_at__isnull=True).exists()


def test_it_hands_out_an_email_once_until_it_is_overdue():
    owe(2)
    services.sweep()
    assert services.sweep() == {"requests": 0, "emails": 0}
    later = timezone.now() + outbox.REQUEUE_AFTER + timedelta(seconds=1)
    assert services.sweep(now=later) == {"requests": 0, "emails": 2}


def test_it_leaves_alone_what_the_signing_path_just_queued():
    owe(1, queued_ago=timedelta(seconds=5))
    assert services.sweep()["emails"] == 0


def test_it_requeues_requests_that_never_reached_a_worker():
    now = timezone.now()
    fresh = PledgeRequest.objects.create(
        kind="sign", email="a@example.org", language="en", received_at=now, queued_at=now
    )
    lost = PledgeRequest.objects.create(
        kind="sign",
        email="b@example.org",
        language="en",
        received_at=now - timedelta(minutes=1),
        queued_at=now - timedelta(minutes=1),
    )
    assert services.sweep() == {"requests": 1, "emails": 0}
    assert queued() == [(services.APPLY_TASK, [lost.pk])]
    assert all(fresh.pk not in args for _name, args in queued())


def test_it_never_overlaps_with_itself():
    owe(3)
    held = JobLease.objects.take("pledges.sweep", timedelta(minutes=1))
    assert held is not None
    assert services.sweep() == {"requests": 0, "emails": 0}
    assert queued() == []
    JobLease.objects.release("pledges.sweep", held)
    assert services.sweep()["emails"] == 3


def test_a_sweep_that_dies_lets_the_next_one_run_after_its_lease():
    owe(1)
    JobLease.objects.take("pledges.sweep", services.SWEEP_LEASE)
    later = timezone.now() + services.SWEEP_LEASE + timedelta(seconds=1)
    assert services.sweep(now=later)["emails"] == 1


def test_what_it_could_not_publish_is_handed_out_again_by_the_next_sweep():
    owe(2)
    with broker_down():
        assert services.sweep() == {"requests": 0, "emails": 2}
    assert queued() == []
    assert services.sweep()["emails"] == 2
    assert len(queued()) == 1
