"""What a site is expected to have: robots.txt, a sitemap with hreflang
alternates, a favicon, and a 404 whose language links lead to the same
address in each language."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.conf import settings as django_settings

from tests import published

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def test_robots_keeps_crawlers_out_of_private_pages_in_every_language(client, settings):
    settings.SITE_URL = "https://blueheart.example.org"
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    for prefix in ("", "/es", "/pt"):
        for private in ("/accounts/", "/admin/", "/confirm/", "/my-pledge/", "/staff/"):
            assert f"Disallow: {prefix}{private}" in lines
    assert "Disallow: /" not in lines  # the public pages stay open
    assert lines[-1] == "Sitemap: https://blueheart.example.org/sitemap.xml"


def sitemap_urls(client, settings) -> dict:
    """{address: {hreflang: alternate address}} as the sitemap lists them."""
    settings.SITE_URL = "https://blueheart.example.org"
    settings.ALLOWED_HOSTS = ["blueheart.example.org"]
    response = client.get("/sitemap.xml", HTTP_HOST="blueheart.example.org")
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # noqa: S314 (our own response)
    return {
        url.findtext(f"{SITEMAP}loc"): {
            link.get("hreflang"): link.get("href") for link in url.findall(f"{XHTML}link")
        }
        for url in root.findall(f"{SITEMAP}url")
    }


def test_the_sitemap_lists_every_public_page_in_every_language_with_alternates(client, settings):
    published.spain()
    published.portugal(is_published=False)
    published.page("blue-heart", texts={"en": {"title": "The Blue Heart"}})
    published.page("draft-page", texts={"en": {"title": "Not yet"}}, is_published=False)
    published.page("no-live-text", texts={"en": {"title": "Not live"}}, live=[])
    urls = sitemap_urls(client, settings)
    site = "https://blueheart.example.org"
    pages = ["/", "/pledge/", "/privacy/", "/countries/", "/countries/es/"]
    for path in [*pages, "/learn/", "/learn/blue-heart/"]:
        # All seven languages, each listing the others and the English as x-default.
        alternates = {
            code: site + path if code == "en" else f"{site}/{code}{path}"
            for code, _name in settings.LANGUAGES
        }
        alternates["x-default"] = site + path
        assert len(alternates) == 8
        for code, _name in settings.LANGUAGES:
            assert urls[alternates[code]] == alternates
    assert not any("/my-pledge/" in loc or "/accounts/" in loc for loc in urls)
    hidden = ("/countries/pt/", "/learn/draft-page/", "/learn/no-live-text/")
    assert not any(loc.endswith(hidden) for loc in urls)


def test_the_favicon_is_the_blue_heart(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/img/blue-heart.svg")


@pytest.mark.parametrize("path", ["/nowhere/", "/pt/nowhere/", "/es/nowhere/at/all/"])
def test_a_404_offers_the_same_address_in_each_language(client, path):
    response = client.get(path)
    assert response.status_code == 404
    rest = re.sub(r"^/(es|pt)/", "/", path)
    links = re.findall(r'<a href="([^"]+)" lang="([a-z-]+)"', response.content.decode())
    assert dict((language, href) for href, language in links) == {
        code: rest if code == "en" else f"/{code}{rest}"
        for code, _name in django_settings.LANGUAGES
    }
