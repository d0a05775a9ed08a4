"""Country pages and information pages for the tests of the staff editors,
made as an editor's saves make them (each a revision), whatever starter
content the migrations brought."""

import re
from importlib import import_module

from campaign.models import Country, CountryTranslation
from core import drafts
from mailings.models import Delivery, Mailing, MailingText
from pages.models import Page, PageTranslation

BASED_ON = re.compile(r'name="based_on" value="(\d*)"')
# The reason the starter migration gives its first revisions.
STARTER_REASON = import_module("pages.migrations.0002_starter_content").STARTER_REASON


def country(code: str) -> Country:
    return Country.objects.get_or_create(code=code)[0]


def country_text(code: str, language: str, editor=None, **fields) -> CountryTranslation:
    """The country's page in `language`, its draft set to `fields` (a headline
    at least) and saved as a new revision by `editor`."""
    found = country(code)
    _forget_starter_text(CountryTranslation, country=found, language=language)
    translation = CountryTranslation.objects.filter(country=found, language=language).first()
    translation = translation or CountryTranslation(country=found, language=language)
    for name, value in {"headline": f"Blue Heart {code}", **fields}.items():
        setattr(translation, name, value)
    drafts.record_save(translation, editor)
    return translation


def _forget_starter_text(model, **lookup) -> None:
    """Start from no text where only the migrations' starter text exists, so
    that what a test reads (fields, revision numbers) is what it saved."""
    existing = model.objects.filter(**lookup).first()
    if existing is None or existing.history.exclude(history_change_reason=STARTER_REASON):
        return
    pk = existing.pk
    existing.delete()
    model.history.filter(id=pk).delete()


def forget_starter_texts(code: str) -> None:
    """The country without the texts the migrations brought (every language)."""
    for language in CountryTranslation.objects.filter(country__code=code).values_list(
        "language", flat=True
    ):
        _forget_starter_text(CountryTranslation, country__code=code, language=language)


def info_page(slug: str = "the-test-page") -> Page:
    return Page.objects.get_or_create(slug=slug, defaults={"position": 99})[0]


def page_text(page: Page, language: str, editor=None, **fields) -> PageTranslation:
    translation = PageTranslation.objects.filter(page=page, language=language).first()
    translation = translation or PageTranslation(page=page, language=language)
    for name, value in {"title": f"Page {page.slug}", **fields}.items():
        setattr(translation, name, value)
    drafts.record_save(translation, editor)
    return translation


def draft_form(translation, **changes) -> dict:
    """What the editing form sends back for `translation` untouched (with the
    revision it was opened at), with `changes`."""
    data = {field: getattr(translation, field) for field in translation.CONTENT_FIELDS}
    return {**data, "based_on": drafts.latest_revision_id(translation) or "", **changes}


def update(code: str, language: str) -> Mailing:
    """A draft campaign update for the country's supporters, in `language`."""
    mailing = Mailing.objects.create(kind=Mailing.Kind.UPDATE, country=code)
    MailingText.objects.create(
        mailing=mailing, language=language, subject=f"News {code}", body="Hello."
    )
    return mailing


def snapshot() -> dict:
    """Every row of content and every revision kept, and every campaign update
    and delivery, to prove nothing changed."""
    found = {
        model.__name__: (
            list(model.objects.order_by("pk").values_list()),
            model.history.count(),
        )
        for model in (Country, CountryTranslation, Page, PageTranslation)
    }
    for model in (Mailing, MailingText, Delivery):
        found[model.__name__] = list(model.objects.order_by("pk").values_list())
    return found
