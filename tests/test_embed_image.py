"""The live-count image other sites show: /embed/count.svg?country=PT."""

import xml.etree.ElementTree as ET

import pytest
from django.core.cache import cache

from pledges.counting import COUNTS_CACHE_KEY
from tests.conftest import make_pledge
from widgets.counter import Widget

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def parsed(response) -> ET.Element:
    return ET.fromstring(response.content)  # noqa: S314 (our own response)


def texts(root: ET.Element) -> list[str]:
    return [text.text for text in root.iter(f"{SVG}text")]


def test_it_is_an_svg_image_of_the_live_count(client):
    make_pledge("ana@example.org", "PT")
    make_pledge("bruno@example.org", "ES")
    response = client.get("/embed/count.svg?country=pt")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/svg+xml"
    root = parsed(response)
    assert root.tag == f"{SVG}svg"
    assert texts(root) == ["1", "Blue Heart supporters in Portugal"]
    assert root.findtext(f"{SVG}title") == "Blue Heart supporters in Portugal: 1"
    # The Blue Heart itself.
    assert root.find(f"{SVG}path").get("fill") == "#0b4f9c"
    assert texts(parsed(client.get("/embed/count.svg")))[0] == "2"


def test_it_runs_no_script_even_opened_on_its_own(client):
    policy = client.get("/embed/count.svg?country=PT").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert "script-src" not in directives  # so scripts fall back to 'none'
    assert directives["frame-ancestors"] == "*"


def test_it_writes_the_number_as_the_language_does(client):
    cache.set(COUNTS_CACHE_KEY, {"total": 1234567, "countries": {"PT": 12345}}, 60)
    assert texts(parsed(client.get("/embed/count.svg?country=PT&lang=en")))[0] == "12,345"
    root = parsed(client.get("/embed/count.svg?country=PT&lang=pt"))
    assert texts(root)[0] == "12.345"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "pt"


def test_names_with_markup_characters_stay_valid_xml(client):
    # Côte d'Ivoire: an apostrophe inside the text, escaped as XML allows.
    make_pledge("ana@example.org", "CI")
    root = parsed(client.get("/embed/count.svg?country=ci"))
    assert texts(root) == ["1", "Blue Heart supporters in Côte d'Ivoire"]


def test_its_width_holds_a_growing_count(client):
    cache.set(COUNTS_CACHE_KEY, {"total": 0, "countries": {}}, 60)
    narrow = parsed(client.get("/embed/count.svg?country=PT")).get("width")
    cache.set(COUNTS_CACHE_KEY, {"total": 123456789, "countries": {"PT": 123456789}}, 60)
    assert parsed(client.get("/embed/count.svg?country=PT")).get("width") == narrow


def test_it_answers_an_unknown_country_with_a_404(client):
    response = client.get("/embed/count.svg?country=ZZ")
    assert response.status_code == 404


def test_it_answers_head(client):
    response = client.head("/embed/count.svg?country=PT")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/svg+xml"
    assert response.content == b""


def test_markup_in_its_text_is_shown_literally(client, monkeypatch):
    # No name a visitor types reaches a widget, but a translation or a country's
    # name may hold what XML reads as markup.
    hostile = "<script>alert(1)</script> ]]> &entity; \"'"
    monkeypatch.setattr(Widget, "label", lambda widget: hostile)
    response = client.get("/embed/count.svg?country=PT")
    root = parsed(response)
    assert texts(root)[1] == hostile
    assert root.findtext(f"{SVG}title") == f"{hostile}: 0"
    assert not root.findall(f".//{SVG}script")


def test_a_right_to_left_language_puts_the_heart_on_the_right(client, settings):
    settings.LANGUAGES = [*settings.LANGUAGES, ("ar", "Arabic")]
    root = parsed(client.get("/embed/count.svg?country=PT&lang=ar"))
    width = int(root.get("width"))
    assert root.find(f"{SVG}g").get("direction") == "rtl"
    assert root.find(f"{SVG}path").get("transform").startswith(f"translate({width - 56} ")
    assert {text.get("x") for text in root.iter(f"{SVG}text")} == {str(width - 72)}
    assert '<html lang="ar" dir="rtl">' in client.get("/embed/counter/?lang=ar").text
