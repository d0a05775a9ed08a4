"""The country index: every published country, launched ones first, each group
by its name in the visitor's language, with its confirmed supporters."""

import datetime

import pytest

from campaign.models import Country
from tests import published
from tests.conftest import make_pledge

pytestmark = pytest.mark.django_db


@pytest.fixture
def four_countries():
    upcoming = {"status": Country.Status.UPCOMING}
    published.spain()
    published.country("AT", texts={"en": {}})
    published.portugal()
    published.country("FR", texts={"en": {}}, **upcoming)
    published.country("DE", texts={"en": {}}, is_published=False)


def positions(html: str, *names: str) -> list[int]:
    return [html.index(f">{name}</a>") for name in names]


def test_it_lists_launched_countries_first_each_group_by_name(client, four_countries):
    html = client.get("/countries/").content.decode()
    found = positions(html, "Austria", "Spain", "France", "Portugal")
    assert found == sorted(found)


def test_it_sorts_by_the_name_in_the_visitors_language_accents_aside(client, four_countries):
    # In Portuguese, Áustria comes before Espanha.
    html = client.get("/pt/countries/").content.decode()
    found = positions(html, "Áustria", "Espanha", "França", "Portugal")
    assert found == sorted(found)


def test_it_leaves_out_unpublished_countries(client, four_countries):
    html = client.get("/countries/").content.decode()
    assert "Germany" not in html


def test_it_shows_each_countrys_confirmed_supporters_and_status(client, four_countries):
    make_pledge("bruno@example.org", "ES")
    make_pledge("carmen@example.org", "ES")
    make_pledge("ana@example.org", "PT")
    make_pledge("pending@example.org", "PT", confirmed=False)
    html = client.get("/countries/").content.decode()
    spain = html[html.index(">Spain</a>") :]
    assert spain.index("<bdi>2</bdi> supporters") < spain.index("</li>")
    portugal = html[html.index(">Portugal</a>") :]
    assert portugal.index("<bdi>1</bdi> supporter<") < portugal.index("</li>")
    assert "Upcoming (April 2021)" in portugal
    assert "Launched (June 2010)" in spain


def test_it_links_each_country_to_its_page(client, four_countries):
    html = client.get("/pt/countries/").content.decode()
    assert '<a href="/pt/countries/es/">Espanha</a>' in html


def test_it_answers_head(client, four_countries):
    response = client.head("/countries/")
    assert response.status_code == 200
    assert response.content == b""


def test_it_says_so_when_no_country_has_a_page(client):
    Country.objects.update(is_published=False, launch_date=datetime.date(2021, 4, 1))
    assert "No country has a launch page yet." in client.get("/countries/").content.decode()
