"""What the country pages show, built once for the public page and for staff
previews alike, so a preview is exactly what publishing will put live.

country_page_context() is the context of campaign/country.html,
countries_index_context() that of campaign/countries.html. Both read the live
counts (pledges.counting), and the country page the latest supporters on its
wall (pledges.wall, cached as long), so a page built from them may be kept for
counting.COUNTS_TTL seconds at most.
"""

import unicodedata

from django.templatetags.static import static

from campaign.models import Country, CountryTranslation
from core.content_language import choose_translation, fields_of, language_context
from core.markdown import render_markdown
from pledges import counting, wall
from pledges.forms import PledgeForm


def supporters_progress(count: int, goal: int | None) -> dict:
    """A country's confirmed supporters, and how far toward its goal (if any)."""
    if not goal:
        return {"count": count, "goal": None, "percent": None}
    # A <progress> shows at most its max; the text still says the real count.
    return {"count": count, "goal": goal, "percent": min(100, count * 100 // goal)}


def country_page_context(country: Country, language: str, *, draft: bool = False) -> dict:
    """The launch page of `country` with its text in `language` (see
    core.content_language for the fallback), from the drafts if `draft`."""
    choice = choose_translation(
        country.translations.all(), language, draft=draft, preferred=country.languages
    )
    text = fields_of(choice.translation, CountryTranslation.CONTENT_FIELDS, draft=draft)
    code = str(country.code)
    count = counting.current_counts()["countries"].get(code, 0)
    return {
        **language_context(choice),
        "country": country,
        "is_upcoming": country.status == Country.Status.UPCOMING,
        "launch_date": country.launch_date_label(),
        # "in April 2021" but "on 12 June 2010": the sentence differs, not only the date.
        "launch_month_only": country.launch_date_precision == Country.DatePrecision.MONTH,
        "headline": text["headline"] or country.code.name,
        # Several Markdown fields on one page: each its own doc_id, so their
        # footnote and chart ids never collide.
        "body": render_markdown(text["body"], doc_id="body"),
        "partners": render_markdown(text["partners"], doc_id="partners"),
        "help_contacts": render_markdown(text["help_contacts"], doc_id="help"),
        "hero": hero_image(country, text["hero_alt"]),
        "supporters": supporters_progress(count, country.supporter_goal),
        # The latest of its supporters who chose to appear (cached as the counts).
        "wall": wall.latest(code),
        "form": PledgeForm(initial={"country": code}),
        "is_preview": draft,
    }


def hero_image(country: Country, alt: str) -> dict:
    """The country's image with its description, or the Blue Heart emblem,
    which is decoration there (empty alt): the headline says what the page is."""
    if country.hero_image:
        return {"url": country.hero_image.url, "alt": alt, "is_emblem": False}
    return {"url": static("img/blue-heart.svg"), "alt": "", "is_emblem": True}


def _sort_key(name: str) -> str:
    # "Österreich" sorts with the O's: accents set aside, case folded.
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def countries_index_context() -> dict:
    """Every published country, launched ones first, each group by its name in
    the active language, with its confirmed supporters."""
    counts = counting.current_counts()["countries"]
    rows = [
        {
            "country": country,
            "name": country.code.name,
            "count": counts.get(str(country.code), 0),
            "launch_date": country.launch_date_label(),
        }
        for country in Country.objects.published()
    ]
    rows.sort(key=lambda row: _sort_key(row["name"]))
    return {
        "launched": [r for r in rows if r["country"].status == Country.Status.LAUNCHED],
        "upcoming": [r for r in rows if r["country"].status != Country.Status.LAUNCHED],
    }


def help_contacts_by_country(language: str) -> list[dict]:
    """Each published country's live help contacts in `language` (with the
    usual fallback), for the Get help page. Countries without any are left out."""
    found = []
    countries = Country.objects.published().prefetch_related("translations")
    for country in countries:
        choice = choose_translation(
            country.translations.all(), language, draft=False, preferred=country.languages
        )
        contacts = fields_of(choice.translation, ["help_contacts"], draft=False)["help_contacts"]
        if contacts.strip():
            found.append(
                {
                    **language_context(choice),
                    "country": country,
                    "name": country.code.name,
                    # iso2 is two lowercase letters: always a valid doc_id.
                    "contacts": render_markdown(contacts, doc_id=f"help-{country.iso2}"),
                }
            )
    found.sort(key=lambda row: _sort_key(row["name"]))
    return found
