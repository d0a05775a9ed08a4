"""Asking for a new confirmation link by email address."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from pledges.models import Pledge, PledgeRequest
from tests.conftest import make_pledge

pytestmark = pytest.mark.django_db


@pytest.fixture
def ask(client, django_capture_on_commit_callbacks, eager_tasks):
    def ask(email, path="/confirm/new-link/"):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, {"email": email})

    return ask


def test_it_sends_a_new_link_to_a_pending_pledge_after_ten_minutes(ask, sign, ana):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign(ana)
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        ask("ANA@example.org")
    assert len(mail.outbox) == 1
    with time_machine.travel(start + timedelta(minutes=11), tick=False):
        response = ask("ANA@example.org")
    assert response.status_code == 302
    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject == "Confirm your Blue Heart pledge"
    assert PledgeRequest.objects.count() == 0


def test_it_answers_the_same_for_an_unknown_or_confirmed_address(ask, sign, ana):
    make_pledge("bruno@example.org", "ES")
    sign(ana)
    answers = {
        email: (response.status_code, response.headers["Location"], response.content)
        for email in ("nobody@example.org", "bruno@example.org", "ana@example.org")
        for response in [ask(email)]
    }
    assert len(set(answers.values())) == 1
    assert answers["nobody@example.org"][:2] == (302, "/pledge/sent/")
    assert len(mail.outbox) == 1  # only Ana's first link; the others owe nothing
    assert Pledge.objects.count() == 2
    assert PledgeRequest.objects.count() == 0  # no trace of the unknown address


def test_it_refuses_an_invalid_address(ask):
    response = ask("nobody")
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    assert PledgeRequest.objects.count() == 0
