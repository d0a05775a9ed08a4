"""A badge drawn in any offered language has a glyph for every character of its
own words: the fixed text, the number and date as the language writes them, and
every country's name. (A supporter's own name may hold a character no shipped
font has; test_badge.py shows that it then draws as a box.)"""

import re
from datetime import date
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django_countries import countries
from fontTools.ttLib import TTFont

from badges import badge as badges
from badges.rendering import FONTS_DIR

LANGUAGES = [code for code, _name in settings.LANGUAGES]
TEXT = re.compile(r"<(?:text|title)\b[^>]*>(.*?)</(?:text|title)>", re.S)


@cache
def drawable() -> frozenset[int]:
    """Every code point some shipped font has a glyph for."""
    points = set()
    for path in Path(FONTS_DIR).iterdir():
        if path.suffix in {".ttf", ".otf"}:
            points |= set(TTFont(path, lazy=True).getBestCmap())
    return frozenset(points)


def undrawable(text: str) -> set[str]:
    return {ch for ch in text if not ch.isspace() and ord(ch) not in drawable()}


def a_badge(language: str, country: str = "ES") -> badges.Badge:
    return badges.Badge(
        pledge_id=1,
        public_id="00000000-0000-0000-0000-000000000000",
        name="Ana",
        number=1234567,
        country_code=country,
        confirmed_on=date(2026, 11, 29),
        language=language,
    )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("draw", [badges.svg, badges.share_svg], ids=["badge", "share"])
def test_it_has_a_glyph_for_every_word_of_the_badge(language, draw):
    texts = " ".join(TEXT.findall(draw(a_badge(language))))
    assert texts.strip()
    assert not undrawable(texts), f"no glyph in badges/fonts for {undrawable(texts)}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_has_a_glyph_for_every_country_name(language):
    with translation.override(language):
        missing = {code: undrawable(str(name)) for code, name in countries}
    missing = {code: chars for code, chars in missing.items() if chars}
    assert not missing, f"re-cut the fonts (scripts/subset-fonts): {missing}"


def test_it_notices_a_character_no_font_has():
    assert undrawable("Ana 龘") == {"龘"}
