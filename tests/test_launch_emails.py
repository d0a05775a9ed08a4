"""Launch day: the beat's job launches a country whose day (known to the day)
has come and starts its one launch mailing (mailings): each confirmed
subscriber gets one launch email, in their language, with the country's page,
never twice however often the job runs or however its runs race; then their
address is deleted. A date known only to the month never launches by itself;
a country its moderator launched is announced on the next run.

On the real stack: the Redis broker, a Celery worker, an SMTP server on
loopback, time moved with time-machine (the worker too: it runs in this
process, so a flow started at a moment is followed to its end there). Ana
(Portuguese) and Bruno (Spanish) asked to hear of Portugal's launch and
confirmed; Carla asked and never confirmed; Dora waits for Spain."""

import asyncio
import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from celery.schedules import crontab, schedule
from django.conf import settings
from django.db import connections

from campaign import services
from campaign.models import Country, LaunchSubscription
from campaign.tasks import purge_launch_signups, send_launch_emails
from config.celery_app import app as celery_app
from core.models import JobLease
from mailings import sending
from mailings.models import Delivery, Mailing
from tests.conftest import RejectingServer, SMTPInbox
from tests.launch import subscribe, upcoming_country
from tests.traces import everywhere

pytestmark = pytest.mark.django_db(transaction=True)

LAUNCH_DAY = date(2027, 4, 15)
EVE = datetime(2027, 4, 14, 23, 59, 30, tzinfo=UTC)
LAUNCH_MORNING = datetime(2027, 4, 15, 0, 0, 5, tzinfo=UTC)
# Long enough for a worker to send anything it was wrongly handed.
SETTLE = 1.5
NOTHING = {"launched": 0, "mailings": 0}


@pytest.fixture(autouse=True)
def _only_the_countries_each_test_makes(transactional_db):
    # A fresh database has the starter countries, Spain launched since 2010: the
    # job would announce it (to nobody), which is not what these tests watch.
    Country.objects.all().delete()


@pytest.fixture
def portugal_waits():
    """Portugal launches on LAUNCH_DAY; who asked to hear of it, and Dora for Spain."""
    portugal = upcoming_country("PT", launch_date=LAUNCH_DAY)
    spain = upcoming_country(
        "ES", launch_date=date(2027, 6, 1), precision=Country.DatePrecision.MONTH
    )
    subscribe("ana@example.org", portugal, language="pt")
    subscribe("bruno@example.org", portugal, language="es")
    subscribe("carla@example.org", portugal, confirmed=False)
    subscribe("dora@example.org", spain)
    return portugal


def run_the_job(moment: datetime) -> dict:
    """What the beat's task does at that moment (the worker then sends)."""
    with time_machine.travel(moment):
        return send_launch_emails()


def launch_emails(inbox) -> dict[str, object]:
    return {recipients[0]: message for recipients, message in inbox.messages}


def wait_until(condition, message: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.1)


def launch_mailings() -> list[tuple[str, str, str]]:
    return [
        (mailing.key, str(mailing.country), mailing.state)
        for mailing in Mailing.objects.filter(kind=Mailing.Kind.LAUNCH).order_by("key")
    ]


def sent_and_forgotten(country: Country) -> None:
    """Wait until the country's launch mailing has finished and its told
    subscribers are deleted."""
    wait_until(
        lambda: Mailing.objects.filter(
            kind=Mailing.Kind.LAUNCH, key=country.code, state=Mailing.State.SENT
        ).exists(),
        "the launch mailing did not finish",
    )
    wait_until(
        lambda: not LaunchSubscription.objects.confirmed().filter(country=country).exists(),
        "the told subscriptions were not deleted",
    )


def test_the_beat_runs_the_job_every_five_minutes():
    entry = settings.CELERY_BEAT_SCHEDULE["launch-emails"]
    assert entry["task"] == "campaign.tasks.send_launch_emails" in celery_app.tasks
    assert entry["schedule"] == schedule(timedelta(minutes=5))
    sweep = settings.CELERY_BEAT_SCHEDULE["sweep-launch-signups"]
    assert sweep["task"] == "campaign.tasks.sweep" in celery_app.tasks
    purge = settings.CELERY_BEAT_SCHEDULE["purge-launch-signups"]
    assert purge["task"] == "campaign.tasks.purge_launch_signups" in celery_app.tasks
    assert purge["schedule"] == crontab(hour=3, minute=27)


