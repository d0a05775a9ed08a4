"""Retention of launch sign-ups (a daily beat job): an address never confirmed
goes PENDING_KEPT_FOR after it last asked, as a pending pledge does, or as soon
as its country has launched; one whose launch email went (or never will) but
whose deletion was lost goes too; a request never applied goes after a day.

Carla asked to hear of Portugal's launch and never confirmed; Ana confirmed."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from campaign import services
from campaign.models import Country, LaunchRequest, LaunchSubscription
from campaign.tasks import purge_launch_signups
from core import outbox
from mailings.models import Delivery, Mailing, Suppression
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


def launch_mailing(country: Country, *, fanned_out: bool = True) -> Mailing:
    """Its launch mailing, as the fan-out left it (no worker here)."""
    now = timezone.now()
    return Mailing.objects.create(
        kind=Mailing.Kind.LAUNCH,
        key=country.code,
        country=country.code,
        state=Mailing.State.SENDING,
        started_at=now,
        fanned_out_at=now if fanned_out else None,
    )


def test_it_forgets_a_told_address_whose_deletion_was_lost(portugal):
    ana = subscribe("ana@example.org", portugal)
    bruno = subscribe("bruno@example.org", portugal)
    dora = subscribe("dora@example.org", portugal)
    Country.objects.filter(pk=portugal.pk).update(status=Country.Status.LAUNCHED)
    mailing = launch_mailing(portugal)
    # Ana's email went and her worker died before deleting her; Bruno's is
    # still to go; Dora's address bounced before, so the fan-out left her out.
    Delivery.objects.create(mailing=mailing, subscription=ana, state=Delivery.State.SENT)
    Delivery.objects.create(mailing=mailing, subscription=bruno)
    Suppression.objects.create(address="dora@example.org", reason=Suppression.Reason.BOUNCED)
    assert purge_at(timezone.now()) == {**NOTHING, "done": 2}
    assert list(LaunchSubscription.objects.values_list("email", flat=True)) == ["bruno@example.org"]
    assert not LaunchSubscription.objects.filter(pk__in=[ana.pk, dora.pk]).exists()
    # Ana's delivery row went with her; the run goes on for Bruno.
    assert list(Delivery.objects.values_list("subscription_id", flat=True)) == [bruno.pk]


def test_it_keeps_the_confirmed_until_the_launch_mailing_has_fanned_out(portugal):
    subscribe("ana@example.org", portugal)
    Country.objects.filter(pk=portugal.pk).update(status=Country.Status.LAUNCHED)
    # Launched, not yet announced: the next run of the launch job mails her.
    assert purge_at(timezone.now()) == NOTHING
    # Announced, its recipients not yet listed: she is about to be.
    launch_mailing(portugal, fanned_out=False)
    assert purge_at(timezone.now()) == NOTHING
    assert LaunchSubscription.objects.filter(email="ana@example.org").exists()


def test_it_deletes_requests_never_applied_after_a_day(
    portugal, django_capture_on_commit_callbacks
):
    start = timezone.now()
    with django_capture_on_commit_callbacks(execute=False):  # lost on the way to the broker
        services.request_launch_email(country=portugal, email="carla@example.org", language="pt")
    assert purge_at(start + timedelta(days=1) - SECOND) == NOTHING
    assert purge_at(start + timedelta(days=1) + SECOND) == {**NOTHING, "requests": 1}
    assert not LaunchRequest.objects.exists()
