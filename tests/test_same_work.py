"""Signing, asking for a new link and asking to hear of a country's launch tell
no one whether an address is known: the same answer, the same statements and
the same queued task, whether the address is new, pending, confirmed or inside
its resend window. (The time it
takes is measured by bench/sign_timing.py, which `make bench` runs.)"""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaign.models import LaunchSubscription
from core import queue
from pledges.models import Pledge
from tests.conftest import make_pledge
from tests.launch import subscribe, upcoming_country

pytestmark = pytest.mark.django_db

LITERALS = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b")


def shape(sql: str) -> str:
    """The statement with its values taken out."""
    return LITERALS.sub("?", sql)


@pytest.fixture
def addresses():
    """One address in each state a stranger might want to find out about."""
    now = timezone.now()
    make_pledge("pending@example.org", "PT", confirmed=False)
    make_pledge("confirmed@example.org", "PT")
    for email in ("pending-throttled@example.org", "confirmed-throttled@example.org"):
        make_pledge(email, "ES", confirmed="confirmed-" in email)
    Pledge.objects.filter(email__endswith="-throttled@example.org").update(
        email_requested_at=now - timedelta(minutes=1)
    )
    Pledge.objects.exclude(email__endswith="-throttled@example.org").update(
        email_requested_at=now - timedelta(hours=1)
    )
    return [
        "new@example.org",
        "pending@example.org",
        "confirmed@example.org",
        "pending-throttled@example.org",
        "confirmed-throttled@example.org",
    ]


@pytest.fixture
def published(monkeypatch):
    calls = []
    monkeypatch.setattr(queue, "publish", lambda name, *args: calls.append((name, args)))
    # Signing wakes the run that applies every waiting request (core.queue.wake).
    monkeypatch.setattr(queue, "wake", lambda name: calls.append((name, ())))
    return calls


def work_for(client, path, data, published, django_capture_on_commit_callbacks):
    published.clear()
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(path, data)
    return {
        "answer": (response.status_code, response.headers.get("Location"), response.content),
        "statements": [shape(q["sql"]) for q in queries.captured_queries],
        "queued": [(name, [len(ids) for ids in args]) for name, args in published],
    }


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/pledge/", {"display_name": "Someone", "country": "PT", "pledge": "on"}),
        ("/confirm/new-link/", {}),
    ],
    ids=["sign", "new-link"],
)
def test_it_does_the_same_work_for_every_address(
    client, addresses, published, django_capture_on_commit_callbacks, path, form
):
    work = {
        email: work_for(
            client, path, {**form, "email": email}, published, django_capture_on_commit_callbacks
        )
        for email in addresses
    }
    first = work["new@example.org"]
    assert first["answer"][:2] == (302, "/pledge/sent/")
    assert len(first["statements"]) == 1
    assert first["queued"] == [("pledges.tasks.apply_waiting", [])]
    for email, seen in work.items():
        assert seen == first, email


@pytest.fixture
def launch_addresses():
    """Portugal still to launch, and an address on its list in each state a
    stranger might want to find out about."""
    portugal = upcoming_country("PT")
    now = timezone.now()
    for email in ("pending", "confirmed", "pending-throttled", "confirmed-throttled"):
        subscribe(f"{email}@example.org", portugal, confirmed=email.startswith("confirmed"))
    LaunchSubscription.objects.filter(email__endswith="-throttled@example.org").update(
        email_requested_at=now - timedelta(minutes=1)
    )
    LaunchSubscription.objects.exclude(email__endswith="-throttled@example.org").update(
        email_requested_at=now - timedelta(hours=1)
    )
    return ["new@example.org", *LaunchSubscription.objects.values_list("email", flat=True)]


def test_it_does_the_same_work_for_every_address_asking_to_hear_of_a_launch(
    client, launch_addresses, published, django_capture_on_commit_callbacks
):
    path = "/countries/pt/notify/"
    work = {
        email: work_for(
            client, path, {"email": email}, published, django_capture_on_commit_callbacks
        )
        for email in launch_addresses
    }
    first = work["new@example.org"]
    assert first["answer"][:2] == (302, "/countries/pt/notify/sent/")
    # The country is looked up (the same for everyone), then one row is written.
    assert len(first["statements"]) == 2
    assert "campaign_launchrequest" in first["statements"][1]
    assert first["queued"] == [("campaign.tasks.apply_launch_requests", [1])]
    assert len(work) == 5
    for email, seen in work.items():
        assert seen == first, email
