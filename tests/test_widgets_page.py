"""The page that gives organisations the widgets' snippets: /widgets/."""

import re
from html import unescape

import pytest

from tests import published

pytestmark = pytest.mark.django_db


def snippets(response) -> list[str]:
    """The snippets to copy, as the visitor reads (and copies) them."""
    return [unescape(code) for code in re.findall(r"<pre><code>(.*?)</code></pre>", response.text)]


def test_it_gives_the_snippets_for_the_world_in_the_page_s_language(client, settings):
    settings.SITE_URL = "https://blueheart.example.org"
    response = client.get("/pt/widgets/")
    assert response.status_code == 200
    frame, image = snippets(response)
    assert frame == (
        '<iframe src="https://blueheart.example.org/embed/counter/?lang=pt" '
        'title="Apoiantes do Coração Azul em todo o mundo" width="300" height="170" '
        'loading="lazy" '
        'style="border: 0"></iframe>'
    )
    assert image.startswith(
        '<a href="https://blueheart.example.org/pt/pledge/">'
        '<img src="https://blueheart.example.org/embed/count.svg?lang=pt" '
        'alt="Apoiantes do Coração Azul em todo o mundo" width="'
    )


def test_it_gives_the_snippets_for_the_country_and_language_chosen(client, settings):
    settings.SITE_URL = "https://blueheart.example.org"
    published.portugal()
    response = client.get("/widgets/", {"country": "PT", "lang": "pt"})
    assert response.status_code == 200
    frame, image = snippets(response)
    assert 'src="https://blueheart.example.org/embed/counter/?country=PT&amp;lang=pt"' in frame
    assert 'title="Apoiantes do Coração Azul em Portugal"' in frame
    assert '<a href="https://blueheart.example.org/pt/countries/pt/">' in image
    assert 'src="https://blueheart.example.org/embed/count.svg?country=PT&amp;lang=pt"' in image
    # The choice stays chosen, and the previews show the same widgets.
    assert '<option value="PT" selected>' in response.text
    assert '<iframe class="widget-preview" src="/embed/counter/?country=PT&amp;lang=pt"' in (
        response.text
    )
    assert '<img src="/embed/count.svg?country=PT&amp;lang=pt"' in response.text


def test_the_image_s_stated_size_is_the_image_s(client):
    response = client.get("/widgets/", {"country": "BA", "lang": "en"})
    stated = re.search(
        r'count\.svg\?country=BA&amp;lang=en" alt="[^"]*" width="(\d+)"', response.text
    )
    svg = client.get("/embed/count.svg?country=BA&lang=en").text
    assert f'width="{stated.group(1)}" height="64"' in svg


def test_it_refuses_a_country_on_no_list_with_an_error_on_the_field(client):
    response = client.get("/widgets/", {"country": "XX", "lang": "en"})
    assert response.status_code == 400
    assert "Select a valid choice." in response.text
    frame, _image = snippets(response)
    assert "/embed/counter/?lang=en" in frame  # the world, until the choice is mended


def test_it_is_in_the_sitemap_in_every_language(client, settings):
    settings.ALLOWED_HOSTS = ["blueheart.example.org"]
    settings.SITE_URL = "https://blueheart.example.org"
    sitemap = client.get("/sitemap.xml", HTTP_HOST="blueheart.example.org").text
    for path in ("/widgets/", "/es/widgets/", "/pt/widgets/"):
        assert f"<loc>https://blueheart.example.org{path}</loc>" in sitemap


def test_it_answers_head(client):
    response = client.head("/widgets/")
    assert response.status_code == 200
    assert response.content == b""
