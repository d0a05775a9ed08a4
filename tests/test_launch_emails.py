"""Launch day: the beat's job launches a country whose day (known to the day)
has come, and each confirmed subscriber gets one launch email, in their
language, with the country's page, never twice however often the job runs or
however its runs race; then their address is deleted. A date known only to
the month never launches by itself; a country its moderator launched is
announced on the next run.

On the real stack: the Redis broker, a Celery worker, an SMTP server on
loopback, time moved with time-machine. Ana (Portuguese) and Bruno (Spanish)
asked to hear of Portugal's launch and confirmed; Carla asked and never
confirmed; Dora waits for Spain."""

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
from campaign.tasks import send_launch_emails
from config.celery_app import app as celery_app
from core import outbox
from core.models import JobLease
from tests.conftest import RejectingServer, SMTPInbox
from tests.launch import subscribe, upcoming_country
from tests.traces import everywhere

pytestmark = pytest.mark.django_db(transaction=True)

LAUNCH_DAY = date(2027, 4, 15)
EVE = datetime(2027, 4, 14, 23, 59, 30, tzinfo=UTC)
LAUNCH_MORNING = datetime(2027, 4, 15, 0, 0, 5, tzinfo=UTC)
# Long enough for a worker to send anything it was wrongly handed.
SETTLE = 1.5


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
    assert run_the_job(EVE) == {"launched": 0, "owed": 0, "emails": 0}
    time.sleep(SETTLE)
    assert smtp_inbox.messages == []

    assert run_the_job(LAUNCH_MORNING) == {"launched": 1, "owed": 2, "emails": 2}
    smtp_inbox.wait_for(2)
    sent = launch_emails(smtp_inbox)
    assert sorted(sent) == ["ana@example.org", "bruno@example.org"]
    for address, language in [("ana@example.org", "pt"), ("bruno@example.org", "es")]:
        message = sent[address]
        assert "Portugal" in message["Subject"]
        text = message.get_body(("plain",)).get_content()
        assert f"{settings.SITE_URL}/{language}/countries/pt/" in text
        assert f'<html lang="{language}"' in message.get_body(("html",)).get_content()

    # Launched, and the page's history says so.
    portugal.refresh_from_db()
    assert portugal.status == Country.Status.LAUNCHED
    latest = portugal.history.latest()
    assert (latest.status, latest.history_change_reason) == ("launched", "Launch day")

    # Told, and forgotten. (Carla never confirmed: the purge takes her.)
    deadline = time.monotonic() + 10
    while LaunchSubscription.objects.confirmed().filter(country=portugal).exists():
        assert time.monotonic() < deadline, "the told subscriptions were not deleted"
        time.sleep(0.1)
    assert everywhere("ana@example.org") == []
    assert everywhere("bruno@example.org") == []

    # The next runs, that day and later, send nothing more.
    assert run_the_job(LAUNCH_MORNING + timedelta(minutes=5))["emails"] == 0
    assert run_the_job(LAUNCH_MORNING + timedelta(days=3))["emails"] == 0
    time.sleep(SETTLE)
    assert len(smtp_inbox.messages) == 2
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
    assert sorted(result["emails"] for result in results) in ([0, 2], [1, 1])
    smtp_inbox.wait_for(2)
    time.sleep(SETTLE)
    assert sorted(launch_emails(smtp_inbox)) == ["ana@example.org", "bruno@example.org"]
    assert len(smtp_inbox.messages) == 2


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

    def the_beat_again():
        # The next run comes while the mail server is still taking Ana's email.
        send_launch_emails()
        connections.close_all()

    with time_machine.travel(LAUNCH_MORNING):
        inbox = smtp_server(SlowInbox(during_data=the_beat_again))
        assert send_launch_emails()["emails"] == 1
        inbox.wait_for(1)
        # And the runs after it, once the first email has gone.
        time.sleep(SETTLE)
        send_launch_emails()
        time.sleep(SETTLE)
    assert [recipients for recipients, _message in inbox.messages] == [["ana@example.org"]]


def test_a_date_known_only_to_the_month_never_launches_by_itself(celery_worker, smtp_inbox):
    portugal = upcoming_country(
        "PT", launch_date=date(2027, 4, 1), precision=Country.DatePrecision.MONTH
    )
    subscribe("ana@example.org", portugal)
    last_of_april = datetime(2027, 4, 30, 23, 0, tzinfo=UTC)
    for moment in [LAUNCH_MORNING, last_of_april, datetime(2027, 9, 1, tzinfo=UTC)]:
        assert run_the_job(moment) == {"launched": 0, "owed": 0, "emails": 0}
    portugal.refresh_from_db()
    assert portugal.status == Country.Status.UPCOMING
    time.sleep(SETTLE)
    assert smtp_inbox.messages == []


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

    assert run_the_job(EVE - timedelta(hours=1))["owed"] == 1
    [(recipients, message)] = smtp_inbox.wait_for(1)
    assert recipients == ["dora@example.org"]
    assert "Spain" in message["Subject"]
    assert "/countries/es/" in message.get_body(("plain",)).get_content()

    # France's page is not public: its subscribers wait until it is.
    time.sleep(SETTLE)
    assert len(smtp_inbox.messages) == 1
    Country.objects.filter(pk=france.pk).update(is_published=True)
    assert run_the_job(EVE)["owed"] == 1
    smtp_inbox.wait_for(2)
    assert smtp_inbox.messages[1][0] == ["eva@example.org"]


def test_it_never_overlaps_with_itself(portugal_waits):
    with time_machine.travel(LAUNCH_MORNING):
        held = JobLease.objects.take(services.LAUNCH_JOB, timedelta(minutes=1))
        assert held is not None
        assert send_launch_emails() == {"launched": 0, "owed": 0, "emails": 0}
        assert Country.objects.get(code="PT").status == Country.Status.UPCOMING
        JobLease.objects.release(services.LAUNCH_JOB, held)
        celery_app.control.purge()  # nothing to send them: no worker here
        assert send_launch_emails()["owed"] == 2
    celery_app.control.purge()


def test_an_address_that_never_takes_mail_is_given_up_and_forgotten(portugal_waits, smtp_server):
    smtp_server(RejectingServer())
    with time_machine.travel(LAUNCH_MORNING):
        send_launch_emails()
        celery_app.control.purge()  # sent by hand below, attempt by attempt
        ana = LaunchSubscription.objects.get(email="ana@example.org")
        for _attempt in range(outbox.MAX_ATTEMPTS):
            assert LaunchSubscription.objects.filter(pk=ana.pk).exists()
            assert services.send_launch_signup_emails([ana.pk]) == 0
    assert not LaunchSubscription.objects.filter(pk=ana.pk).exists()
