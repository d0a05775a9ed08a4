"""Starter content: the six information pages and Spain's and Portugal's texts.

Written from the campaign's article ("The Blue Heart Campaign", UN in your
language, 18 January 2021), every figure with its source as a footnote. The
text lives in pages/starter/ as Markdown files with a small front matter, so
that it reads and diffs as prose; this migration loads it as the first
version, published (draft == published), which organisers then edit in place.

Running it again changes nothing (get_or_create), and it never overwrites what
an organiser or moderator has since changed. Reversing it removes exactly what
it added.
"""

from pathlib import Path

from django.db import migrations
from django.utils import timezone

STARTER = Path(__file__).resolve().parent.parent / "starter"

STARTER_REASON = "Starter content from the campaign's 2021 article"

# slug -> position in menus.
PAGES = {
    "blue-heart": 1,
    "human-trafficking": 2,
    "europe": 3,
    "eu-action": 4,
    "unodc": 5,
    "get-help": 6,
}

# The languages of the information pages' starter text when this migration was
# written; pages/migrations/0003 adds the others.
FIRST_LANGUAGES = {"en", "es", "pt"}

# The languages each starter country's page is written in, its own first.
COUNTRY_LANGUAGES = {"ES": ["es", "en"], "PT": ["pt", "en"]}


def read(path: Path) -> tuple[dict[str, str], str]:
    """A starter file's front matter ("key: value" lines between two ---) and body."""
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise ValueError(f"{path} has no front matter")
    _, head, body = text.split("---\n", 2)
    fields = dict(line.split(": ", 1) for line in head.splitlines() if line.strip())
    return fields, body.strip() + "\n"


def starter_files(folder: Path, name: str) -> list[tuple[str, Path]]:
    """(language, path) of every <name>.<language>.md in folder."""
    return sorted(
        (path.name.removeprefix(f"{name}.").removesuffix(".md"), path)
        for path in folder.glob(f"{name}.*.md")
    )


def remember(apps, instance, when) -> None:
    """Record a row as its first revision, so a moderator can always restore the
    starter text (django-simple-history records saves made through the models'
    managers, not through a migration's historical models)."""
    meta = instance._meta
    history = apps.get_model(meta.app_label, f"Historical{meta.object_name}")
    history.objects.create(
        **{field.attname: getattr(instance, field.attname) for field in meta.concrete_fields},
        history_date=when,
        history_type="+",
        history_change_reason=STARTER_REASON,
    )


def _add_published(apps, model, content: dict, now, **lookup) -> None:
    """The text as published, unless the row exists (then it is left as it is),
    with its first revision."""
    translation, created = apps.get_model(*model.split(".")).objects.get_or_create(
        **lookup,
        defaults={
            **content,
            **{f"published_{name}": value for name, value in content.items()},
            "published_at": now,
        },
    )
    if created:
        remember(apps, translation, now)


def add_page_text(apps, page, language: str, path: Path, now) -> None:
    """An information page's text in one language, from its starter file."""
    fields, body = read(path)
    content = {"title": fields["title"], "summary": fields["summary"], "body": body}
    _add_published(apps, "pages.PageTranslation", content, now, page=page, language=language)


def add_country_text(apps, country, language: str, path: Path, now) -> None:
    """A country page's text in one language, from its starter file."""
    fields, body = read(path)
    content = {
        "headline": fields["headline"],
        "body": body,
        # The source names no partner organisation and the page has no image yet.
        "partners": "",
        "help_contacts": fields["help_contacts"] + "\n",
        "hero_alt": "",
    }
    _add_published(
        apps, "campaign.CountryTranslation", content, now, country=country, language=language
    )


def load(apps, schema_editor):
    Page = apps.get_model("pages", "Page")
    Country = apps.get_model("campaign", "Country")
    now = timezone.now()

    for slug, position in PAGES.items():
        page, _created = Page.objects.get_or_create(
            slug=slug,
            defaults={"position": position, "is_published": True, "published_at": now},
        )
        for language, path in starter_files(STARTER, slug):
            if language not in FIRST_LANGUAGES:  # the others are 0003's
                continue
            add_page_text(apps, page, language, path, now)

    for code, languages in COUNTRY_LANGUAGES.items():
        country = Country.objects.filter(code=code).first()
        if country is None:  # removed by an organiser since 0002: not ours to bring back
            continue
        if not country.languages:
            country.languages = languages
            country.save(update_fields=["languages"])
        for language, path in starter_files(STARTER / "countries", code.lower()):
            if language not in languages:  # the others are 0003's
                continue
            add_country_text(apps, country, language, path, now)


def unload(apps, schema_editor):
    Page = apps.get_model("pages", "Page")
    Country = apps.get_model("campaign", "Country")
    CountryTranslation = apps.get_model("campaign", "CountryTranslation")
    Page.objects.filter(slug__in=PAGES).delete()
    for label in ("pages.HistoricalPageTranslation", "campaign.HistoricalCountryTranslation"):
        apps.get_model(label).objects.filter(history_change_reason=STARTER_REASON).delete()
    for code, languages in COUNTRY_LANGUAGES.items():
        CountryTranslation.objects.filter(country__code=code, language__in=languages).delete()
        for country in Country.objects.filter(code=code):
            if country.languages == languages:
                country.languages = []
                country.save(update_fields=["languages"])


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0001_initial"),
        ("campaign", "0003_country_pages"),
    ]

    operations = [migrations.RunPython(load, unload)]
