"""Counts, dates and country names as each language writes them.

Spain has 1,234,567 supporters of a goal of 2,000,000. A French reader sees
"1 234 567" (no-break spaces), a Chinese one "1,234,567", an Arabic one
"1234567" (Django's Arabic format groups no digits); the machine-readable values
(<data value>, <progress>) and the years stay as they are. What the page says is
Django's locale formats (config/formats/ where we depart from them), and
django-countries' names; the sharing metadata names the page's locale.
"""

import re

import pytest
from django.conf import settings
from django.utils import translation
from django_countries import countries

from pledges.models import CountShard
from tests import published

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"
GROUPED = {
    "en": "1,234,567",
    "fr": f"1{NBSP}234{NBSP}567",
    "es": f"1{NBSP}234{NBSP}567",
    "ru": f"1{NBSP}234{NBSP}567",
    "ar": "1,234,567",  # config/formats/ar: the CLDR's Arabic with Western digits
    "zh-hans": "1,234,567",
    "pt": "1.234.567",
}
GOAL = {
    "fr": f"2{NBSP}000{NBSP}000",
    "ru": f"2{NBSP}000{NBSP}000",
    "ar": "2,000,000",
    "zh-hans": "2,000,000",
}
# Spain launched in June 2010 (month precision), and its name, in each language.
LAUNCHED = {
    "fr": "juin 2010",
    "ru": "Июнь 2010 г.",  # noqa: RUF001 (Cyrillic: the abbreviation of "year")
    "ar": "يونيو 2010",
    "zh-hans": "2010年6月",
}
# Open Graph's language_TERRITORY, as Facebook lists them.
OG_LOCALE = {
    "en": "en_GB",
    "fr": "fr_FR",
    "es": "es_ES",
    "ru": "ru_RU",
    "ar": "ar_AR",
    "zh-hans": "zh_CN",
    "pt": "pt_PT",
}
SPAIN = {"fr": "Espagne", "ru": "Испания", "ar": "أسبانيا", "zh-hans": "西班牙"}


@pytest.fixture
def spain_with_a_million():
    published.spain(supporter_goal=2_000_000)
    CountShard.objects.add("ES", 1_234_567)


def prefix(code: str) -> str:
    return "" if code == settings.LANGUAGE_CODE else f"/{code}"


def test_every_language_has_a_grouping_we_chose():
    assert set(GROUPED) == {code for code, _name in settings.LANGUAGES}


@pytest.mark.parametrize("code", list(GROUPED))
def test_the_home_page_groups_the_count_as_its_language_does(client, spain_with_a_million, code):
    html = client.get(f"{prefix(code)}/").content.decode()
    assert f'<data value="1234567">{GROUPED[code]}</data>' in html
    # In the sentence too, isolated from the text around it.
    assert f"<bdi>{GROUPED[code]}</bdi>" in html


@pytest.mark.parametrize("code", ["fr", "ru", "ar", "zh-hans"])
def test_a_country_page_writes_counts_dates_and_names_in_its_language(
    client, spain_with_a_million, code
):
    html = client.get(f"/{code}/countries/es/").content.decode()
    assert f'<data value="1234567">{GROUPED[code]}</data>' in html
    assert f"<bdi>{GROUPED[code]}</bdi>" in html
    assert f"<bdi>{GOAL[code]}</bdi>" in html
    # Machine values and years stay raw.
    assert '<progress max="2000000" value="1234567"' in html
    assert LAUNCHED[code] in html
    assert not re.search(r"2[\u00a0 ,.]010", html)
    assert SPAIN[code] in html
    with translation.override(code):
        assert str(countries.name("ES")) == SPAIN[code]


@pytest.mark.parametrize("code", ["fr", "ru", "ar", "zh-hans"])
def test_the_countries_index_groups_each_countrys_count(client, spain_with_a_million, code):
    html = client.get(f"/{code}/countries/").content.decode()
    row = html[html.index(SPAIN[code]) :]
    assert row.index(f"<bdi>{GROUPED[code]}</bdi>") < row.index("</li>")


@pytest.mark.parametrize("code", list(GROUPED))
def test_the_share_metadata_names_the_pages_locale(client, code):
    html = client.get(f"{prefix(code)}/").content.decode()
    locales = re.findall(r'<meta property="og:locale(?::alternate)?" content="([^"]+)"', html)
    assert locales[0] == OG_LOCALE[code]
    assert sorted(locales) == sorted(OG_LOCALE.values())
