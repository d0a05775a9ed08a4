"""Retention of launch sign-ups (a daily beat job): an address never confirmed
goes PENDING_KEPT_FOR after it last asked, as a pending pledge does, or as soon
as its country has launched; one whose launch email went but whose deletion
was lost goes too; a request never applied goes after a day.

Carla asked to hear of Portugal's launch and never confirmed; Ana confirmed."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from campaign import services
from campaign.models import Country, LaunchRequest, LaunchSubscription
from campaign.tasks import purge_launch_signups
from core import outbox
from pledges.services import PENDING_KEPT_FOR
from tests.launch import subscribe, upcoming_country

pytestmark = pytest.mark.django_db

SECOND = timedelta(seconds=1)
NOTHING = {"pending": 0, "done": 0, "requests": 0}


def purge_at(moment) -> dict:
    """Run the beat's task as the worker would, at that moment."""
    with time_machine.travel(moment, tick=False):
        return purge_launch_signups.apply().get()


@pytest.fixture
def portugal():
    return upcoming_country("PT")


def test_it_keeps_an_unconfirmed_address_as_long_as_a_pending_pledge(portugal):
    start = timezone.now()
    carla = subscribe("carla@example.org", portugal, confirmed=False)
    ana = subscribe("ana@example.org", portugal)
    assert purge_at(start + PENDING_KEPT_FOR - SECOND) == NOTHING
    assert purge_at(start + PENDING_KEPT_FOR + SECOND) == {**NOTHING, "pending": 1}
    assert not LaunchSubscription.objects.filter(pk=carla.pk).exists()
    assert LaunchSubscription.objects.filter(pk=ana.pk).exists()


def test_asking_again_starts_the_clock_again(portugal, django_capture_on_commit_callbacks):
    start = timezone.now()
    carla = subscribe("carla@example.org", portugal, confirmed=False)
    with time_machine.travel(start + timedelta(days=20), tick=False):
        with django_capture_on_commit_callbacks(execute=False):
            services.request_launch_email(
                country=portugal, email="carla@example.org", language="pt"
            )
        services.apply_launch_requests(list(LaunchRequest.objects.values_list("pk", flat=True)))
    assert purge_at(start + PENDING_KEPT_FOR + SECOND) == NOTHING
    assert purge_at(start + timedelta(days=20) + PENDING_KEPT_FOR + SECOND)["pending"] == 1
    assert not LaunchSubscription.objects.filter(pk=carla.pk).exists()


def test_an_unconfirmed_address_goes_once_its_country_has_launched(portugal):
    subscribe("carla@example.org", portugal, confirmed=False)
    subscribe("ana@example.org", portugal)
    Country.objects.filter(pk=portugal.pk).update(status=Country.Status.LAUNCHED)
    # Ana still waits for her launch email; Carla has nothing left to confirm.
    assert purge_at(timezone.now()) == {**NOTHING, "pending": 1}
    assert list(LaunchSubscription.objects.values_list("email", flat=True)) == ["ana@example.org"]


def test_it_leaves_an_address_whose_email_is_on_its_way(portugal):
    carla = subscribe("carla@example.org", portugal, confirmed=False)
    now = timezone.now() + PENDING_KEPT_FOR + SECOND
    LaunchSubscription.objects.filter(pk=carla.pk).update(email_claimed_until=now + outbox.LEASE)
    assert purge_at(now) == NOTHING


def test_it_forgets_a_told_address_whose_deletion_was_lost(portugal):
    ana = subscribe("ana@example.org", portugal)
    bruno = subscribe("bruno@example.org", portugal)
    now = timezone.now()
    LaunchSubscription.objects.filter(pk__in=[ana.pk, bruno.pk]).update(
        launch_due_since=now, email_due=LaunchSubscription.EmailDue.LAUNCH
    )
    # Ana's email went and her worker died before deleting her; Bruno's is owed.
    LaunchSubscription.objects.filter(pk=ana.pk).update(email_due="", email_sent_at=now)
    assert purge_at(now) == {**NOTHING, "done": 1}
    assert list(LaunchSubscription.objects.values_list("email", flat=True)) == ["bruno@example.org"]


def test_it_deletes_requests_never_applied_after_a_day(
    portugal, django_capture_on_commit_callbacks
):
    start = timezone.now()
    with django_capture_on_commit_callbacks(execute=False):  # lost on the way to the broker
        services.request_launch_email(country=portugal, email="carla@example.org", language="pt")
    assert purge_at(start + timedelta(days=1) - SECOND) == NOTHING
    assert purge_at(start + timedelta(days=1) + SECOND) == {**NOTHING, "requests": 1}
    assert not LaunchRequest.objects.exists()
