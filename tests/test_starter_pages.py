"""`migrate` brings the starter content: six information pages in the seven
languages, and Spain's and Portugal's launch page texts, published,
with no phone number but the EU emergency number."""

import importlib
import re
from pathlib import Path

import pytest
from django.apps import apps

from campaign.models import Country, CountryTranslation
from core.markdown import markdown_problems
from pages.models import Page, PageTranslation
from tests.articles import STARTER_COUNTRIES, STARTER_LANGUAGES, STARTER_SLUGS

pytestmark = pytest.mark.django_db

starter_migration = importlib.import_module("pages.migrations.0002_starter_content")
more_languages = importlib.import_module("pages.migrations.0003_starter_in_seven_languages")

SEED = Path(__file__).parent / "data" / "blue-heart-campaign-2021.txt"

# A number as written: digit groups joined by one space, dot or comma
# ("140,000", "140 000", "5808", "+351 21 123 4567" as 351 21 123 4567).
NUMBER = re.compile(r"\d+(?:[ .,\u00a0\u202f]\d+)*")
TEL_LINK = re.compile(r"tel:([^)\s\"'>]*)")
# Figures of the source written in another unit, as Spanish writes billions:
# €2.5 billion is "2500 millones de euros", US$31.6 billion "31 600 millones".
RESTATED = {"2500", "31600"}
# And as Chinese writes them, in 万 (ten thousand) and 亿 (hundred million):
# 2.5 and 1.2 million, US$31.6 billion and €2.5 billion. Only these whole
# expressions: a bare 120 or 250 is still caught.
RESTATED_IN_CHINESE = re.compile(r"(?<!\d)(?:(?:250|120)万|(?:316|25)亿)")


def digits(number: str) -> str:
    return re.sub(r"\D", "", number)


def numbers_of_the_source() -> set[str]:
    """Every number in the campaign's article, whole and digit run by digit run."""
    text = SEED.read_text(encoding="utf-8")
    return {digits(n) for n in NUMBER.findall(text)} | set(re.findall(r"\d+", text))


def starter_texts():
    """Every text field of the starter content, draft and published, with its name."""
    for translation in PageTranslation.objects.select_related("page"):
        for name in ("title", "summary", "body"):
            for field in (name, f"published_{name}"):
                yield f"{translation} {field}", getattr(translation, field)
    for translation in CountryTranslation.objects.select_related("country"):
        for name in CountryTranslation.CONTENT_FIELDS:
            for field in (name, f"published_{name}"):
                yield f"{translation} {field}", getattr(translation, field)


def test_it_has_the_six_information_pages_in_order_and_published():
    pages = list(Page.objects.all())
    assert [p.slug for p in pages] == STARTER_SLUGS
    assert [p.position for p in pages] == [1, 2, 3, 4, 5, 6]
    assert all(p.is_published and p.published_at for p in pages)


@pytest.mark.parametrize("slug", STARTER_SLUGS)
def test_it_has_each_page_in_every_language_published_as_written(slug):
    translations = PageTranslation.objects.filter(page__slug=slug)
    assert sorted(t.language for t in translations) == sorted(STARTER_LANGUAGES)
    for t in translations:
        assert t.title and t.summary and t.body.strip()
        assert (t.published_title, t.published_summary, t.published_body) == (
            t.title,
            t.summary,
            t.body,
        )
        assert t.is_live


def test_it_has_spain_and_portugal_in_their_own_languages_first_then_every_other():
    for code, languages in STARTER_COUNTRIES.items():
        country = Country.objects.get(code=code)
        assert country.languages == languages
        translations = CountryTranslation.objects.filter(country=country)
        assert sorted(t.language for t in translations) == sorted(languages)
        for t in translations:
            assert t.headline and t.body.strip()
            for name in CountryTranslation.CONTENT_FIELDS:
                assert getattr(t, f"published_{name}") == getattr(t, name)
            assert t.is_live
            # The source names no partner organisation and there is no image yet.
            assert t.partners == "" and t.hero_alt == ""


def test_it_loads_markdown_the_editing_forms_would_accept():
    # A chart that cannot be drawn or a citation without its source shows on
    # the page as a notice or a stray "[^x]"; the forms refuse both.
    for t in PageTranslation.objects.all():
        assert markdown_problems(t.published_body) == [], t
    for t in CountryTranslation.objects.all():
        for name in ("body", "partners", "help_contacts"):
            assert markdown_problems(getattr(t, f"published_{name}")) == [], t


