"""Confirming a pledge proves the address is the supporter's: from then on it
signs them in with a code, with no sign-up and no password. Dora pledges."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from accounts.models import User
from tests.conftest import confirm_path, press_confirm
from tests.signin import code_in, requests_mail

# allauth's emails go through the outbox: the tasks run in-process here.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

DORA = {"display_name": "Dora Costa", "email": "dora@example.org", "country": "PT", "pledge": "on"}


def test_confirming_gives_the_address_an_account_that_signs_in_by_code(sign, client):
    sign(DORA)
    press_confirm(client, confirm_path(mail.outbox[0]))
    dora = User.objects.get(email="dora@example.org")
    assert not dora.has_usable_password()
    assert "dora" not in dora.username  # nothing derived from the address
    assert EmailAddress.objects.filter(user=dora, email="dora@example.org", verified=True).exists()

    browser = Client()
    with requests_mail():
        response = browser.post("/accounts/login/", {"login": "dora@example.org"})
    assert response.status_code == 302
    response = browser.post(response.headers["Location"], {"code": code_in(mail.outbox[-1])})
    assert response.status_code == 302
    assert response.headers["Location"] == "/my-pledge/"
    assert "Dora Costa" in browser.get("/my-pledge/").content.decode()


def test_an_account_that_already_uses_the_address_is_theirs(sign, client):
    dora = User.objects.create_user(username="d", email="dora@example.org")
    EmailAddress.objects.create(user=dora, email="dora@example.org", verified=False)
    sign(DORA)
    press_confirm(client, confirm_path(mail.outbox[0]))
    assert User.objects.count() == 1
    assert EmailAddress.objects.get(email="dora@example.org").verified


def test_an_unconfirmed_signature_makes_no_account(sign):
    sign(DORA)
    assert not User.objects.exists()
