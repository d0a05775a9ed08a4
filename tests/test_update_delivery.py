"""A campaign update reaches every supporter who asked for news exactly once,
in their language, with a one-click unsubscribe that works without a cookie.

On the real stack: Olga the organiser writes the update in English, Spanish
and Portuguese; 2,000 supporters want news; the Redis broker, a Celery worker
and an SMTP server on loopback carry it. Pedro confirmed without asking for
news; Paloma signed and never confirmed."""

import re
import time
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mailings import sending, services
from mailings.models import Delivery
from pledges.models import Pledge
from tests.conftest import make_pledge
from tests.mailing import (
    SUBJECTS,
    Clock,
    news_readers,
    pooled_worker,
    received_by,
    run_update,
    send_now,
    states,
    wait_until_sent,
    write_update,
)

pytestmark = pytest.mark.django_db(transaction=True)

READERS = 2_000
UNSUBSCRIBE = re.compile(r"^<(https?://[^>]+/unsubscribe/[^/>]+/)>$")


CHAINS = 4


@pytest.fixture
def workers(transactional_db, settings):
    """Four send chains, each in its own worker thread."""
    settings.MAILING_BATCH_SIZE = 100
    settings.MAILING_SEND_CHAINS = CHAINS
    with pooled_worker(CHAINS):
        yield


@pytest.fixture
def readers():
    addresses = news_readers(READERS)
    make_pledge("pedro@example.org", "ES", wants_updates=False)
    # Unconfirmed, so no consent was ever given, whatever the column says.
    Pledge.objects.create(
        display_name="Paloma",
        email="paloma@example.org",
        country="ES",
        language="es",
        signed_at=timezone.now(),
        wants_updates=True,
    )
    return addresses


def test_it_sends_the_update_once_to_each_news_reader_in_their_language(
    readers, workers, smtp_inbox
):
    mailing = write_update()
    send_now(mailing)

    mailing = wait_until_sent(mailing, timeout=50)
    smtp_inbox.wait_for(READERS, timeout=5)
    time.sleep(0.5)  # anything sent twice would have arrived by now
    assert mailing.total == READERS
    assert mailing.sent == READERS  # counted batch by batch, kept after the rows go
    assert states(mailing) == {Delivery.State.SENT: READERS}

    counts = received_by(smtp_inbox)
    assert set(counts) == set(readers)
    assert set(counts.values()) == {1}
    assert "pedro@example.org" not in counts
    assert "paloma@example.org" not in counts

    language_of = dict(Pledge.objects.values_list("email", "language"))
    for recipients, message in smtp_inbox.messages:
        assert message["Subject"] == SUBJECTS[language_of[recipients[0]]]
    assert {language_of[recipients[0]] for recipients, _ in smtp_inbox.messages} == set(SUBJECTS)


def test_the_one_click_unsubscribe_works_by_post_without_a_cookie_and_not_by_get(
    settings, celery_worker, smtp_inbox
):
    (address,) = news_readers(1, prefix="rosa")
    mailing = write_update()
    send_now(mailing)
    wait_until_sent(mailing, timeout=20)
    ((recipients, message),) = smtp_inbox.wait_for(1)
    assert recipients == [address]

    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = UNSUBSCRIBE.match(message["List-Unsubscribe"])
    assert link, message["List-Unsubscribe"]
    assert link.group(1).startswith(settings.SITE_URL)
    path = urlsplit(link.group(1)).path
    rosa = Pledge.objects.get(email=address)

    # A mail scanner following the link changes nothing.
    assert Client(enforce_csrf_checks=True).get(path).status_code == 200
    rosa.refresh_from_db()
    assert rosa.wants_updates is True

    # The mail client's one-click POST: no cookie, no CSRF token.
    response = Client(enforce_csrf_checks=True).post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    rosa.refresh_from_db()
    assert rosa.wants_updates is False


@pytest.mark.django_db
def test_a_reader_who_unsubscribes_mid_run_gets_nothing_more(settings, smtp_inbox, monkeypatch):
    settings.MAILING_BATCH_SIZE = 2
    monkeypatch.setattr(sending.queue, "publish", lambda *args: True)
    monkeypatch.setattr(sending.queue, "publish_later", lambda *args: True)
    first, second, rosa, last = news_readers(4)
    clock = Clock()
    mailing = run_update(clock)
    assert sending.send_batch(mailing.pk, now=clock)["sent"] == 2

    # Rosa's row is queued already; her click comes before its turn.
    assert services.unsubscribe(Pledge.objects.get(email=rosa))
    assert sending.send_batch(mailing.pk, now=clock) == {
        "sent": 1,
        "skipped": 1,
        "retry": 0,
        "undeliverable": 0,
    }
    assert set(received_by(smtp_inbox)) == {first, second, last}
    assert states(mailing) == {Delivery.State.SENT: 3, Delivery.State.SKIPPED: 1}


@pytest.mark.django_db
def test_each_email_of_a_batch_costs_two_queries(settings, smtp_inbox, monkeypatch):
    """Whether the address is suppressed, and the outcome's record: at 100,000
    readers every query more per email is 100,000 more round trips."""
    settings.MAILING_BATCH_SIZE = 60
    monkeypatch.setattr(sending.queue, "publish", lambda *args: True)
    monkeypatch.setattr(sending.queue, "publish_later", lambda *args: True)
    news_readers(60)
    clock = Clock()
    mailing = run_update(clock)
    with CaptureQueriesContext(connection) as queries:
        assert sending.send_batch(mailing.pk, now=clock)["sent"] == 60
    # The claim, the rows, the texts, the run's progress and what comes next.
    assert len(queries) <= 2 * 60 + 12, len(queries)
