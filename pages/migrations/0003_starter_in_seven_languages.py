"""The starter text in the languages 0002 did not have: the information pages in
French, Russian, Arabic and Chinese, and Spain's and Portugal's pages in the
seven languages.

Loaded from pages/starter/ the way 0002 loads its languages: as published text,
and only where a page has no text in that language yet, never over what an
organiser or moderator wrote. A country page's new languages are added to the
country's list after its own (the order the public page falls back in).
"""

from importlib import import_module

from django.db import migrations
from django.utils import timezone

starter = import_module("pages.migrations.0002_starter_content")

PAGE_LANGUAGES = ["fr", "ru", "ar", "zh-hans"]
# The order a country's added languages are listed in (settings.CONTENT_LANGUAGES).
ORDER = ["en", "fr", "es", "ru", "ar", "zh-hans", "pt"]


def load(apps, schema_editor):
    Page = apps.get_model("pages", "Page")
    Country = apps.get_model("campaign", "Country")
    now = timezone.now()
    for page in Page.objects.filter(slug__in=starter.PAGES):
        for language, path in starter.starter_files(starter.STARTER, page.slug):
            if language in PAGE_LANGUAGES:
                starter.add_page_text(apps, page, language, path, now)

    for code, first in starter.COUNTRY_LANGUAGES.items():
        country = Country.objects.filter(code=code).first()
        if country is None:  # removed by an organiser: not ours to bring back
            continue
        files = starter.starter_files(starter.STARTER / "countries", code.lower())
        for language, path in sorted(files, key=lambda file: ORDER.index(file[0])):
            if language in first:
                continue
            starter.add_country_text(apps, country, language, path, now)
            if language not in country.languages:
                country.languages = [*country.languages, language]
                country.save(update_fields=["languages"])


def _unchanged_since_loaded(history, translation) -> bool:
    revisions = history.objects.filter(id=translation.pk)
    return (
        revisions.count() == 1
        and revisions.filter(history_change_reason=starter.STARTER_REASON).exists()
    )


def unload(apps, schema_editor):
    # Only what this migration added and nobody has changed since: text edited
    # after it (a newer revision) stays.
    PageTranslation = apps.get_model("pages", "PageTranslation")
    PageHistory = apps.get_model("pages", "HistoricalPageTranslation")
    for translation in PageTranslation.objects.filter(
        page__slug__in=starter.PAGES, language__in=PAGE_LANGUAGES
    ):
        if _unchanged_since_loaded(PageHistory, translation):
            PageHistory.objects.filter(id=translation.pk).delete()
            translation.delete()

    Country = apps.get_model("campaign", "Country")
    CountryTranslation = apps.get_model("campaign", "CountryTranslation")
    CountryHistory = apps.get_model("campaign", "HistoricalCountryTranslation")
    for code, first in starter.COUNTRY_LANGUAGES.items():
        for country in Country.objects.filter(code=code):
            for translation in CountryTranslation.objects.filter(country=country).exclude(
                language__in=first
            ):
                if _unchanged_since_loaded(CountryHistory, translation):
                    CountryHistory.objects.filter(id=translation.pk).delete()
                    translation.delete()
                    country.languages = [c for c in country.languages if c != translation.language]
                    country.save(update_fields=["languages"])


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0002_starter_content"),
        # Country pages as they are now, not as 0002 knew them.
        ("campaign", "0006_remove_launchsubscription_launch_due_since"),
    ]

    operations = [migrations.RunPython(load, unload)]
