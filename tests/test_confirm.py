"""Confirming: GET shows a button and changes nothing; POST confirms."""

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from pledges import counting
from pledges.models import Pledge
from pledges.tokens import make_confirm_token

pytestmark = pytest.mark.django_db


def total():
    return counting.compute_counts()["total"]


def test_it_shows_a_button_and_confirms_nothing_on_get(client, signed_pledge):
    pledge, path = signed_pledge
    response = client.get(path)
    assert response.status_code == 200
    assert "Confirm my pledge" in response.content.decode()
    assert '<form method="post">' in response.content.decode()
    pledge.refresh_from_db()
    assert pledge.confirmed_at is None
    assert total() == 0


def test_it_confirms_and_counts_on_post(client, signed_pledge):
    pledge, path = signed_pledge
    response = client.post(path)
    assert response.status_code == 200
    assert "Your pledge is confirmed, Ana Silva" in response.content.decode()
    pledge.refresh_from_db()
    assert pledge.confirmed_at is not None
    assert counting.compute_counts()["countries"] == {"PT": 1}


def test_it_counts_a_pledge_once_however_often_it_is_confirmed(client, signed_pledge):
    _pledge, path = signed_pledge
    for _ in range(3):
        assert client.post(path).status_code == 200
    assert total() == 1


def test_it_explains_an_expired_link_and_offers_a_new_one(client, signed_pledge):
    pledge, path = signed_pledge
    with time_machine.travel(timezone.now() + timedelta(days=14, minutes=1)):
        response = client.post(path)
    assert response.status_code == 410
    html = response.content.decode()
    assert "This link has expired" in html
    assert 'href="/confirm/new-link/"' in html
    pledge.refresh_from_db()
    assert pledge.confirmed_at is None


def test_it_still_accepts_a_link_on_its_last_day(client, signed_pledge):
    _pledge, path = signed_pledge
    with time_machine.travel(timezone.now() + timedelta(days=13, hours=23)):
        assert client.post(path).status_code == 200
    assert total() == 1


def test_it_refuses_a_tampered_link(client, signed_pledge):
    _pledge, path = signed_pledge
    token = path.split("/")[-2]
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = client.post(f"/confirm/{tampered}/")
    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()
    assert total() == 0


def test_it_refuses_a_link_forged_for_another_pledge(client):
    response = client.get(f"/confirm/{make_confirm_token(uuid.uuid4())}/")
    assert response.status_code == 404


def test_it_refuses_a_link_to_an_erased_pledge(client, signed_pledge):
    pledge, path = signed_pledge
    Pledge.objects.filter(pk=pledge.pk).delete()
    assert client.post(path).status_code == 404


def test_it_needs_no_login_and_no_cookie(signed_pledge):
    _pledge, path = signed_pledge
    # The link's token is the credential; a mail client's browser has no session.
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(path)
    token = page.context["csrf_token"]
    assert browser.post(path, {"csrfmiddlewaretoken": str(token)}).status_code == 200
