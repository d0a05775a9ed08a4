"""A country's launch page: its text in the visitor's language (or English,
saying so), its supporters and goal, its launch date, the pledge form with the
country chosen, its help contacts. Ana reads in Portuguese, Bruno in Spanish."""

import datetime
import re

import pytest
from django.utils import timezone

from campaign.models import Country
from tests import published
from tests.conftest import make_pledge, signed_in_supporter

pytestmark = pytest.mark.django_db

NOTICE_PT = "Esta página ainda não está disponível em português; é apresentada em inglês."


def article_language(html: str) -> str:
    return re.search(r'<article class="country-page" lang="([^"]+)"', html).group(1)


def test_it_falls_back_to_english_and_says_so(client):
    published.spain()  # live in Spanish and English only
    html = client.get("/pt/countries/es/").content.decode()
    assert NOTICE_PT in html
    assert "Spain joins the Blue Heart" in html
    assert article_language(html) == "en"


def test_it_shows_the_visitors_language_without_a_notice(client):
    published.spain()
    html = client.get("/es/countries/es/").content.decode()
    assert "España se une al Corazón Azul" in html
    assert article_language(html) == "es"
    assert 'role="note"' not in html


def test_it_never_shows_an_unpublished_translation(client):
    published.spain(live=["en"])  # the Spanish text is still a draft
    html = client.get("/es/countries/es/").content.decode()
    assert "España se une" not in html
    assert "Spain joins the Blue Heart" in html
    assert article_language(html) == "en"


def test_it_shows_what_was_published_not_the_draft_since(client):
    spain = published.spain()
    spain.translations.filter(language="en").update(headline="Unpublished new headline")
    html = client.get("/countries/es/").content.decode()
    assert "Spain joins the Blue Heart" in html
    assert "Unpublished new headline" not in html


def test_it_uses_the_countrys_own_language_when_there_is_no_english(client):
    texts = {"es": {"headline": "Solo en español"}, "fr": {"headline": "En français"}}
    published.country("ES", texts=texts, languages=["es", "fr"])
    html = client.get("/pt/countries/es/").content.decode()
    assert "Solo en español" in html
    assert article_language(html) == "es"
    assert "Esta página ainda não está disponível em português; é apresentada em espanhol." in html


def test_it_preselects_the_country_in_the_pledge_form(client):
    published.spain()
    html = client.get("/pt/countries/es/").content.decode()
    selected = re.findall(r'<option value="[A-Z]{2}" selected>', html)
    assert selected == ['<option value="ES" selected>']
    assert 'action="/pt/pledge/"' in html


def test_it_shows_confirmed_supporters_and_progress_toward_the_goal(client):
    published.spain(supporter_goal=10)
    for n in range(3):
        make_pledge(f"supporter{n}@example.org", "ES")
    make_pledge("pending@example.org", "ES", confirmed=False)
    make_pledge("ana@example.org", "PT")
    html = client.get("/countries/es/").content.decode()
    assert '<data value="3">3</data>' in html
    assert '<progress max="10" value="3" aria-labelledby="goal-text" aria-valuetext=' in html
    assert "<bdi>3</bdi> supporters of a goal of <bdi>10</bdi> (30%)." in html


def test_it_shows_a_plain_count_without_a_goal(client):
    published.spain(supporter_goal=None)
    make_pledge("bruno@example.org", "ES")
    html = client.get("/countries/es/").content.decode()
    assert "<progress" not in html
    assert "<bdi>1</bdi> person here has confirmed the pledge." in html


def test_an_upcoming_country_shows_its_launch_month_without_making_up_a_day(client):
    published.portugal()
    html = client.get("/countries/pt/").content.decode()
    assert "The launch here was announced for April 2021." in html
    assert not re.search(r"April 1\b|1 April", html)


def test_a_launched_country_says_when_it_launched(client):
    published.spain(launch_date=datetime.date(2010, 6, 12), launch_date_precision="day")
    html = client.get("/countries/es/").content.decode()
    assert "The campaign launched here on June 12, 2010." in html
    assert "launches here" not in html