def test_on_launch_day_each_subscriber_gets_one_email_once(
    portugal_waits, celery_worker, smtp_inbox
):
    portugal = portugal_waits
    assert run_the_job(EVE) == NOTHING
    time.sleep(SETTLE)
    assert smtp_inbox.messages == []
    assert launch_mailings() == []

    with time_machine.travel(LAUNCH_MORNING):
        assert send_launch_emails() == {"launched": 1, "mailings": 1}
        smtp_inbox.wait_for(2)
        sent_and_forgotten(portugal)
    sent = launch_emails(smtp_inbox)
    # Carla never confirmed: nothing for her (the purge takes her).
    assert sorted(sent) == ["ana@example.org", "bruno@example.org"]
    for address, language in [("ana@example.org", "pt"), ("bruno@example.org", "es")]:
        message = sent[address]
        assert "Portugal" in message["Subject"]
        text = message.get_body(("plain",)).get_content()
        assert f"{settings.SITE_URL}/{language}/countries/pt/" in text
        assert f'<html lang="{language}"' in message.get_body(("html",)).get_content()

    # One mailing, to the two of them.
    assert launch_mailings() == [("PT", "PT", Mailing.State.SENT)]
    assert Mailing.objects.get(kind=Mailing.Kind.LAUNCH).total == 2

    # Launched, and the page's history says so.
    portugal.refresh_from_db()
    assert portugal.status == Country.Status.LAUNCHED
    latest = portugal.history.latest()
    assert (latest.status, latest.history_change_reason) == ("launched", "Launch day")

    # Told, and forgotten, delivery rows and all.
    assert everywhere("ana@example.org") == []
    assert everywhere("bruno@example.org") == []
    assert not Delivery.objects.exists()

    # The next runs, that day and later, send nothing more.
    assert run_the_job(LAUNCH_MORNING + timedelta(minutes=5)) == NOTHING
    assert run_the_job(LAUNCH_MORNING + timedelta(days=3)) == NOTHING
    time.sleep(SETTLE)
    assert len(smtp_inbox.messages) == 2
    assert launch_mailings() == [("PT", "PT", Mailing.State.SENT)]
    assert LaunchSubscription.objects.filter(email="dora@example.org").exists()


def test_two_runs_at_the_same_moment_send_each_email_once(
    portugal_waits, celery_worker, smtp_inbox
):
    start = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            start.wait(timeout=10)
            results.append(send_launch_emails())
        except Exception as error:
            errors.append(repr(error))
        finally:
            connections.close_all()

    with time_machine.travel(LAUNCH_MORNING):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == []
        assert sorted(result["mailings"] for result in results) == [0, 1]
        smtp_inbox.wait_for(2)
        sent_and_forgotten(portugal_waits)
        time.sleep(SETTLE)
    assert sorted(launch_emails(smtp_inbox)) == ["ana@example.org", "bruno@example.org"]
    assert len(smtp_inbox.messages) == 2
    assert launch_mailings() == [("PT", "PT", Mailing.State.SENT)]


def test_a_launch_announced_twice_is_mailed_once(portugal_waits, celery_worker, smtp_inbox):
    """Two runs that both found Portugal unannounced (had their job leases
    overlapped): the database lets one of them create its mailing."""
    Country.objects.filter(pk=portugal_waits.pk).update(status=Country.Status.LAUNCHED)
    assert services.announce_launch("PT") is True
    assert services.announce_launch("PT") is False
    smtp_inbox.wait_for(2)
    sent_and_forgotten(portugal_waits)
    time.sleep(SETTLE)
    assert sorted(launch_emails(smtp_inbox)) == ["ana@example.org", "bruno@example.org"]
    assert launch_mailings() == [("PT", "PT", Mailing.State.SENT)]


class SlowInbox(SMTPInbox):
    """Takes its time over each message; `during_data` runs meanwhile, once."""

    def __init__(self, during_data):
        super().__init__()
        self.during_data = during_data

    async def handle_DATA(self, server, session, envelope):
        if self.during_data:
            during, self.during_data = self.during_data, None
            await asyncio.to_thread(during)
        await asyncio.sleep(0.5)
        return await super().handle_DATA(server, session, envelope)


def test_a_run_while_the_emails_are_on_their_way_owes_nothing_more(
    portugal_waits, celery_worker, smtp_server
):
    LaunchSubscription.objects.filter(email="bruno@example.org").delete()
    again = []

    def the_beat_again():
        # The next run comes while the mail server is still taking Ana's email.
        again.append(send_launch_emails())
        connections.close_all()

    with time_machine.travel(LAUNCH_MORNING):
        inbox = smtp_server(SlowInbox(during_data=the_beat_again))
        assert send_launch_emails()["mailings"] == 1
        inbox.wait_for(1)
        # And the runs after it, once the first email has gone.
        sent_and_forgotten(portugal_waits)
        assert send_launch_emails() == NOTHING
        time.sleep(SETTLE)
    assert again == [NOTHING]
    assert [recipients for recipients, _message in inbox.messages] == [["ana@example.org"]]


