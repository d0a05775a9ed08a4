"""Retention: pledges left unconfirmed are deleted 30 days after their last
signature, and requests never applied after a day, by a daily beat job.

Carla signed and never confirmed; Ana confirmed."""

from datetime import timedelta

import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings
from django.core import mail
from django.utils import timezone

from config.celery_app import app as celery_app
from pledges import counting, services
from pledges.models import Pledge, PledgeEmail, PledgeRequest
from pledges.tasks import purge_stale
from tests.conftest import confirm_path, press_confirm

pytestmark = pytest.mark.django_db

CARLA = {"display_name": "Carla", "email": "carla@example.org", "country": "PT", "pledge": "on"}
DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)


def purge_at(moment) -> dict:
    """Run the beat's task as the worker would, at that moment: what it deleted
    (the networks it forgets are tests/test_network_retention.py's)."""
    with time_machine.travel(moment, tick=False):
        done = purge_stale.apply().get()
    del done["networks"]
    return done


def test_the_beat_runs_it_every_day():
    entry = settings.CELERY_BEAT_SCHEDULE["purge-stale"]
    assert entry["task"] == "pledges.tasks.purge_stale" in celery_app.tasks
    assert entry["schedule"] == crontab(hour=3, minute=17)


def test_it_deletes_a_pledge_left_unconfirmed_for_30_days_and_nothing_else(client, sign, ana):
    start = timezone.now()
    sign(CARLA)
    sign(ana)
    press_confirm(client, confirm_path(mail.outbox[-1]))
    carla = Pledge.objects.get(email="carla@example.org")
    assert PledgeEmail.objects.filter(pledge=carla).exists()
    counts = counting.compute_counts()["countries"]

    # The day's email allowances (Carla's and Ana's) go with the first purge after it.
    first = {"pledges": 0, "requests": 0, "outgoing": 0, "allowances": 2}
    assert purge_at(start + 30 * DAY - SECOND) == first
    assert Pledge.objects.filter(pk=carla.pk).exists()
    second = {"pledges": 1, "requests": 0, "outgoing": 0, "allowances": 0}
    assert purge_at(start + 30 * DAY + SECOND) == second

    assert list(Pledge.objects.values_list("email", flat=True)) == ["ana@example.org"]
    assert not PledgeEmail.objects.filter(pledge_id=carla.pk).exists()
    assert counting.compute_counts()["countries"] == counts == {"PT": 1}
    assert counting.reconcile_counts() == {}


def test_a_new_signature_starts_the_30_days_again(sign):
    start = timezone.now()
    sign(CARLA)
    with time_machine.travel(start + 20 * DAY, tick=False):
        sign(CARLA)
    purge_at(start + 31 * DAY)
    assert Pledge.objects.filter(email="carla@example.org").exists()
    purge_at(start + 50 * DAY + SECOND)
    assert not Pledge.objects.exists()


def test_it_deletes_requests_never_applied_after_a_day(django_capture_on_commit_callbacks):
    start = timezone.now()
    with django_capture_on_commit_callbacks(execute=False):  # lost on the way to the broker
        services.sign_pledge(
            display_name="Carla", email="carla@example.org", country="PT", language="pt"
        )
    nothing = {"pledges": 0, "requests": 0, "outgoing": 0, "allowances": 0}
    assert purge_at(start + DAY - SECOND) == nothing
    assert purge_at(start + DAY + SECOND) == {**nothing, "requests": 1}
    assert not PledgeRequest.objects.exists()
