"""Milestones: when the world's count or a country's passes one of
settings.MILESTONES (here 3 and 5), one mailing per milestone, once, however
often or however concurrently the check runs; a milestone passed before
milestone emails existed is never sent; organisers and administrators hear of
it, and so do the supporters there who want news.

Counts come from real confirmations: Ana, Paulo, Rita, Sofia, Tiago and
Pedro (without news) in Portugal, Bruno and Carmen in Spain. Olga organises,
Adam administers, Paula moderates Portugal."""

import importlib
from collections import defaultdict
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from config.celery_app import app as celery_app
from mailings import milestones, sending
from mailings.models import Delivery, Mailing
from pledges.forms import WORDING_VERSION
from pledges.models import Pledge
from tests.conftest import make_pledge
from tests.mailing import received_by, wait_until_sent
from tests.staff import make_persona
from tests.test_race import at_once

CHECKERS = 5


@pytest.fixture(autouse=True)
def milestones_at_3_and_5(settings):
    settings.MILESTONES = [3, 5]


def confirm_in(country: str, *names: str, wants_updates: bool = True) -> None:
    for name in names:
        make_pledge(
            f"{name}@example.org", country, display_name=name.title(), wants_updates=wants_updates
        )


def milestone_keys() -> list[str]:
    return sorted(Mailing.objects.filter(kind=Mailing.Kind.MILESTONE).values_list("key", flat=True))


@pytest.mark.django_db
def test_each_milestone_gets_one_mailing_once_reached():
    confirm_in("PT", "ana", "paulo")
    assert milestones.check() == []

    confirm_in("PT", "rita")
    assert sorted(milestones.check()) == ["PT:3", "world:3"]
    assert milestones.check() == []

    confirm_in("ES", "bruno", "carmen")
    assert milestones.check() == ["world:5"]
    assert milestones.check() == []
    assert milestone_keys() == ["PT:3", "world:3", "world:5"]
    portugal = Mailing.objects.get(key="PT:3")
    assert (portugal.country.code, portugal.state) == ("PT", Mailing.State.SENDING)
    assert not Mailing.objects.get(key="world:5").country


@pytest.mark.django_db(transaction=True)
def test_concurrent_checks_make_each_milestone_once_and_only_its_maker_starts_it():
    confirm_in("PT", "ana", "paulo", "rita")
    confirm_in("ES", "bruno", "carmen")
    made = []
    try:
        assert at_once(CHECKERS, lambda n: made.extend(milestones.check())) == []
    finally:
        celery_app.control.purge()  # the starts they queued; no worker runs here
    assert sorted(made) == ["PT:3", "world:3", "world:5"]
    assert milestone_keys() == ["PT:3", "world:3", "world:5"]
    assert set(Mailing.objects.values_list("state", flat=True)) == {Mailing.State.SENDING}


@pytest.mark.django_db
def test_a_milestone_passed_before_milestone_emails_is_never_sent():
    confirm_in("PT", "ana", "paulo", "rita")
    # What migration 0002 does when it is applied to a campaign already this big.
    migration = importlib.import_module("mailings.migrations.0002_passed_milestones_and_welcome")
    migration.record(apps, SimpleNamespace(connection=connection))
    assert milestone_keys() == ["PT:3", "world:3"]

    assert milestones.check() == []
    confirm_in("PT", "sofia", "tiago")
    assert sorted(milestones.check()) == ["PT:5", "world:5"]
    passed = Mailing.objects.filter(key__in=["PT:3", "world:3"])
    assert set(passed.values_list("state", flat=True)) == {Mailing.State.PASSED}
    assert not Delivery.objects.filter(mailing__in=passed).exists()


@pytest.mark.django_db(transaction=True)
def test_organisers_and_the_news_readers_there_are_told(celery_worker, smtp_inbox):
    make_persona("organiser")
    make_persona("administrator")
    make_persona("moderator_pt")
    confirm_in("PT", "ana", "paulo")
    confirm_in("PT", "pedro", wants_updates=False)
    confirm_in("ES", "bruno")

    assert sorted(milestones.check()) == ["PT:3", "world:3"]
    for mailing in Mailing.objects.filter(kind=Mailing.Kind.MILESTONE):
        wait_until_sent(mailing, timeout=20)

    subjects = defaultdict(list)
    for recipients, message in smtp_inbox.messages:
        for recipient in recipients:
            subjects[recipient].append(message["Subject"])
    staff = ["Milestone: Portugal passed 3 supporters", "Milestone: the world passed 3 supporters"]
    readers_in_portugal = [
        "3 supporters in Portugal stand with the Blue Heart",
        "3 supporters stand with the Blue Heart",
    ]
    assert {address: sorted(told) for address, told in subjects.items()} == {
        "olga@example.org": staff,
        "adam@example.org": staff,
        "ana@example.org": readers_in_portugal,
        "paulo@example.org": readers_in_portugal,
        "bruno@example.org": ["3 supporters stand with the Blue Heart"],
    }


@pytest.mark.django_db
def test_a_reader_who_turns_off_her_countrys_news_mid_run_is_not_told_its_milestone(
    smtp_inbox, monkeypatch
):
    monkeypatch.setattr(sending.queue, "publish", lambda *args: True)
    monkeypatch.setattr(sending.queue, "publish_later", lambda *args: True)
    confirm_in("PT", "ana", "paulo", "rita")
    milestones.check()
    portugal = Mailing.objects.get(key="PT:3")
    sending.fan_out(portugal.pk)
    assert Delivery.objects.filter(mailing=portugal).count() == 3

    # From the preferences page in her update's footer, after the fan-out.
    ana = Pledge.objects.get(email="ana@example.org")
    assert ana.change_email_preferences(
        wants_updates=True,
        country_news=False,
        language="en",
        wording_version=WORDING_VERSION,
        now=timezone.now(),
    )
    counts = sending.send_batch(portugal.pk)
    assert counts["skipped"] == 1
    assert sorted(received_by(smtp_inbox)) == ["paulo@example.org", "rita@example.org"]
