"""The header offers "Sign in" in the visitor's language, or says who is signed in.
(That none of it reaches the pages shared by everyone: tests/test_private_pages.py.)

Ana has an account."""

import pytest

from tests.staff import make_user

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
    client.force_login(make_user("ana@example.org"))
    header = client.get("/confirm/new-link/").content.decode().split("</header>")[0]
    assert "Signed in as <bdi>ana@example.org</bdi>" in header
    assert '<form method="post" action="/accounts/logout/">' in header
    assert ">Sign out</button>" in header
