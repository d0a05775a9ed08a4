"""The information pages: /learn/ lists them, /learn/<slug>/ shows one, each in
the visitor's language or else in English, saying so. Ana reads in Portuguese."""

import re

import pytest

from tests import published
from tests.conftest import signed_in_supporter

pytestmark = pytest.mark.django_db

NOTICE_PT = "Esta página ainda não está disponível em português; é apresentada em inglês."


@pytest.fixture
def facts():
    return published.page(
        "human-trafficking",
        position=2,
        texts={
            "en": {
                "title": "Human trafficking, the facts",
                "summary": "The global figures.",
                "body": "About **2.5 million** people.[^1]\n\n[^1]: ILO (2007)",
            },
            "pt": {"title": "Tráfico de seres humanos, os factos", "summary": "Os números."},
        },
    )


@pytest.fixture
def blue_heart():
    return published.page(
        "blue-heart",
        position=1,
        texts={"en": {"title": "The Blue Heart", "summary": "What it stands for."}},
    )


def test_the_index_lists_published_pages_in_menu_order(client, facts, blue_heart):
    published.page("draft-page", texts={"en": {"title": "Not yet"}}, is_published=False)
    published.page("no-live-text", texts={"en": {"title": "Not live"}}, live=[])
    html = client.get("/learn/").content.decode()
    assert html.index("The Blue Heart") < html.index("Human trafficking, the facts")
    assert "What it stands for." in html and "The global figures." in html
    assert "Not yet" not in html and "Not live" not in html


def test_the_index_marks_entries_shown_in_english(client, facts, blue_heart):
    html = client.get("/pt/learn/").content.decode()
    entry = r'<li lang="{}" dir="ltr">\s*<h2><a href="/pt/learn/{}/">'
    assert re.search(entry.format("en", "blue-heart"), html)
    assert re.search(entry.format("pt", "human-trafficking"), html)


def test_a_page_shows_its_text_rendered(client, facts):
    html = client.get("/learn/human-trafficking/").content.decode()
    assert '<h1 id="page-title">Human trafficking, the facts</h1>' in html
    assert "<strong>2.5 million</strong>" in html
    assert "ILO (2007)" in html
    assert 'role="note"' not in html


def test_a_page_in_the_visitors_language_has_no_notice(client, facts):
    html = client.get("/pt/learn/human-trafficking/").content.decode()
    assert "Tráfico de seres humanos, os factos" in html
    assert 'lang="pt" dir="ltr" aria-labelledby="page-title"' in html
    assert 'role="note"' not in html


def test_a_page_falls_back_to_english_and_says_so(client, blue_heart):
    html = client.get("/pt/learn/blue-heart/").content.decode()
    assert NOTICE_PT in html
    assert '<article class="info-page" lang="en"' in html
    assert "The Blue Heart" in html


def test_an_unpublished_translation_is_not_shown(client):
    published.page(
        "eu-action",
        texts={"en": {"title": "What the EU does"}, "pt": {"title": "O que a UE faz"}},
        live=["en"],
    )
    html = client.get("/pt/learn/eu-action/").content.decode()
    assert "O que a UE faz" not in html
    assert NOTICE_PT in html


def test_it_shows_what_was_published_not_the_draft_since(client, blue_heart):
    blue_heart.translations.update(title="A draft title")
    html = client.get("/learn/blue-heart/").content.decode()
    assert "A draft title" not in html
    assert "The Blue Heart" in html


@pytest.mark.parametrize(
    "path", ["/learn/nowhere/", "/pt/learn/draft-page/", "/learn/no-live-text/"]
)
def test_it_answers_404_for_a_page_the_public_cannot_read(client, path):
    published.page("draft-page", texts={"en": {"title": "Not yet"}}, is_published=False)
    published.page("no-live-text", texts={"en": {"title": "Not live"}}, live=[])
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/learn/", "/learn/blue-heart/"])
def test_it_answers_head(client, blue_heart, path):
    response = client.head(path)
    assert response.status_code == 200
    assert response.content == b""


def test_the_header_leads_to_learn_and_get_help(client, blue_heart):
    html = client.get("/pt/learn/blue-heart/").content.decode()
    assert '<a href="/pt/learn/">' in html
    assert '<a href="/pt/learn/get-help/">' in html


def test_a_signed_in_visitor_gets_a_page_of_their_own(client, blue_heart):
    signed_in_supporter(client, "ana@example.org", "PT", "Ana Silva")
    assert (
        "Signed in as <bdi>ana@example.org</bdi>"
        in client.get("/learn/blue-heart/").content.decode()
    )
    client.logout()
    assert "ana@example.org" not in client.get("/learn/blue-heart/").content.decode()


def test_a_page_is_served_from_a_copy(client, blue_heart, django_assert_num_queries):
    client.get("/learn/blue-heart/")
    with django_assert_num_queries(0):
        assert "The Blue Heart" in client.get("/learn/blue-heart/").content.decode()
