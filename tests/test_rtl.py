"""Arabic lays out right to left.

Layla reads the site in Arabic: the page says dir="rtl", the brand sits at the
right and the sections' links run from right to left, arrows that point a way
turn round; her emails and her badge are right to left too. Which holds only
while the style sheets speak in logical properties (start and end, not left and
right), so the style sheets are read for a physical one.
"""

import itertools
import re
from pathlib import Path

import pytest
from django.core import mail

from tests import published
from tests.conftest import signed_in_supporter
from tests.test_badge import ink, name_region, shown_badge

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
STYLE_SHEETS = [ROOT / "static" / "css" / "site.css", ROOT / "static" / "css" / "embed.css"]
COMMENTS = re.compile(r"/\*.*?\*/", re.DOTALL)
DECLARATION = re.compile(r"([a-z-]+)\s*:\s*([^;{}]+)")
# Properties whose value may name a side.
SIDED_VALUES = {"float", "clear", "text-align", "text-align-last", "caption-side", "resize"}
FOUR_SIDES = {"margin", "padding", "inset", "border-width", "border-style", "border-color"}


def declarations(css: str) -> list[tuple[str, str]]:
    """(property, value) of every declaration inside a rule's braces."""
    found = []
    for block in re.findall(r"\{([^{}]*)\}", COMMENTS.sub("", css)):
        found += [(name, value.strip()) for name, value in DECLARATION.findall(block)]
    return found


def physical(name: str, value: str) -> bool:
    """Whether a declaration names a left or a right side."""
    if "left" in name or "right" in name:
        return True
    if name in SIDED_VALUES and re.search(r"\b(left|right)\b", value):
        return True
    # margin: 0 1rem 0 2rem gives the left and the right sides different values.
    parts = value.split()
    return name in FOUR_SIDES and len(parts) == 4 and parts[1] != parts[3]


def test_the_reader_finds_each_kind_of_physical_property():
    sample = """
        /* right to left: a comment is no declaration */
        a { margin-left: 1rem; padding-right: 0; left: 0; float: right; }
        b { text-align: left; border-top-left-radius: 2px; margin: 0 1rem 0 2rem; }
        c { margin-inline-start: 1rem; inset-inline-end: 0; float: inline-start;
            text-align: start; margin: 0 1rem 0 1rem; padding: 1rem 2rem; }
    """
    flagged = [(name, value) for name, value in declarations(sample) if physical(name, value)]
    assert [name for name, _value in flagged] == [
        "margin-left",
        "padding-right",
        "left",
        "float",
        "text-align",
        "border-top-left-radius",
        "margin",
    ]


def test_the_style_sheets_use_logical_properties_only():
    for sheet in STYLE_SHEETS:
        found = declarations(sheet.read_text())
        assert len(found) > 10, sheet
        offending = [f"{name}: {value}" for name, value in found if physical(name, value)]
        assert offending == [], sheet.name


def test_an_arabic_email_is_right_to_left(sign, ana):
    sign(ana, path="/ar/pledge/")
    (message,) = mail.outbox
    (html, _type) = message.alternatives[0]
    assert re.search(r'<html lang="ar" dir="rtl">', html)


def test_an_english_email_stays_left_to_right(sign, bruno):
    sign(bruno)
    (html, _type) = mail.outbox[0].alternatives[0]
    assert '<html lang="en" dir="ltr">' in html


def test_the_arabic_badge_is_right_to_left_and_centred(client):
    pledge = shown_badge("ليلى", email="layla@example.org")
    svg = client.get(f"/ar/badge/{pledge.public_id}.svg").content.decode()
    lines = re.search(r"<g [^>]*>", svg).group(0)
    assert 'direction="rtl"' in lines
    assert 'text-anchor="middle"' in lines
    english = client.get(f"/badge/{pledge.public_id}.svg").content.decode()
    assert 'direction="ltr"' in re.search(r"<g [^>]*>", english).group(0)
    # Drawn, the name is still in the middle of the badge.
    png = client.get(f"/ar/badge/{pledge.public_id}.png").content
    assert ink(name_region(png)) > 500
    share = client.get(f"/ar/badge/{pledge.public_id}/share.png")
    assert share.status_code == 200
    assert share.headers["Content-Type"] == "image/png"


def boxes(page, selector: str) -> list[dict]:
    return [element.bounding_box() for element in page.locator(selector).all()]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/ar/", "/ar/countries/es/"])
def test_arabic_pages_lay_out_right_to_left(browser, live_server, path):
    published.spain()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    assert page.goto(live_server.url + path).status == 200
    assert page.locator("html").get_attribute("dir") == "rtl"
    header = page.locator(".site-header").bounding_box()
    brand = page.locator(".brand").bounding_box()
    # The brand starts the header, at its right edge.
    assert brand["x"] + brand["width"] == pytest.approx(header["x"] + header["width"], abs=20)
    assert brand["x"] > header["x"] + header["width"] / 2
    sections = boxes(page, ".sections li")
    assert len(sections) == 3
    # The first section's link is the rightmost, and each next one left of it.
    assert all(a["x"] > b["x"] + b["width"] - 1 for a, b in itertools.pairwise(sections))
    languages = boxes(page, ".languages li")
    assert all(a["x"] > b["x"] for a, b in itertools.pairwise(languages))
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_way_back_from_a_footnote_points_the_other_way_in_arabic_text(browser, live_server):
    published.page(
        "figures",
        texts={
            "en": {"title": "Figures", "body": "About 2.5 million.[^1]\n\n[^1]: ILO."},
            "ar": {"title": "أرقام", "body": "نحو 2.5 مليون.[^1]\n\n[^1]: منظمة العمل الدولية."},
        },
    )
    # English only: on an Arabic page it is shown as English, left to right.
    published.page(
        "english-only", texts={"en": {"title": "Only", "body": "A figure.[^1]\n\n[^1]: ILO."}}
    )
    context = browser.new_context()
    page = context.new_page()
    transforms = {}
    for path in ("/learn/figures/", "/ar/learn/figures/", "/ar/learn/english-only/"):
        page.goto(live_server.url + path)
        back = page.locator(".footnote-backref").first
        transforms[path] = back.evaluate("element => getComputedStyle(element).transform")
    assert transforms == {
        "/learn/figures/": "none",
        "/ar/learn/figures/": "matrix(-1, 0, 0, 1, 0, 0)",
        "/ar/learn/english-only/": "none",
    }
    context.close()


def test_names_and_addresses_inside_sentences_are_isolated(client):
    # An address or a Latin name inside Arabic text keeps its own direction, and
    # leaves the sentence's words where they are.
    signed_in_supporter(client, "ana@example.org", "PT", "Ana Silva")
    page = client.get("/ar/my-pledge/").content.decode()
    assert "<bdi>ana@example.org</bdi>" in page  # "Signed in as …", "Your pledge with …"
    assert page.count("<bdi>ana@example.org</bdi>") >= 2
    pledge = shown_badge("Bruno García", email="bruno@example.org")
    badge_page = client.get(f"/ar/badge/{pledge.public_id}/").content.decode()
    assert "<bdi>Bruno García</bdi>" in badge_page
    # Not where markup is not read: the title and the image's alt.
    assert "<title>" in badge_page and "&lt;bdi&gt;" not in badge_page
