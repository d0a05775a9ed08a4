"""The whole pledge on the real stack: the site served over HTTP, PostgreSQL,
Redis as the broker, a real Celery worker and a real SMTP server."""

import json
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils import timezone

from core.outbox import EmailNotSent
from pledges.counting import COUNTS_TTL
from pledges.models import Pledge, PledgeRequest
from pledges.services import send_pledge_email
from pledges.tasks import sweep
from tests.browserless import Visitor
from tests.conftest import ANA, BRUNO, CONFIRM_LINK, RejectingServer, broker_down, make_pledge

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = live_server.url
    return live_server.url


def counts(visitor):
    _status, _url, body = visitor.get("/api/v1/counts")
    return json.loads(body)


def wait_for_count(visitor, country, expected, timeout=5.0):
    deadline = time.monotonic() + timeout
    while (seen := counts(visitor)["countries"].get(country, 0)) != expected:
        assert time.monotonic() < deadline, f"{country} count stuck at {seen}"
        time.sleep(0.2)


def test_it_signs_emails_confirms_and_counts(site, celery_worker, smtp_inbox):
    ana = Visitor(site)
    before = counts(ana)["countries"].get("PT", 0)

    status, url, page = ana.submit("/pledge/", ANA)
    assert status == 200
    assert urlsplit(url).path == "/pledge/sent/"
    assert "Check your email" in page

    [(recipients, message)] = smtp_inbox.wait_for(1)
    assert recipients == ["ana@example.org"]
    assert message["Subject"] == "Confirm your Blue Heart pledge"
    assert message.get_body(("html",)) is not None
    text = message.get_body(("plain",)).get_content()
    link = CONFIRM_LINK.search(text).group(0)
    assert link.startswith(site)
    path = urlsplit(link).path

    # Opening the link (as a mail scanner would) confirms nothing.
    status, _url, page = ana.get(path)
    assert status == 200 and "Confirm my pledge" in page
    time.sleep(COUNTS_TTL + 0.5)
    assert counts(ana)["countries"].get("PT", 0) == before

    status, _url, page = ana.submit(path, {"display_name": "Ana Silva", "country": "PT"})
    assert status == 200
    assert "Your pledge is confirmed" in page
    wait_for_count(ana, "PT", before + 1)


def test_it_keeps_pledges_through_a_broker_outage_and_sends_them_later(
    site, celery_worker, smtp_inbox
):
    ana, bruno = Visitor(site), Visitor(site)
    with broker_down():
        started = time.monotonic()
        status, url, _page = ana.submit("/pledge/", ANA)
        first_took = time.monotonic() - started
        assert status == 200 and urlsplit(url).path == "/pledge/sent/"
        # The next signatures do not wait on the dead broker again.
        started = time.monotonic()
        status, url, _page = bruno.submit("/pledge/", BRUNO)
        second_took = time.monotonic() - started
        assert status == 200 and urlsplit(url).path == "/pledge/sent/"
    assert first_took < 10
    assert second_took < 1
    assert PledgeRequest.objects.count() == 2
    time.sleep(1)
    assert smtp_inbox.messages == []

    # The broker is back; a minute later the beat's sweep finds what was never queued.
    PledgeRequest.objects.update(queued_at=timezone.now() - timedelta(minutes=1))
    sweep.delay()
    messages = smtp_inbox.wait_for(2)
    assert sorted(recipients[0] for recipients, _message in messages) == [
        "ana@example.org",
        "bruno@example.org",
    ]
    # Marked sent when the worker's transaction commits, just after the SMTP reply.
    deadline = time.monotonic() + 5
    while Pledge.objects.with_email_due().exists():
        assert time.monotonic() < deadline, "the email was sent but never marked sent"
        time.sleep(0.1)
    assert Pledge.objects.filter(email_sent_at__isnull=False).count() == 2


def test_the_sweep_runs_at_least_once_a_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["sweep"]
    assert entry["task"] == sweep.name
    assert entry["schedule"].run_every <= timedelta(minutes=1)


def test_a_refused_send_stays_owed_and_never_names_the_address(smtp_server, caplog):
    pledge = make_pledge("ana@example.org", "PT", confirmed=False)
    Pledge.objects.filter(pk=pledge.pk).update(
        email_due=Pledge.EmailDue.CONFIRMATION, email_requested_at=timezone.now()
    )
    smtp_server(RejectingServer())
    with pytest.raises(EmailNotSent) as failure:
        send_pledge_email(pledge.pk)
    assert str(failure.value) == f"Pledge id={pledge.pk}: SMTPDataError"
    assert failure.value.__suppress_context__
    pledge.refresh_from_db()
    assert pledge.email_due == Pledge.EmailDue.CONFIRMATION
    assert pledge.email_attempts == 1
    assert pledge.email_claimed_until is None  # free for the next try
    assert "ana@example.org" not in caplog.text
