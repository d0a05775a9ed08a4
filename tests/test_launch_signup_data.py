"""Launch sign-ups are personal data like a pledge: the supporter's download
lists them, and erasing their data (themselves, or an administrator at their
request) deletes them, confirmed or not, with their requests in flight.

Ana asked to hear of Portugal's launch (confirmed) and of Spain's (not yet),
and once more for Spain (not yet applied); Bruno asked for Portugal. Adam
administers."""

import json

import pytest
import time_machine
from django.core import mail

from accounts import privacy
from campaign import services
from campaign.models import LaunchRequest, LaunchSubscription
from tests.conftest import make_pledge
from tests.launch import launch_link_path, upcoming_country
from tests.staff import make_persona, make_user
from tests.traces import everywhere

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

ASKED = "2026-12-01T10:00:00+00:00"
CONFIRMED = "2026-12-01T10:05:00+00:00"
ASKED_AGAIN = "2026-12-01T10:30:00+00:00"


@pytest.fixture
def ana_waits(client, django_capture_on_commit_callbacks):
    portugal, spain = upcoming_country("PT"), upcoming_country("ES")
    with time_machine.travel(ASKED, tick=False) as clock:
        for country, email in [
            (portugal, "ana@example.org"),
            (spain, "ana@example.org"),
            (portugal, "bruno@example.org"),
        ]:
            with django_capture_on_commit_callbacks(execute=True):
                services.request_launch_email(country=country, email=email, language="pt")
        clock.move_to(CONFIRMED)
        [to_ana_for_portugal] = [
            m for m in mail.outbox if m.to == ["ana@example.org"] and "Portugal" in m.subject
        ]
        assert client.post(launch_link_path(to_ana_for_portugal.body)).status_code == 200
        clock.move_to(ASKED_AGAIN)
        with django_capture_on_commit_callbacks(execute=False):  # still in its table
            services.request_launch_email(country=spain, email="ana@example.org", language="en")


def test_the_download_lists_them_and_nothing_of_brunos(client, ana_waits):
    client.force_login(make_user("ana@example.org"))
    response = client.get("/my-pledge/my-data.json")
    body = response.content.decode()
    data = json.loads(body)
    assert data["launch_subscriptions"] == [
        {
            "country": "PT",
            "email": "ana@example.org",
            "language": "pt",
            "first_asked_at": ASKED,
            "last_asked_at": ASKED,
            "confirmed_at": CONFIRMED,
            "last_email_sent_at": ASKED,
            "email_waiting_to_be_sent": None,
        },
        {
            "country": "ES",
            "email": "ana@example.org",
            "language": "pt",
            "first_asked_at": ASKED,
            "last_asked_at": ASKED,
            "confirmed_at": None,
            "last_email_sent_at": ASKED,
            "email_waiting_to_be_sent": None,
        },
    ]
    assert data["launch_requests_in_progress"] == [
        {"country": "ES", "email": "ana@example.org", "language": "en", "received_at": ASKED_AGAIN}
    ]
    assert "bruno" not in body.lower()


def test_erasing_her_data_deletes_them(ana_waits):
    assert "campaign_launchsubscription.email" in everywhere("ana@example.org")
    assert "campaign_launchrequest.email" in everywhere("ana@example.org")
    privacy.erase(make_user("ana@example.org"))
    assert everywhere("ana@example.org") == []
    assert list(LaunchSubscription.objects.values_list("email", flat=True)) == ["bruno@example.org"]
    assert not LaunchRequest.objects.exists()


def test_an_administrator_erasing_her_pledge_deletes_them_too(ana_waits):
    # Ana has no account: she wrote in, and Adam erases her pledge's address.
    adam = make_persona("administrator")
    pledge = make_pledge("ana@example.org", "PT", display_name="Ana Silva")
    privacy.erase_on_behalf(adam, pledge)
    assert everywhere("ana@example.org") == []
    assert LaunchSubscription.objects.filter(email="bruno@example.org").exists()