def test_it_shows_the_hero_image_with_its_description(client):
    published.country("ES", texts={"en": {"headline": "Spain", "hero_alt": "Volunteers in Madrid"}})
    Country.objects.filter(code="ES").update(hero_image="heroes/abc123.jpg")
    html = client.get("/countries/es/").content.decode()
    assert '<img src="/media/heroes/abc123.jpg" alt="Volunteers in Madrid">' in html


def test_without_an_image_it_shows_the_emblem_as_decoration(client):
    published.spain()
    html = client.get("/countries/es/").content.decode()
    assert re.search(r'<img src="[^"]*/img/blue-heart\.svg" alt="">\s*</figure>', html)


def test_it_shows_the_partners_and_help_contacts_and_leads_to_get_help(client):
    published.spain()
    html = client.get("/countries/es/").content.decode()
    assert "<li>Partner organisation one</li>" in html
    assert "<li>Helpline listed by the Spain moderators</li>" in html
    assert '<a href="/learn/get-help/">' in html


@pytest.mark.parametrize(
    "path",
    [
        "/countries/zz/",
        "/countries/spain/",
        "/pt/countries/fr/",
        # A NUL byte must not reach PostgreSQL, which answers it with an error.
        "/countries/p%00t/",
        "/countries/p%00/",
        "/countries/p%00t/notify/",
    ],
)
def test_it_answers_404_for_a_country_without_a_page(client, path):
    published.spain()
    assert client.get(path).status_code == 404


def test_it_answers_404_for_an_unpublished_country(client):
    published.spain(is_published=False)
    assert client.get("/countries/es/").status_code == 404
    assert client.get("/countries/ES/").status_code == 404


@pytest.mark.parametrize(
    ("path", "location"),
    [("/countries/ES/", "/countries/es/"), ("/pt/countries/Es/", "/pt/countries/es/")],
)
def test_an_uppercase_code_redirects_to_the_lowercase_address(client, path, location):
    published.spain()
    response = client.get(path)
    assert response.status_code == 301
    assert response.headers["Location"] == location


def test_it_answers_head(client):
    published.spain()
    response = client.head("/countries/es/")
    assert response.status_code == 200
    assert response.content == b""


def test_it_is_served_from_a_copy_while_its_count_is_fresh(client, django_assert_num_queries):
    published.spain()
    client.get("/countries/es/")
    with django_assert_num_queries(0):
        assert "Spain joins the Blue Heart" in client.get("/countries/es/").content.decode()


def test_a_signed_in_visitor_gets_a_page_of_their_own_that_is_never_shared(client):
    published.spain()
    signed_in_supporter(client, "ana@example.org", "PT", "Ana Silva")
    assert (
        "Signed in as <bdi>ana@example.org</bdi>" in client.get("/countries/es/").content.decode()
    )
    client.logout()
    anonymous = client.get("/countries/es/").content.decode()
    assert "ana@example.org" not in anonymous
    assert "Spain joins the Blue Heart" in anonymous


def test_it_shows_the_country_name_when_no_text_is_live_yet(client):
    spain = published.spain(live=[])
    assert spain.translations.filter(published_at__lte=timezone.now()).count() == 0
    html = client.get("/countries/es/").content.decode()
    assert '<h1 id="country-title">Spain</h1>' in html
    assert 'role="note"' not in html


def test_its_text_fields_cite_sources_without_sharing_an_id(client):
    cited = {
        "headline": "Spain",
        "body": "A figure.[^1]\n\n[^1]: Source of the body, 2010",
        "partners": "A partner.[^1]\n\n[^1]: Source of the partners, 2011",
        "help_contacts": "A helpline.[^1]\n\n[^1]: Source of the contacts, 2012",
    }
    published.country("ES", texts={"en": cited})
    html = client.get("/countries/es/").content.decode()
    assert html.count("Sources</h2>") == 3
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted(ids)
