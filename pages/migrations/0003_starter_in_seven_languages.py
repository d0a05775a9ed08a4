"""The information pages' starter text in French, Russian, Arabic and Chinese.

Loaded from pages/starter/<slug>.<language>.md the way 0002 loads English,
Spanish and Portuguese: as published text, and only where the page has no text
in that language yet, never over what an organiser wrote.
"""

from importlib import import_module

from django.db import migrations
from django.utils import timezone

starter = import_module("pages.migrations.0002_starter_content")

LANGUAGES = ["fr", "ru", "ar", "zh-hans"]


def load(apps, schema_editor):
    Page = apps.get_model("pages", "Page")
    PageTranslation = apps.get_model("pages", "PageTranslation")
    now = timezone.now()
    for page in Page.objects.filter(slug__in=starter.PAGES):
        for language, path in starter.starter_files(starter.STARTER, page.slug):
            if language not in LANGUAGES:
                continue
            fields, body = starter.read(path)
            content = {"title": fields["title"], "summary": fields["summary"], "body": body}
            translation, created = PageTranslation.objects.get_or_create(
                page=page,
                language=language,
                defaults={
                    **content,
                    **{f"published_{name}": value for name, value in content.items()},
                    "published_at": now,
                },
            )
            if created:
                starter.remember(apps, translation, now)


def unload(apps, schema_editor):
    # Only what this migration added and nobody has changed since: text edited
    # after it (a newer revision) stays.
    PageTranslation = apps.get_model("pages", "PageTranslation")
    History = apps.get_model("pages", "HistoricalPageTranslation")
    for translation in PageTranslation.objects.filter(
        page__slug__in=starter.PAGES, language__in=LANGUAGES
    ):
        revisions = History.objects.filter(id=translation.pk)
        if revisions.count() == 1 and revisions.filter(history_change_reason=starter.STARTER_REASON).exists():
            revisions.delete()
            translation.delete()


class Migration(migrations.Migration):
    dependencies = [("pages", "0002_starter_content")]

    operations = [migrations.RunPython(load, unload)]
