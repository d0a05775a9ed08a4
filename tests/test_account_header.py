"""The header offers "Sign in", or says who is signed in; and the pages rendered once
for everyone (core/shared_pages.py) never name anybody, whoever asked first.

Ana has an account; Bruno is a visitor."""

import pytest
from django.test import Client

from tests.signin import make_account

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "link"),
    [
        ("/", '<a href="/accounts/login/">Sign in</a>'),
        ("/pt/pledge/", '<a href="/pt/accounts/login/">Iniciar sessão</a>'),
        ("/es/confirm/new-link/", '<a href="/es/accounts/login/">Iniciar sesión</a>'),
    ],
)
def test_it_offers_a_visitor_to_sign_in(client, path, link):
    assert link in client.get(path).content.decode()


def test_it_names_who_is_signed_in(client):
    client.force_login(make_account("ana@example.org"))
    header = client.get("/confirm/new-link/").content.decode().split("</header>")[0]
    assert "Signed in as ana@example.org" in header
    assert '<a href="/accounts/logout/">Sign out</a>' in header


@pytest.mark.parametrize("path", ["/", "/pledge/", "/pt/pledge/"])
def test_a_signed_in_visitor_never_puts_themselves_into_the_shared_copy(path):
    ana, bruno = Client(), Client()
    ana.force_login(make_account("ana@example.org"))
    ana.get(path)  # the first to ask, so the copy is rendered for her request
    page = bruno.get(path).content.decode()
    assert "ana@example.org" not in page
    assert "Signed in as" not in page
