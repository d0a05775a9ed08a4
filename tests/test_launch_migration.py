"""Moving the launch emails from the sign-up rows to a mailing (campaign
migration 0005): an address already told, or given up on, whose deletion was
lost goes, as the purge would have taken it; one still owed its launch email is
left to the country's launch mailing, which tells it once; the rest are as
they were.

Portugal launched before the change: Ana was told, Bruno's address refused
every try, Carla's email was still to go. Dora waits for Spain, Eva never
confirmed."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from campaign import services
from campaign.models import LaunchSubscription
from config.celery_app import app as celery_app
from mailings import sending
from mailings.models import Delivery, Mailing

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("campaign", "0004_launch_signups")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def test_it_forgets_the_told_and_leaves_the_owed_to_the_launch_mailing():
    old = migrate(BEFORE)
    try:
        Country = old.get_model("campaign", "Country")
        Subscription = old.get_model("campaign", "LaunchSubscription")
        Country.objects.all().delete()
        now = timezone.now()
        portugal = Country.objects.create(code="PT", status="launched", is_published=True)
        spain = Country.objects.create(code="ES", status="upcoming", is_published=True)

        def subscribe(email, country, **fields):
            Subscription.objects.create(
                country=country,
                email=email,
                language="en",
                created_at=now,
                requested_at=now,
                **{"confirmed_at": now, **fields},
            )

        subscribe("ana@example.org", portugal, launch_due_since=now, email_sent_at=now)
        subscribe(
            "bruno@example.org",
            portugal,
            launch_due_since=now,
            email_due="launch",
            email_attempts=8,
        )
        subscribe(
            "carla@example.org",
            portugal,
            launch_due_since=now,
            email_due="launch",
            email_requested_at=now,
            email_queued_at=now,
            email_attempts=2,
        )
        subscribe("dora@example.org", spain, email_due="already_subscribed")
        subscribe("eva@example.org", spain, confirmed_at=None, email_due="confirmation")
    finally:
        migrate(latest())

    left = {s.email: s for s in LaunchSubscription.objects.all()}
    assert sorted(left) == ["carla@example.org", "dora@example.org", "eva@example.org"]
    carla = left["carla@example.org"]
    assert (carla.email_due, carla.email_queued_at, carla.email_attempts) == ("", None, 0)
    assert left["dora@example.org"].email_due == "already_subscribed"
    assert left["eva@example.org"].email_due == "confirmation"

    # The next run of the launch job announces Portugal: Carla, and only she, is owed it.
    celery_app.control.purge()
    try:
        assert services.announce_launches() == ["PT"]
        sending.fan_out(Mailing.objects.get(kind=Mailing.Kind.LAUNCH, key="PT").pk)
    finally:
        celery_app.control.purge()  # no worker here
    assert list(Delivery.objects.values_list("subscription_id", flat=True)) == [carla.pk]
