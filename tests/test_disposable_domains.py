"""Addresses at disposable email services (the disposable-email-domains list,
subdomains included) are refused with a clear, translated error, and nothing is
written: a pledge is confirmed, and kept, through its address.

Mallory signs with throwaway addresses; Ana with the address she keeps."""

import pytest
from django.core import mail
from django.test import Client

from abuse.forms import is_disposable
from campaign.models import LaunchRequest
from core.models import OutgoingEmail
from pledges.models import PledgeRequest
from tests.conftest import ANA
from tests.launch import upcoming_country
from tests.signin import requests_mail

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

ERROR = "Addresses at {} stop working after a short while."


@pytest.mark.parametrize(
    ("domain", "disposable"),
    [
        ("mailinator.com", True),
        ("MAILINATOR.com", True),
        ("inbox.mailinator.com", True),  # under a listed domain
        ("mailinator.com.", True),
        ("example.org", False),
        ("gmail.com", False),
        ("com", False),
        ("mailinator.com.example.org", False),  # a listed name, but not the domain
    ],
)
def test_it_knows_a_disposable_domain_and_the_domains_under_it(domain, disposable):
    assert is_disposable(domain) is disposable


@pytest.mark.parametrize("address", ["mallory@mailinator.com", "mallory@x.y.mailinator.com"])
def test_the_pledge_form_refuses_a_disposable_address(address):
    response = Client().post("/pledge/", {**ANA, "email": address})
    assert response.status_code == 400
    domain = address.rpartition("@")[2]
    assert ERROR.format(domain) in response.content.decode()
    assert not PledgeRequest.objects.exists()


def test_it_says_so_in_the_visitors_language():
    response = Client().post("/pt/pledge/", {**ANA, "email": "mallory@mailinator.com"})
    assert response.status_code == 400
    page = response.content.decode()
    assert '<html lang="pt"' in page and 'id="id_email_error"' in page


def test_ana_signs_with_the_address_she_keeps(client):
    assert client.post("/pledge/", ANA).status_code == 302


def test_the_new_link_form_refuses_a_disposable_address():
    response = Client().post("/confirm/new-link/", {"email": "mallory@mailinator.com"})
    assert response.status_code == 400
    assert ERROR.format("mailinator.com") in response.content.decode()
    assert not PledgeRequest.objects.exists()


def test_the_launch_sign_up_refuses_a_disposable_address():
    upcoming_country("PT")
    response = Client().post("/countries/pt/notify/", {"email": "mallory@sub.mailinator.com"})
    assert response.status_code == 400
    assert ERROR.format("sub.mailinator.com") in response.content.decode()
    assert not LaunchRequest.objects.exists()


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/accounts/login/", "login"),
        ("/accounts/login/code/", "email"),
        ("/accounts/signup/", "email"),
    ],
)
def test_signing_in_or_up_refuses_a_disposable_address(client, path, field):
    with requests_mail():
        response = client.post(path, {field: "mallory@mailinator.com"})
    # allauth answers a form with errors with its page again (200), as for any
    # other error in it.
    assert response.status_code == 200
    assert ERROR.format("mailinator.com") in response.content.decode()
    assert not OutgoingEmail.objects.exists()
    assert mail.outbox == []
