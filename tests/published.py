"""Content made for the tests of the public pages, as a moderator would leave
it: each translation's draft and, when `live`, the same text published.

The tests make their own content rather than rely on the starter pages, which
they would then break whenever an organiser's wording changes."""

import datetime

from django.utils import timezone

from campaign.models import Country, CountryTranslation
from pages.models import Page, PageTranslation


def country(code: str, *, texts: dict, live=None, **fields) -> Country:
    """A published country (the starter row, if there is one, made over) with a
    translation per language in `texts`: {"en": {"headline": ..., ...}}. Only the
    languages in `live` (all by default) are published."""
    defaults = {
        "status": Country.Status.LAUNCHED,
        "is_published": True,
        "published_at": timezone.now(),
        "languages": list(texts),
        "launch_date": None,
        "launch_date_precision": Country.DatePrecision.DAY,
        "supporter_goal": None,
        **fields,
    }
    found, _created = Country.objects.update_or_create(code=code, defaults=defaults)
    found.translations.all().delete()
    for language, text in texts.items():
        translation(found, language, live=live is None or language in live, **text)
    return found


def translation(country: Country, language: str, *, live: bool = True, **text):
    text.setdefault("headline", f"{country.code.name} ({language})")
    published = {f"published_{name}": value for name, value in text.items()} if live else {}
    return CountryTranslation.objects.create(
        country=country,
        language=language,
        published_at=timezone.now() if live else None,
        **text,
        **published,
    )


def page(slug: str, *, texts: dict, live=None, position: int = 0, is_published=True) -> Page:
    """An information page (the starter page of that slug, if there is one,
    made over) with a translation per language in `texts`:
    {"en": {"title": ..., "summary": ..., "body": ...}}."""
    made, _created = Page.objects.update_or_create(
        slug=slug,
        defaults={
            "position": position,
            "is_published": is_published,
            "published_at": timezone.now() if is_published else None,
        },
    )
    made.translations.all().delete()
    for language, text in texts.items():
        is_live = live is None or language in live
        PageTranslation.objects.create(
            page=made,
            language=language,
            published_at=timezone.now() if is_live else None,
            **text,
            **({f"published_{name}": value for name, value in text.items()} if is_live else {}),
        )
    return made


SPAIN_TEXTS = {
    "es": {"headline": "España se une al Corazón Azul", "body": "Texto en español."},
    "en": {
        "headline": "Spain joins the Blue Heart",
        "body": "Spain was the first country in Europe to join.",
        "partners": "- Partner organisation one",
        "help_contacts": "- Helpline listed by the Spain moderators",
    },
}


def spain(**fields) -> Country:
    """Spain, launched in June 2010, its page live in Spanish and English."""
    fields.setdefault("launch_date", datetime.date(2010, 6, 1))
    fields.setdefault("launch_date_precision", Country.DatePrecision.MONTH)
    return country("ES", texts=SPAIN_TEXTS, **fields)


def portugal(**fields) -> Country:
    """Portugal, announced for April 2021 (no day known), live in Portuguese and English."""
    fields.setdefault("status", Country.Status.UPCOMING)
    fields.setdefault("launch_date", datetime.date(2021, 4, 1))
    fields.setdefault("launch_date_precision", Country.DatePrecision.MONTH)
    texts = {
        "pt": {"headline": "Portugal junta-se ao Coração Azul", "body": "Texto em português."},
        "en": {"headline": "Portugal joins the Blue Heart", "body": "Text in English."},
    }
    return country("PT", texts=texts, **fields)
