"""Asking for a new confirmation link by email address."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from pledges.models import Pledge

pytestmark = pytest.mark.django_db


@pytest.fixture
def ask(client, django_capture_on_commit_callbacks, eager_tasks):
    def ask(email):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/confirm/new-link/", {"email": email})

    return ask


def test_it_sends_a_new_link_to_a_pending_pledge_after_ten_minutes(ask, sign, ana):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign(ana)
    with time_machine.travel(start + timedelta(minutes=11), tick=False):
        response = ask("ANA@example.org")
    assert response.status_code == 302
    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject == "Confirm your Blue Heart pledge"


def test_it_answers_the_same_for_an_unknown_address(ask):
    response = ask("nobody@example.org")
    assert response.status_code == 302
    assert response.headers["Location"] == "/pledge/sent/"
    assert mail.outbox == []
    assert Pledge.objects.count() == 0


def test_it_refuses_an_invalid_address(ask):
    response = ask("nobody")
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
