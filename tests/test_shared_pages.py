"""The home page and the pledge form are rendered once and served to everyone,
each copy with the visitor's own CSRF token."""

import pytest
from django.test import Client

from core.shared_pages import CSRF_SLOT
from pledges.models import PledgeRequest
from tests.browserless import CSRF_INPUT
from tests.conftest import ANA, make_pledge

pytestmark = pytest.mark.django_db


def token_in(html: str) -> str:
    return CSRF_INPUT.search(html).group(1)


@pytest.mark.parametrize("path", ["/", "/pledge/", "/pt/pledge/"])
def test_each_visitor_gets_a_token_that_works(path):
    ana, bruno = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    ana_page = ana.get(path).content.decode()
    bruno_page = bruno.get(path).content.decode()
    assert CSRF_SLOT not in ana_page + bruno_page
    assert token_in(ana_page) != token_in(bruno_page)
    response = ana.post("/pledge/", {**ANA, "csrfmiddlewaretoken": token_in(ana_page)})
    assert response.status_code == 302
    assert PledgeRequest.objects.count() == 1


def test_the_home_page_is_rendered_once_while_its_count_is_fresh(client, django_assert_num_queries):
    make_pledge("one@example.org", "PT")
    client.get("/")
    with django_assert_num_queries(0):
        html = client.get("/").content.decode()
    assert '<data value="1">1</data>' in html


def test_each_language_has_its_own_copy(client):
    assert 'action="/pledge/"' in client.get("/pledge/").content.decode()
    assert 'action="/pt/pledge/"' in client.get("/pt/pledge/").content.decode()
    assert 'action="/es/pledge/"' in client.get("/es/pledge/").content.decode()


def test_the_page_after_signing_is_a_copy_that_sets_no_cookie(monkeypatch):
    # Every signer lands on it: rendered once, and with no form on it, it asks
    # for no CSRF token, so a copy sets no cookie.
    from core import shared_pages

    renders = []
    render = shared_pages.render_to_string
    monkeypatch.setattr(
        shared_pages, "render_to_string", lambda *a, **k: renders.append(a[0]) or render(*a, **k)
    )
    for _ in range(3):
        response = Client().get("/pledge/sent/")
        assert response.status_code == 200
        assert "csrftoken" not in response.cookies
    assert renders == ["pledges/sent.html"]