def test_it_gives_each_country_page_only_the_emergency_number_as_a_contact():
    for t in CountryTranslation.objects.all():
        assert [digits(n) for n in NUMBER.findall(t.help_contacts)] == ["112", "112"], t
        assert TEL_LINK.findall(t.help_contacts) == ["112"]


@pytest.mark.parametrize("language", STARTER_LANGUAGES)
def test_it_tells_people_in_danger_to_call_112(language):
    page = PageTranslation.objects.get(page__slug="get-help", language=language)
    assert "[112](tel:112)" in page.published_body
    assert "112" in page.published_summary


def test_it_lists_no_phone_number_but_112():
    # A wrong helpline can hurt someone: any number that is not a figure or a
    # year of the source must be the EU emergency number.
    allowed = numbers_of_the_source() | RESTATED | {"112"}
    for where, text in starter_texts():
        for number in NUMBER.findall(RESTATED_IN_CHINESE.sub("", text)):
            if len(digits(number)) >= 3:
                assert digits(number) in allowed, f"{number!r} in {where}"
        assert set(TEL_LINK.findall(text)) <= {"112"}, where


def test_it_notices_a_phone_number():
    text = "Call the helpline on 116 000 or +351 21 123 4567."
    allowed = numbers_of_the_source() | RESTATED | {"112"}
    assert [n for n in NUMBER.findall(text) if digits(n) not in allowed] == [
        "116 000",
        "351 21 123 4567",
    ]


def test_it_changes_nothing_when_loaded_again():
    page = PageTranslation.objects.get(page__slug="europe", language="pt")
    page.body = "Edited by an organiser."
    page.save(update_fields=["body"])
    before = (Page.objects.count(), PageTranslation.objects.count())

    starter_migration.load(apps, None)

    assert (Page.objects.count(), PageTranslation.objects.count()) == before
    page.refresh_from_db()
    assert page.body == "Edited by an organiser."


def test_it_removes_what_it_added_when_reversed_and_brings_it_back():
    # Reversed as `migrate pages 0001` does it: 0003, then 0002.
    more_languages.unload(apps, None)
    assert PageTranslation.objects.count() == 6 * 3
    assert sorted(Country.objects.values_list("languages", flat=True)) == [
        ["es", "en"],
        ["pt", "en"],
    ]
    starter_migration.unload(apps, None)
    assert not Page.objects.exists()
    assert not CountryTranslation.objects.exists()
    assert list(Country.objects.values_list("languages", flat=True)) == [[], []]

    starter_migration.load(apps, None)
    assert Page.objects.count() == 6
    assert PageTranslation.objects.count() == 6 * 3  # 0002's languages; 0003 adds the rest
    assert CountryTranslation.objects.count() == 2 * 2
    more_languages.load(apps, None)
    assert PageTranslation.objects.count() == 6 * 7
    assert CountryTranslation.objects.count() == 2 * 7
    for code, languages in STARTER_COUNTRIES.items():
        assert Country.objects.get(code=code).languages == languages


def test_it_keeps_the_starter_text_as_each_translations_first_revision():
    # Without it, a moderator's first edit could never be undone back to the start.
    for translation in [*PageTranslation.objects.all(), *CountryTranslation.objects.all()]:
        first = translation.history.earliest("history_date")
        assert first.history_type == "+"
        assert first.body == translation.body
    assert PageTranslation.history.count() == 6 * 7
    assert CountryTranslation.history.count() == 2 * 7


def test_it_takes_back_only_the_languages_it_added_and_no_text_edited_since():
    edited = PageTranslation.objects.get(page__slug="europe", language="fr")
    edited.body = "Modifié par une organisatrice."
    edited.save(update_fields=["body"])

    more_languages.unload(apps, None)
    left = PageTranslation.objects.values_list("page__slug", "language")
    assert {language for _slug, language in left} == {"en", "es", "pt", "fr"}
    assert [row for row in left if row[1] == "fr"] == [("europe", "fr")]

    more_languages.load(apps, None)
    assert PageTranslation.objects.count() == 6 * 7
    edited.refresh_from_db()
    assert edited.body == "Modifié par une organisatrice."