def test_a_date_known_only_to_the_month_never_launches_by_itself(celery_worker, smtp_inbox):
    portugal = upcoming_country(
        "PT", launch_date=date(2027, 4, 1), precision=Country.DatePrecision.MONTH
    )
    subscribe("ana@example.org", portugal)
    last_of_april = datetime(2027, 4, 30, 23, 0, tzinfo=UTC)
    for moment in [LAUNCH_MORNING, last_of_april, datetime(2027, 9, 1, tzinfo=UTC)]:
        assert run_the_job(moment) == NOTHING
    portugal.refresh_from_db()
    assert portugal.status == Country.Status.UPCOMING
    time.sleep(SETTLE)
    assert smtp_inbox.messages == []
    assert launch_mailings() == []


def test_a_country_its_moderator_launched_is_announced_on_the_next_run(
    portugal_waits, celery_worker, smtp_inbox
):
    spain = Country.objects.get(code="ES")
    france = upcoming_country("FR", published=False)
    subscribe("eva@example.org", france)
    for country in (spain, france):
        # As the moderator's form saves it.
        country.status = Country.Status.LAUNCHED
        country.save()

    # Today, long before Portugal's day.
    assert send_launch_emails() == {"launched": 0, "mailings": 1}
    [(recipients, message)] = smtp_inbox.wait_for(1)
    assert recipients == ["dora@example.org"]
    assert "Spain" in message["Subject"]
    assert "/countries/es/" in message.get_body(("plain",)).get_content()

    # France's page is not public: its subscribers wait until it is.
    time.sleep(SETTLE)
    assert len(smtp_inbox.messages) == 1
    assert [key for key, _country, _state in launch_mailings()] == ["ES"]
    Country.objects.filter(pk=france.pk).update(is_published=True)
    assert send_launch_emails() == {"launched": 0, "mailings": 1}
    smtp_inbox.wait_for(2)
    assert smtp_inbox.messages[1][0] == ["eva@example.org"]
    assert "/countries/fr/" in smtp_inbox.messages[1][1].get_body(("plain",)).get_content()
    assert [key for key, _country, _state in launch_mailings()] == ["ES", "FR"]


def test_it_never_overlaps_with_itself(portugal_waits):
    with time_machine.travel(LAUNCH_MORNING):
        held = JobLease.objects.take(services.LAUNCH_JOB, timedelta(minutes=1))
        assert held is not None
        assert send_launch_emails() == NOTHING
        assert Country.objects.get(code="PT").status == Country.Status.UPCOMING
        assert launch_mailings() == []
        JobLease.objects.release(services.LAUNCH_JOB, held)
        celery_app.control.purge()  # nothing to send them: no worker here
        assert send_launch_emails() == {"launched": 1, "mailings": 1}
    celery_app.control.purge()


def test_an_address_that_never_takes_mail_is_given_up_and_forgotten(
    portugal_waits, celery_worker, smtp_server, settings
):
    # Retried at once, not over half an hour: the attempts are what is tested.
    settings.MAILING_RETRY_BASE_SECONDS = 0
    smtp_server(RejectingServer())
    Country.objects.filter(pk=portugal_waits.pk).update(status=Country.Status.LAUNCHED)
    assert send_launch_emails() == {"launched": 0, "mailings": 1}
    sent_and_forgotten(portugal_waits)
    assert everywhere("ana@example.org") == []


def test_the_purge_forgets_the_told_whose_deletion_was_lost(portugal_waits, smtp_inbox):
    """The worker sent the launch emails and died before deleting anyone."""
    Country.objects.filter(pk=portugal_waits.pk).update(status=Country.Status.LAUNCHED)
    celery_app.control.purge()
    services.announce_launch("PT")
    mailing = Mailing.objects.get(kind=Mailing.Kind.LAUNCH)
    sending.fan_out(mailing.pk)
    Delivery.objects.update(state=Delivery.State.SENT)
    celery_app.control.purge()
    assert LaunchSubscription.objects.confirmed().filter(country=portugal_waits).count() == 2

    assert purge_launch_signups.apply().get() == {"pending": 1, "done": 2, "requests": 0}
    assert list(LaunchSubscription.objects.values_list("email", flat=True)) == ["dora@example.org"]
    assert not Delivery.objects.exists()
