"""The supporter's badge: its page, SVG and PNG, in every script, and what it
never shows."""

import io
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone
from PIL import Image, ImageChops

from badges import badge as badges
from badges import rendering
from badges.rendering import svg_to_png
from tests.conftest import make_pledge

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
# The name's line on the 1080 by 1080 PNG (its baseline is at y=660).
NAME_BOX = (40, 570, 1040, 690)


def shown_badge(display_name, *, show_publicly=True, country="PT", email="ana@example.org"):
    pledge = make_pledge(email, country, display_name=display_name)
    pledge.show_publicly = show_publicly
    pledge.save(update_fields=["show_publicly"])
    return pledge


def name_region(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB").crop(NAME_BOX)


def ink(region: Image.Image) -> int:
    """How many pixels of the region are not the badge's white."""
    return sum(1 for pixel in region.get_flattened_data() if pixel != (255, 255, 255))


def svg_name(content: bytes) -> str:
    root = ET.fromstring(content)  # noqa: S314 (our own SVG; the test checks it is XML)
    return next(t for t in root.iter(f"{SVG}text") if t.get("id") == "name").text


def test_it_shows_the_badge_page(client):
    pledge = shown_badge("Ana Silva")
    response = client.get(f"/badge/{pledge.public_id}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ana Silva" in html
    assert f"/badge/{pledge.public_id}.png?v=" in html
    assert f"/badge/{pledge.public_id}.svg?v=" in html


SCRIPTS = {
    "latin": "Zoë Ångström-Łukasz",
    "cyrillic": "Анна Каренина",
    "arabic": "محمد عبد الله",
    "chinese": "王小明",
    "emoji": "😀💙",
}


@pytest.mark.parametrize("script", SCRIPTS)
def test_it_renders_every_script(client, script):
    name = SCRIPTS[script]
    pledge = shown_badge(name)
    svg = client.get(f"/badge/{pledge.public_id}.svg")
    assert svg.status_code == 200
    assert svg["Content-Type"].startswith("image/svg+xml")
    assert svg_name(svg.content) == name
    png = client.get(f"/badge/{pledge.public_id}.png")
    assert png.status_code == 200
    assert png["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(png.content))
    assert image.size == (1080, 1080)
    assert ink(name_region(png.content)) > 500


def test_it_draws_emoji_in_colour(client):
    pledge = shown_badge("💙")
    region = name_region(client.get(f"/badge/{pledge.public_id}.png").content)
    # Noto's blue heart is blue, not the black of the text.
    blue = [p for p in region.get_flattened_data() if p[2] > 150 and p[2] > p[0] + 60]
    assert len(blue) > 500


def isolated(text: str) -> str:
    """The same letters, kept from joining by a zero-width non-joiner between each."""
    return "\u200c".join(text)


def test_it_joins_arabic_letters(client):
    name = SCRIPTS["arabic"]
    pledge = shown_badge(name)
    shaped = name_region(client.get(f"/badge/{pledge.public_id}.png").content)
    # The same badge, but with letters that cannot join (isolated forms).
    badge = badges.badge_for(pledge)
    unjoined = badges.svg(badge).replace(f">{name}<", f">{isolated(name)}<")
    assert isolated(name) in unjoined
    apart = name_region(svg_to_png(unjoined, badges.PNG_SIZE))
    difference = ImageChops.difference(shaped, apart)
    assert ink(ImageChops.invert(difference)) > 1000
    # Joined Arabic is narrower than its letters set apart.
    assert ImageChops.invert(shaped).getbbox()[2] - ImageChops.invert(shaped).getbbox()[0] < (
        ImageChops.invert(apart).getbbox()[2] - ImageChops.invert(apart).getbbox()[0]
    )


def test_it_writes_arabic_right_to_left(client):
    # Beh, alef, beh, alef: drawn right to left, the same letters forced left to
    # right (a left-to-right override around them) come out differently.
    name = "\u0628\u0627\u0628\u0627"
    pledge = shown_badge(name)
    region = name_region(client.get(f"/badge/{pledge.public_id}.png").content)
    forced = badges.svg(badges.badge_for(pledge)).replace(f">{name}<", f">\u202d{name}\u202c<")
    left_to_right = name_region(svg_to_png(forced, badges.PNG_SIZE))
    assert ImageChops.difference(region, left_to_right).getbbox() is not None


HOSTILE = ["<script>alert(1)</script>", "]]>", "&entity;", "\"'", "&amp; <b>x</b>"]


@pytest.mark.parametrize("name", HOSTILE)
def test_it_shows_any_name_literally(client, name):
    pledge = shown_badge(name)
    page = client.get(f"/badge/{pledge.public_id}/").content.decode()
    assert "<script>alert" not in page
    assert "<b>x" not in page
    svg = client.get(f"/badge/{pledge.public_id}.svg").content
    assert svg_name(svg) == name  # valid XML, and the name as typed
    assert ink(name_region(client.get(f"/badge/{pledge.public_id}.png").content)) > 500


def test_it_escapes_the_name_on_the_page(client):
    pledge = shown_badge("<script>x</script>")
    response = client.get(f"/badge/{pledge.public_id}/")
    assert "&lt;script&gt;x&lt;/script&gt;" in response.content.decode()


def test_it_never_shows_a_hidden_name(client):
    pledge = shown_badge("Zoë Secret", show_publicly=False)
    other = shown_badge("Visible", show_publicly=False, email="bruno@example.org")
    for path in ("/", ".svg", ".png"):
        content = client.get(f"/badge/{pledge.public_id}{path}").content
        assert "Zoë Secret".encode() not in content
        assert b"Secret" not in content
    page = client.get(f"/badge/{pledge.public_id}/").content.decode()
    assert "A supporter" in page
    svg = client.get(f"/badge/{pledge.public_id}.svg").content
    assert svg_name(svg) == "A supporter"
    # The PNG's name line is the same as any other anonymous supporter's.
    hidden = name_region(client.get(f"/badge/{pledge.public_id}.png").content)
    anonymous = name_region(client.get(f"/badge/{other.public_id}.png").content)
    assert ImageChops.difference(hidden, anonymous).getbbox() is None


def test_it_numbers_supporters_in_order_of_confirmation(client):
    first = shown_badge("First", email="a@example.org")
    second = shown_badge("Second", email="b@example.org")
    pending = make_pledge("pending@example.org", "PT", confirmed=False)
    # Numbers come from a sequence that other tests have drawn from too.
    assert badges.badge_for(second).number == badges.badge_for(first).number + 1
    assert pending.supporter_number is None
    number = second.supporter_number
    assert (
        f"Supporter no. {number:,}" in client.get(f"/badge/{second.public_id}.svg").content.decode()
    )


def test_it_shows_the_country_in_the_badge_language(client):
    pledge = shown_badge("Ana", country="ES")
    assert "Spain" in client.get(f"/badge/{pledge.public_id}.svg").content.decode()
    assert "Espanha" in client.get(f"/pt/badge/{pledge.public_id}.svg").content.decode()


def test_it_answers_404_for_unknown_or_unconfirmed_pledges(client):
    pending = make_pledge("ana@example.org", "PT", confirmed=False)
    for public_id in ("00000000-0000-4000-8000-000000000000", pending.public_id):
        for path in ("/", ".svg", ".png"):
            assert client.get(f"/badge/{public_id}{path}").status_code == 404


def test_it_answers_404_at_an_erased_pledges_old_address(client):
    pledge = shown_badge("Ana")
    old = pledge.public_id
    pledge.erase(timezone.now())
    for path in ("/", ".svg", ".png"):
        assert client.get(f"/badge/{old}{path}").status_code == 404


def test_it_answers_410_for_a_withdrawn_badge(client):
    pledge = shown_badge("Ana")
    pledge.withdraw_badge(timezone.now())
    for path in ("/", ".svg", ".png"):
        response = client.get(f"/badge/{pledge.public_id}{path}")
        assert response.status_code == 410
        assert b"Ana" not in response.content
    pledge.restore_badge()
    assert client.get(f"/badge/{pledge.public_id}.png").status_code == 200


@pytest.mark.parametrize("suffix", [".svg", ".png"])
def test_it_answers_304_when_the_image_is_unchanged(client, suffix):
    pledge = shown_badge("Ana")
    first = client.get(f"/badge/{pledge.public_id}{suffix}")
    etag = first["ETag"]
    again = client.get(f"/badge/{pledge.public_id}{suffix}", headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again["ETag"] == etag
    pledge.show_publicly = False
    pledge.save(update_fields=["show_publicly"])
    changed = client.get(f"/badge/{pledge.public_id}{suffix}", headers={"if-none-match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_it_lets_caches_keep_a_versioned_image_and_revalidate_the_rest(client):
    pledge = shown_badge("Ana")
    version = badges.badge_for(pledge).version
    versioned = client.get(f"/badge/{pledge.public_id}.png?v={version}")
    assert "max-age=86400" in versioned["Cache-Control"]
    assert "public" in versioned["Cache-Control"]
    plain = client.get(f"/badge/{pledge.public_id}.png")
    assert "no-cache" in plain["Cache-Control"]
    assert plain["ETag"] == f'"{version}-png"'


def test_it_renders_a_png_once_per_content(client, monkeypatch):
    pledge = shown_badge("Ana")
    drawn = []
    real = rendering.svg_to_png
    monkeypatch.setattr(rendering, "svg_to_png", lambda *a: drawn.append(1) or real(*a))
    client.get(f"/badge/{pledge.public_id}.png")
    client.get(f"/badge/{pledge.public_id}.png")
    assert len(drawn) == 1
    pledge.display_name = "Ana S."
    pledge.save(update_fields=["display_name"])
    client.get(f"/badge/{pledge.public_id}.png")
    assert len(drawn) == 2


@pytest.mark.parametrize("suffix", ["/", ".svg", ".png"])
def test_it_answers_head(client, suffix):
    pledge = shown_badge("Ana")
    get = client.get(f"/badge/{pledge.public_id}{suffix}")
    head = client.head(f"/badge/{pledge.public_id}{suffix}")
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head["Content-Type"] == get["Content-Type"]


def test_it_refuses_post(client):
    pledge = shown_badge("Ana")
    assert client.post(f"/badge/{pledge.public_id}.png").status_code == 405


def test_it_draws_a_box_for_a_character_no_shipped_font_has(client):
    # A rare hanzi (outside GB2312 level 1) and an emoji outside the subset:
    # both draw as the same empty box, as scripts/subset-fonts documents.
    rare = name_region(client.get(f"/badge/{shown_badge('龘').public_id}.png").content)
    other = shown_badge("🦩", email="bruno@example.org")
    emoji = name_region(client.get(f"/badge/{other.public_id}.png").content)
    assert ink(rare) > 500
    assert ImageChops.difference(rare, emoji).getbbox() is None


@pytest.mark.parametrize("suffix", ["/", ".svg", ".png"])
def test_it_asks_search_engines_not_to_index_badges(client, suffix):
    pledge = shown_badge("Ana")
    assert client.get(f"/badge/{pledge.public_id}{suffix}")["X-Robots-Tag"] == "noindex"
