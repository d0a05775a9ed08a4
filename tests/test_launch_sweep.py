"""The launch sign-ups' sweep (beat, every 30 s) hands lost requests and owed
emails to the workers over the real Redis broker; it never sends and never
overlaps itself. Ana's request was lost on the way to a broker that was down."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from campaign import services
from campaign.models import LaunchRequest, LaunchSubscription
from config.celery_app import app as celery_app
from core.models import JobLease
from tests.launch import subscribe, upcoming_country
from tests.test_sweep import queued

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_queue():
    celery_app.control.purge()
    yield
    celery_app.control.purge()


@pytest.fixture
def lost(django_capture_on_commit_callbacks):
    """A request that never reached the broker, and a confirmation email owed
    whose task was lost, both handed out a while ago."""
    portugal = upcoming_country("PT")
    with django_capture_on_commit_callbacks(execute=False):
        services.request_launch_email(country=portugal, email="ana@example.org", language="pt")
    carla = subscribe("carla@example.org", portugal, confirmed=False)
    long_ago = timezone.now() - timedelta(minutes=10)
    LaunchRequest.objects.update(queued_at=long_ago)
    LaunchSubscription.objects.filter(pk=carla.pk).update(
        email_due=LaunchSubscription.EmailDue.CONFIRMATION,
        email_requested_at=long_ago,
        email_queued_at=long_ago,
    )
    return LaunchRequest.objects.get().pk, carla.pk


def test_it_hands_lost_work_to_the_workers_and_sends_nothing_itself(lost):
    request_id, carla_id = lost
    assert services.sweep() == {"requests": 1, "emails": 1}
    assert sorted(queued()) == sorted(
        [(services.APPLY_TASK, [request_id]), (services.SEND_TASK, [carla_id])]
    )
    assert mail.outbox == []
    assert services.sweep() == {"requests": 0, "emails": 0}  # handed out once


def test_it_never_overlaps_with_itself(lost):
    held = JobLease.objects.take(services.SWEEP_JOB, timedelta(minutes=1))
    assert services.sweep() == {"requests": 0, "emails": 0}
    assert queued() == []
    JobLease.objects.release(services.SWEEP_JOB, held)
    assert services.sweep() == {"requests": 1, "emails": 1}
