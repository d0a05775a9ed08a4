import re

import pytest
from django.conf import settings

from tests.conftest import make_pledge

pytestmark = pytest.mark.django_db


def test_it_shows_the_statement_the_count_and_the_form(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Blue Heart" in html
    assert "March 2009" in html
    assert 'action="/pledge/"' in html
    for name in ("display_name", "email", "country", "pledge"):
        assert f'name="{name}"' in html


def test_it_counts_only_confirmed_supporters(client):
    make_pledge("one@example.org", "PT")
    make_pledge("two@example.org", "ES")
    make_pledge("three@example.org", "ES", confirmed=False)
    response = client.get("/")
    assert '<data value="2">2</data>' in response.content.decode()


def test_it_names_its_source_for_the_figure_it_shows(client):
    html = client.get("/").content.decode()
    assert "2.5 million" in html
    assert "International Labour Organization, Forced Labour Statistics Factsheet (2007)" in html


def test_it_lists_the_starter_countries(client):
    html = client.get("/").content.decode()
    assert "Spain" in html and "June 2010" in html
    assert "Portugal" in html and "April 2021" in html


def test_it_serves_portuguese_under_its_prefix_and_english_without(client):
    english = client.get("/")
    portuguese = client.get("/pt/")
    assert english.status_code == portuguese.status_code == 200
    assert '<html lang="en" dir="ltr">' in english.content.decode()
    assert '<html lang="pt" dir="ltr">' in portuguese.content.decode()
    assert 'action="/pt/pledge/"' in portuguese.content.decode()


def test_it_loads_nothing_from_another_host(client):
    for path in ("/", "/pledge/", "/pledge/sent/", "/confirm/new-link/"):
        html = client.get(path).content.decode()
        # Every src/href is a path on this site (or a fragment), or the site's own
        # address (the hreflang alternates, which search engines want absolute).
        for url in re.findall(r'(?:src|href|action)="([^"]*)"', html):
            assert url.startswith(("/", "#", f"{settings.SITE_URL}/")), (path, url)


def test_it_sends_a_content_security_policy_that_forbids_other_hosts(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "http" not in policy


def test_it_works_without_javascript(client):
    html = client.get("/").content.decode()
    assert "<script" not in html
