"""What the information pages show, built once for the public page and for
staff previews alike, so a preview is exactly what publishing will put live.

info_page_context() is the context of pages/page.html, learn_index_context()
that of pages/index.html.
"""

from campaign.content import help_contacts_by_country
from core.content_language import choose_translation, fields_of, language_context
from core.markdown import render_markdown
from pages.models import Page, PageTranslation

# The page that also lists every country's help contacts after its own text.
GET_HELP_SLUG = "get-help"


def info_page_context(page: Page, language: str, *, draft: bool = False) -> dict:
    """The page with its text in `language` (see core.content_language for the
    fallback), from the drafts if `draft`. `translation` is None when the page
    has no text to show at all: the public view then answers 404."""
    choice = choose_translation(page.translations.all(), language, draft=draft)
    text = fields_of(choice.translation, PageTranslation.CONTENT_FIELDS, draft=draft)
    return {
        **language_context(choice),
        "page": page,
        "translation": choice.translation,
        "title": text["title"],
        "summary": text["summary"],
        # Not the slug: a slug may hold "_" or start with a digit, which doc_id refuses.
        "body": render_markdown(text["body"], doc_id="body"),
        # Other countries' contacts are not part of this page's draft: a preview
        # shows the ones live now, as publishing the page would.
        "help_contacts": help_contacts_by_country(language) if page.slug == GET_HELP_SLUG else [],
        "is_preview": draft,
    }


def learn_index_context(language: str) -> dict:
    """Every published page with live text, in menu order: title and summary."""
    entries = []
    for page in Page.objects.published().prefetch_related("translations"):
        choice = choose_translation(page.translations.all(), language, draft=False)
        if choice.translation is None:
            continue
        text = fields_of(choice.translation, ["title", "summary"], draft=False)
        entries.append({**language_context(choice), "page": page, **text})
    return {"entries": entries}
