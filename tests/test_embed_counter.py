"""The counter other sites frame: /embed/counter/?country=PT&lang=pt."""

import re

import pytest
from django.core.cache import cache

from pledges.counting import COUNTS_CACHE_KEY
from tests import published
from tests.conftest import make_pledge
from tests.staff import make_user
from widgets.counter import Widget

pytestmark = pytest.mark.django_db


def shown_count(response) -> str:
    return re.search(r'<p class="count"><data value="(\d+)">([^<]*)</data>', response.text).group(2)


SIGN_LINK = re.compile(r'<a class="sign" href="([^"]+)" target="_blank" rel="noopener">')


def sign_link(response) -> str:
    """Where the widget's link leads; it opens in a tab of its own."""
    return SIGN_LINK.search(response.text).group(1)


def test_it_shows_the_country_s_live_count_in_the_language_asked(client):
    published.portugal()
    make_pledge("ana@example.org", "PT")
    make_pledge("carla@example.org", "PT")
    make_pledge("bruno@example.org", "ES")
    make_pledge("pending@example.org", "PT", confirmed=False)
    response = client.get("/embed/counter/?country=PT&lang=pt")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Content-Language"] == "pt"
    assert '<html lang="pt" dir="ltr">' in response.text
    assert shown_count(response) == "2"
    assert "<title>Apoiantes do Coração Azul em Portugal</title>" in response.text
    # To the country's own page, whose pledge form has Portugal chosen, in Portuguese.
    assert sign_link(response) == "/pt/countries/pt/"
    assert "Assine o compromisso" in response.text


def test_it_counts_the_whole_world_without_a_country(client):
    make_pledge("ana@example.org", "PT")
    make_pledge("bruno@example.org", "ES")
    response = client.get("/embed/counter/")
    assert response.status_code == 200
    assert shown_count(response) == "2"
    assert "<title>Blue Heart supporters worldwide</title>" in response.text
    assert sign_link(response) == "/pledge/"
    assert '<html lang="en"' in response.text


@pytest.mark.parametrize("code", ["pt", "Pt", " PT "])
def test_it_takes_the_country_in_any_case(client, code):
    make_pledge("ana@example.org", "PT")
    response = client.get("/embed/counter/", {"country": code})
    assert response.status_code == 200
    assert shown_count(response) == "1"
    assert "Portugal" in response.text


def test_a_country_without_a_page_of_its_own_links_to_the_pledge_form(client):
    make_pledge("ana@example.org", "FR")
    response = client.get("/embed/counter/?country=fr&lang=es")
    assert shown_count(response) == "1"
    assert "Francia" in response.text  # the country's name in the widget's language
    assert sign_link(response) == "/es/pledge/"


@pytest.mark.parametrize("code", ["XX", "P", "PRT", "1", "<script>", "P\x00"])
def test_it_answers_a_country_on_no_list_with_a_404_that_says_so(client, code):
    response = client.get("/embed/counter/", {"country": code})
    assert response.status_code == 404
    assert "No country has the code" in response.text
    assert "<script>" not in response.text
    # Framable, so the embedding site sees the reason in its frame.
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in response.headers


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("pt", "pt"),
        ("ES", "es"),
        ("pt-br", "pt"),
        ("fr", "fr"),
        ("de", "en"),
        ("", "en"),
        ("<x>", "en"),
    ],
)
def test_it_speaks_the_language_asked_or_else_the_default(client, lang, expected):
    response = client.get("/embed/counter/", {"country": "PT", "lang": lang})
    assert response.status_code == 200
    assert f'<html lang="{expected}"' in response.text


def test_it_writes_the_number_as_the_language_does(client):
    cache.set(COUNTS_CACHE_KEY, {"total": 1234567, "countries": {"PT": 12345}}, 60)
    assert shown_count(client.get("/embed/counter/?country=PT&lang=en")) == "12,345"
    assert shown_count(client.get("/embed/counter/?country=PT&lang=pt")) == "12.345"
    assert shown_count(client.get("/embed/counter/?lang=es")) == "1\xa0234\xa0567"


def test_it_shows_a_new_confirmation_as_soon_as_the_counts_do(client):
    make_pledge("ana@example.org", "PT")
    assert shown_count(client.get("/embed/counter/?country=PT")) == "1"
    make_pledge("carla@example.org", "PT")
    cache.delete(COUNTS_CACHE_KEY)  # the counts' few seconds are up
    assert shown_count(client.get("/embed/counter/?country=PT")) == "2"


def test_it_reads_no_database_once_rendered(client, django_assert_num_queries):
    make_pledge("ana@example.org", "PT")
    client.get("/embed/counter/?country=PT&lang=pt")
    with django_assert_num_queries(0):
        response = client.get("/embed/counter/?country=PT&lang=pt")
    assert shown_count(response) == "1"


@pytest.mark.parametrize("path", ["/embed/counter/?country=PT", "/embed/count.svg?country=PT"])
def test_any_proxy_may_keep_it_for_a_minute_as_it_sets_no_cookie(client, path):
    # Even for a signed-in visitor: the widget never looks at who is asking.
    client.force_login(make_user("ana@example.org"))
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=60, stale-while-revalidate=60"
    assert not response.cookies
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")


def test_it_answers_head(client):
    response = client.head("/embed/counter/?country=PT")
    assert response.status_code == 200
    assert response.content == b""
    assert client.post("/embed/counter/?country=PT").status_code == 405


def test_markup_in_its_text_is_shown_literally(client, monkeypatch):
    hostile = '<script>alert(1)</script> &entity; "'
    monkeypatch.setattr(Widget, "label", lambda widget: hostile)
    response = client.get("/embed/counter/?country=PT")
    assert "<script>" not in response.text
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt; &amp;entity; &quot;</title>" in (
        response.text
    )
