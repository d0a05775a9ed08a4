"""A first visit follows the browser's language (core/languages.py).

Amélie's browser prefers French. Opening the site's unprefixed address from a
search result, she lands on the French page; clicking "English" in the switcher
(a navigation from our own pages), she stays in English. Nobody is redirected
who sent a form, who already carries the language cookie, or who asked for
something that is not a page (an image, the API, a widget, a health check).
"""

import pytest
from django.conf import settings

from tests import published
from tests.conftest import make_pledge

pytestmark = pytest.mark.django_db

FRENCH = "fr-FR,fr;q=0.9,en;q=0.5"


def first_visit(client, path, accept_language=FRENCH, **headers):
    """A GET as a browser sends it when its visitor comes from another site or
    types the address: Sec-Fetch-Site none."""
    return client.get(
        path,
        headers={"Accept-Language": accept_language, "Sec-Fetch-Site": "none", **headers},
    )


@pytest.mark.parametrize(
    ("accept_language", "prefix"),
    [
        (FRENCH, "/fr/"),
        ("zh-CN,zh;q=0.9", "/zh-hans/"),
        ("ar-EG,ar;q=0.9,en;q=0.4", "/ar/"),
        ("pt-BR,pt;q=0.9", "/pt/"),
        ("ru", "/ru/"),
        ("es-419,es;q=0.9", "/es/"),
    ],
)
def test_it_sends_a_first_visit_to_the_browsers_language(client, accept_language, prefix):
    response = first_visit(client, "/", accept_language)
    assert response.status_code == 302
    assert response.headers["Location"] == prefix
    assert client.get(response.headers["Location"]).status_code == 200


@pytest.mark.parametrize("accept_language", ["en-GB,en;q=0.9", "de-DE,de;q=0.9", "", "*"])
def test_it_keeps_english_for_english_or_unknown_browsers(client, accept_language):
    response = first_visit(client, "/", accept_language)
    assert response.status_code == 200
    assert '<html lang="en"' in response.content.decode()


def test_it_respects_q_values(client):
    assert first_visit(client, "/", "en;q=0.5,fr").headers["Location"] == "/fr/"
    assert first_visit(client, "/", "fr;q=0.3,en;q=0.9").status_code == 200
    # The first of ours in order of preference, past languages we do not offer.
    assert first_visit(client, "/", "de,it;q=0.9,ru;q=0.8,fr;q=0.7").headers["Location"] == "/ru/"


def test_a_click_on_english_in_the_switcher_stays_english(client):
    same_origin = client.get(
        "/", headers={"Accept-Language": FRENCH, "Sec-Fetch-Site": "same-origin"}
    )
    assert same_origin.status_code == 200
    # A browser too old for Sec-Fetch-Site: its Referer is on our own host.
    referred = client.get(
        "/countries/", headers={"Accept-Language": FRENCH, "Referer": "http://testserver/fr/"}
    )
    assert referred.status_code == 200
    site_referred = client.get(
        "/countries/", headers={"Accept-Language": FRENCH, "Referer": f"{settings.SITE_URL}/fr/"}
    )
    assert site_referred.status_code == 200


def test_a_link_from_another_site_is_a_first_visit(client):
    cross_site = first_visit(client, "/privacy/", **{"Sec-Fetch-Site": "cross-site"})
    assert cross_site.headers["Location"] == "/fr/privacy/"
    elsewhere = client.get(
        "/privacy/", headers={"Accept-Language": FRENCH, "Referer": "https://search.example/?q=x"}
    )
    assert elsewhere.headers["Location"] == "/fr/privacy/"


@pytest.mark.parametrize("chosen", ["en", "pt"])
def test_the_language_cookie_wins(client, chosen):
    # A choice already made (Django's set_language): the address decides.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = chosen
    response = first_visit(client, "/")
    assert response.status_code == 200
    assert '<html lang="en"' in response.content.decode()


def test_it_never_redirects_a_post(client):
    response = client.post("/pledge/", {}, headers={"Accept-Language": FRENCH})
    assert response.status_code != 302
    assert '<html lang="en"' in response.content.decode()


def test_it_keeps_the_query_string(client):
    response = first_visit(client, "/learn/?utm_source=poster&x=%C3%A9")
    assert response.headers["Location"] == "/fr/learn/?utm_source=poster&x=%C3%A9"


def test_it_follows_the_browser_on_every_page_under_a_language_prefix(client):
    published.spain()
    assert first_visit(client, "/countries/es/").headers["Location"] == "/fr/countries/es/"
    assert first_visit(client, "/pledge/sent/").headers["Location"] == "/fr/pledge/sent/"


def test_it_leaves_addresses_outside_the_language_prefix_alone(client):
    pledge = make_pledge("ana@example.org", "PT")
    published.portugal()
    for path in [
        "/api/v1/counts",
        "/healthz",
        "/robots.txt",
        "/sitemap.xml",
        "/embed/counter/",
        "/static/css/site.css",
        "/favicon.ico",
        # Images under the language prefix: a crawler or an <img> gets the image.
        f"/badge/{pledge.public_id}.png",
        f"/badge/{pledge.public_id}.svg",
        f"/badge/{pledge.public_id}/share.png",
        "/share/site.png",
        "/share/countries/pt.png",
        # An address that is no page of ours: its 404 is answered where it was asked.
        "/nowhere/",
    ]:
        response = first_visit(client, path)
        assert response.status_code != 302 or not response.headers["Location"].startswith("/fr/"), (
            path
        )


def test_an_image_or_a_fetch_is_never_redirected(client):
    response = first_visit(client, "/", **{"Sec-Fetch-Dest": "image"})
    assert response.status_code == 200


def test_prefixed_pages_are_never_redirected(client):
    response = first_visit(client, "/pt/", "ar")
    assert response.status_code == 200
    assert '<html lang="pt"' in response.content.decode()


def test_what_it_may_redirect_varies_on_language_and_cookie(client):
    for response in (first_visit(client, "/"), first_visit(client, "/", "en")):
        vary = {part.strip() for part in response.headers["Vary"].split(",")}
        assert {"Accept-Language", "Cookie"} <= vary
    # The redirect also depends on where the visitor came from: no shared cache
    # may replay it to someone who clicked "English".
    assert "private" in first_visit(client, "/").headers["Cache-Control"]
