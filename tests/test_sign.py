"""Signing: POST /pledge/ records a request; the worker turns it into a pending
pledge (or a resend) and sends what the address is owed."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from pledges import services
from pledges.models import Pledge, PledgeRequest
from tests.conftest import confirm_as_owner

pytestmark = pytest.mark.django_db


def test_it_creates_a_pending_pledge_and_says_check_your_email(sign, ana, client):
    response = sign(ana)
    assert response.status_code == 302
    assert response.headers["Location"] == "/pledge/sent/"
    pledge = Pledge.objects.get()
    assert pledge.display_name == "Ana Silva"
    assert pledge.country == "PT"
    assert pledge.confirmed_at is None
    assert PledgeRequest.objects.count() == 0  # applied, then deleted
    assert "Check your email" in client.get(response.headers["Location"]).content.decode()


def test_it_records_no_consent_when_signing(sign, ana):
    # Anyone can type any address into the form: consent is given on the page the
    # confirmation link opens, never here, whatever the POST carries.
    with time_machine.travel("2026-11-28 10:00:00Z", tick=False):
        sign({**ana, "wants_updates": "on"})
    pledge = Pledge.objects.get()
    assert pledge.wants_updates is False
    assert pledge.wording_version == ""
    assert pledge.signed_at.isoformat() == "2026-11-28T10:00:00+00:00"


def test_it_emails_a_confirmation_link_in_text_and_html(sign, ana):
    sign(ana)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ana@example.org"]
    assert message.subject == "Confirm your Blue Heart pledge"
    assert "http://127.0.0.1:8000/confirm/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert 'href="http://127.0.0.1:8000/confirm/' in html
    assert Pledge.objects.get().email_due == ""


def test_it_puts_nothing_the_signer_typed_into_the_confirmation_email(sign, ana):
    # The signer may not be the owner: their words must not reach the inbox in ours.
    sign({**ana, "display_name": "Call +00 000 to claim your prize"})
    message = mail.outbox[0]
    assert "prize" not in message.body
    assert "prize" not in message.alternatives[0][0]
    assert "prize" not in message.subject


def test_it_emails_in_the_language_the_supporter_signed_in(sign, ana):
    sign(ana, path="/pt/pledge/")
    assert Pledge.objects.get().language == "pt"
    assert "http://127.0.0.1:8000/pt/confirm/" in mail.outbox[0].body


def test_it_answers_the_same_whether_or_not_the_address_signed_before(sign, ana):
    first = sign(ana)
    again = sign({**ana, "display_name": "Someone Else"})
    assert (first.status_code, first.headers["Location"], first.content) == (
        again.status_code,
        again.headers["Location"],
        again.content,
    )


def test_it_treats_addresses_that_differ_in_case_as_one(sign, ana):
    sign(ana)
    sign({**ana, "email": "ANA@Example.ORG"})
    assert Pledge.objects.count() == 1


def test_it_lets_the_latest_signature_propose_the_details_of_a_pending_pledge(sign, ana):
    sign(ana)
    sign({**ana, "display_name": "Ana S.", "country": "ES"}, path="/es/pledge/")
    pledge = Pledge.objects.get()
    assert (pledge.display_name, pledge.country, pledge.language) == ("Ana S.", "ES", "es")


def test_it_lets_the_signature_that_arrived_last_win_whatever_order_workers_apply_them():
    now = timezone.now()
    earlier, later = (
        PledgeRequest.objects.create(
            kind=PledgeRequest.Kind.SIGN,
            email="ana@example.org",
            display_name=name,
            country=country,
            language="en",
            received_at=at,
            queued_at=at,
        )
        for name, country, at in [("Ana", "PT", now - timedelta(seconds=5)), ("Ana S.", "ES", now)]
    )
    services.apply_requests([later.pk])
    services.apply_requests([earlier.pk])
    pledge = Pledge.objects.get()
    assert (pledge.display_name, pledge.country, pledge.signed_at) == ("Ana S.", "ES", now)


def test_it_never_changes_a_confirmed_pledge(sign, ana):
    sign(ana)
    pledge = Pledge.objects.get()
    confirm_as_owner(pledge, wants_updates=True)
    sign({**ana, "display_name": "Mallory", "country": "RU"}, path="/es/pledge/")
    pledge.refresh_from_db()
    assert (pledge.display_name, pledge.country, pledge.language) == ("Ana Silva", "PT", "en")
    assert pledge.wants_updates is True


def test_it_resends_the_confirmation_to_a_pending_address_once_per_ten_minutes(sign, ana):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign(ana)
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        sign(ana)
    assert len(mail.outbox) == 1
    with time_machine.travel(start + timedelta(minutes=11), tick=False):
        sign(ana)
    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject == "Confirm your Blue Heart pledge"


def test_it_tells_a_confirmed_address_it_already_pledged(sign, ana):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign(ana)
        confirm_as_owner(Pledge.objects.get())
    with time_machine.travel(start + timedelta(minutes=3), tick=False):
        sign(ana)
    assert len(mail.outbox) == 1  # still inside the ten minutes
    with time_machine.travel(start + timedelta(minutes=10, seconds=1), tick=False):
        sign(ana)
    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject == "You have already taken the Blue Heart pledge"
    assert "Ana Silva" in mail.outbox[1].body  # the name its owner confirmed
    assert "/confirm/" not in mail.outbox[1].body


BAD_INPUT = [
    ("display_name", {"display_name": ""}, "This field is required."),
    ("email", {"email": ""}, "This field is required."),
    ("country", {"country": ""}, "Please choose your country."),
    ("pledge", {"pledge": ""}, "Please tick the box to take the pledge."),
    ("display_name", {"display_name": "x" * 101}, "at most 100 characters"),
    ("display_name", {"display_name": "Ana\r\nBcc: victim@example.org"}, "line breaks"),
    ("display_name", {"display_name": "Ana\x07"}, "line breaks"),
    ("display_name", {"display_name": "Ana\u2028Silva"}, "line breaks"),
    ("email", {"email": "not-an-email"}, "Enter a valid email address."),
    ("email", {"email": "ana@example.org\r\nBcc: x@example.org"}, "Enter a valid email address."),
    ("country", {"country": "XX"}, "Please choose a country from the list."),
    ("country", {"country": "Portugal"}, "Please choose a country from the list."),
]


@pytest.mark.parametrize(("field", "change", "message"), BAD_INPUT)
def test_it_refuses_bad_input_with_an_error_on_the_field(sign, ana, field, change, message):
    data = {key: value for key, value in {**ana, **change}.items() if value != ""}
    response = sign(data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    # The error is tied to its field for screen readers.
    assert f'id="id_{field}_error"' in html
    assert f'aria-describedby="id_{field}_error' in html or (
        f'aria-describedby="id_{field}_helptext id_{field}_error"' in html
    )
    assert 'aria-invalid="true"' in html
    assert PledgeRequest.objects.count() == 0
    assert Pledge.objects.count() == 0
    assert mail.outbox == []


def test_it_keeps_what_was_typed_when_refusing(sign, ana):
    html = sign({**ana, "email": "nope"}).content.decode()
    assert 'value="Ana Silva"' in html
    assert '<option value="PT" selected>' in html


def test_it_refuses_a_post_without_a_csrf_token(ana):
    response = Client(enforce_csrf_checks=True).post("/pledge/", ana)
    assert response.status_code == 403
    assert "Your form expired" in response.content.decode()
    assert PledgeRequest.objects.count() == 0


def test_it_refuses_other_methods(client):
    assert client.put("/pledge/").status_code == 405


def test_it_finds_an_address_through_the_unique_index():
    # Applying a signature must never scan the pledge table; the lookup has to
    # be one the lower(email) index can answer.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = Pledge.objects.for_email("Ana@Example.org").explain()
    assert "pledges_pledge_email_ci_unique" in plan
