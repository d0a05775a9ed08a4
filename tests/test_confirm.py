"""Confirming: GET shows what will be recorded and changes nothing; POST records
exactly what the page submitted, confirms and counts, once."""

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from pledges import counting
from pledges.forms import WORDING_VERSION
from pledges.models import Pledge
from pledges.tokens import make_confirm_token
from tests.conftest import confirm_as_owner, press_confirm, shown_on_confirm_page

pytestmark = pytest.mark.django_db

CONFIRMED_AS_SHOWN = {"display_name": "Ana Silva", "country": "PT"}


def total():
    return counting.compute_counts()["total"]


def test_it_shows_what_confirming_records_and_confirms_nothing_on_get(client, signed_pledge):
    pledge, path = signed_pledge
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Confirm my pledge" in html
    assert '<form method="post" novalidate>' in html
    assert shown_on_confirm_page(html) == CONFIRMED_AS_SHOWN  # news box unticked
    assert "I stand against human trafficking" in html
    pledge.refresh_from_db()
    assert pledge.confirmed_at is None
    assert total() == 0


def test_it_records_what_the_page_submitted_with_the_consent_wording_and_time(
    client, signed_pledge
):
    pledge, path = signed_pledge
    with time_machine.travel("2026-12-01 09:30:00Z", tick=False):
        response = client.post(
            path, {"display_name": "Ana S.", "country": "ES", "wants_updates": "on"}
        )
    assert response.status_code == 200
    assert "Your pledge is confirmed, <bdi>Ana S.</bdi>" in response.content.decode()
    pledge.refresh_from_db()
    assert (pledge.display_name, pledge.country, pledge.wants_updates) == ("Ana S.", "ES", True)
    assert pledge.wording_version == WORDING_VERSION
    assert pledge.confirmed_at.isoformat() == "2026-12-01T09:30:00+00:00"
    assert counting.compute_counts()["countries"] == {"ES": 1}


def test_it_records_no_news_consent_unless_the_box_is_ticked(client, signed_pledge):
    pledge, path = signed_pledge
    assert press_confirm(client, path).status_code == 200
    pledge.refresh_from_db()
    assert pledge.wants_updates is False


def test_it_records_the_language_of_the_page_it_was_confirmed_on(client, signed_pledge):
    pledge, path = signed_pledge
    assert press_confirm(client, "/pt" + path).status_code == 200
    pledge.refresh_from_db()
    assert pledge.language == "pt"


def test_it_counts_a_pledge_once_however_often_it_is_confirmed(client, signed_pledge):
    pledge, path = signed_pledge
    assert press_confirm(client, path).status_code == 200
    for _ in range(2):
        response = client.post(path, {"display_name": "Mallory", "country": "RU"})
        assert response.status_code == 200
        assert "already confirmed" in response.content.decode()
    pledge.refresh_from_db()
    assert (pledge.display_name, pledge.country) == ("Ana Silva", "PT")
    assert counting.compute_counts()["countries"] == {"PT": 1}


def test_it_counts_once_when_two_tabs_confirm_at_the_same_moment(signed_pledge):
    pledge, _path = signed_pledge
    first_tab, second_tab = Pledge.objects.get(pk=pledge.pk), Pledge.objects.get(pk=pledge.pk)
    assert confirm_as_owner(first_tab, display_name="Ana", country="PT")
    assert not confirm_as_owner(second_tab, display_name="X", country="ES")
    assert counting.compute_counts()["countries"] == {"PT": 1}
    pledge.refresh_from_db()
    assert (pledge.display_name, pledge.country) == ("Ana", "PT")


BAD_INPUT = [
    ({"display_name": ""}, "This field is required."),
    ({"display_name": "Ana\r\nBcc: x@example.org"}, "line breaks"),
    ({"display_name": "x" * 101}, "at most 100 characters"),
    ({"country": ""}, "Please choose your country."),
    ({"country": "XX"}, "Please choose a country from the list."),
]


@pytest.mark.parametrize(("change", "message"), BAD_INPUT)
def test_it_refuses_bad_input_and_records_nothing(client, signed_pledge, change, message):
    pledge, path = signed_pledge
    data = {k: v for k, v in {**CONFIRMED_AS_SHOWN, **change}.items() if v != ""}
    response = client.post(path, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'aria-invalid="true"' in html
    pledge.refresh_from_db()
    assert pledge.confirmed_at is None
    assert pledge.display_name == "Ana Silva"
    assert total() == 0


def test_it_explains_an_expired_link_and_offers_a_new_one(client, signed_pledge):
    pledge, path = signed_pledge
    with time_machine.travel(timezone.now() + timedelta(days=14, minutes=1)):
        response = client.post(path, CONFIRMED_AS_SHOWN)
    assert response.status_code == 410
    html = response.content.decode()
    assert "This link has expired" in html
    assert 'href="/confirm/new-link/"' in html
    pledge.refresh_from_db()
    assert pledge.confirmed_at is None


def test_it_still_accepts_a_link_on_its_last_day(client, signed_pledge):
    _pledge, path = signed_pledge
    with time_machine.travel(timezone.now() + timedelta(days=13, hours=23)):
        assert client.post(path, CONFIRMED_AS_SHOWN).status_code == 200
    assert total() == 1


def test_it_refuses_a_tampered_link(client, signed_pledge):
    _pledge, path = signed_pledge
    token = path.split("/")[-2]
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = client.post(f"/confirm/{tampered}/", CONFIRMED_AS_SHOWN)
    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()
    assert total() == 0


def test_it_refuses_a_link_forged_for_another_pledge(client):
    response = client.get(f"/confirm/{make_confirm_token(uuid.uuid4())}/")
    assert response.status_code == 404


def test_it_refuses_a_link_to_an_erased_pledge(client, signed_pledge):
    pledge, path = signed_pledge
    Pledge.objects.filter(pk=pledge.pk).delete()
    assert client.post(path, CONFIRMED_AS_SHOWN).status_code == 404


def test_it_needs_no_login_and_no_cookie(signed_pledge):
    _pledge, path = signed_pledge
    # The link's token is the credential; a mail client's browser has no session.
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(path)
    token = page.context["csrf_token"]
    data = {"csrfmiddlewaretoken": str(token), **CONFIRMED_AS_SHOWN}
    assert browser.post(path, data).status_code == 200
