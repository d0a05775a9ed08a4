"""What the staff editors of country pages and information pages share.

Both edit translation rows with a draft and a published copy (core.drafts):
the same table of translations, the same messages after each action, the same
preview and the same history page. The views keep what differs (which object,
who may, which URLs).
"""

from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

from core.drafts import latest_revision_id
from core.revisions import Revision, Subject

# Revisions per page of a history.
HISTORY_PAGE_SIZE = 50


def language_name(code: str) -> str:
    return str(dict(settings.CONTENT_LANGUAGES)[code])


def check_language(code: str) -> None:
    """404 for a language content is not written in."""
    if code not in dict(settings.CONTENT_LANGUAGES):
        raise Http404


def translations_context(
    translations: Iterable,
    order: Iterable[str],
    *,
    edit_url: Callable[[str], str],
    preview_url: Callable[[str], str],
) -> dict:
    """The page's translations, each with its state, and the languages it could
    be written in next: the languages in `order` (a country's own) first."""
    order = [*order, *dict(settings.CONTENT_LANGUAGES)]
    rank = {code: index for index, code in reversed(list(enumerate(order)))}
    rows = sorted(translations, key=lambda row: rank.get(row.language, len(order)))
    written = {row.language for row in rows}
    return {
        "translations": [
            {
                "language": row.language,
                "name": language_name(row.language),
                "headline": getattr(row, row.CONTENT_FIELDS[0]),
                "is_live": row.is_live,
                "has_unpublished_changes": not row.is_live
                or any(
                    getattr(row, field) != getattr(row, f"published_{field}")
                    for field in row.CONTENT_FIELDS
                ),
                "edit_url": edit_url(row.language),
                "preview_url": preview_url(row.language),
            }
            for row in rows
        ],
        "new_languages": [
            {"language": code, "name": language_name(code), "url": edit_url(code)}
            for code in sorted(dict(settings.CONTENT_LANGUAGES), key=lambda c: rank[c])
            if code not in written
        ],
    }


def say_saved(request, changed: bool) -> None:
    if changed:
        messages.success(
            request, _("Saved as a new revision. The public sees it once you publish the page.")
        )
    else:
        messages.info(request, _("Nothing changed."))


def say_published(request, changed: bool) -> None:
    if changed:
        messages.success(request, _("Published: every visitor now sees this version."))
    else:
        messages.info(request, _("Nothing to publish: the page is live as drafted."))


def say_unpublished(request, changed: bool) -> None:
    if changed:
        messages.success(request, _("Unpublished: the page is no longer on the site."))
    else:
        messages.info(request, _("The page was not published."))


def say_restored(request, restored: bool) -> None:
    if restored:
        messages.success(
            request,
            _("Restored as a new revision. The public sees it once you publish the page."),
        )
    else:
        messages.info(request, _("The text is that revision's already: nothing changed."))


def explain_conflict(form, current) -> None:
    """Tell the editor someone saved first, keep their text in the form, and
    let a second save deliberately replace the other version."""
    form.add_error(
        None,
        _(
            "Someone else saved this text after you opened it. Your text is below, "
            "not saved; theirs is in the history. Save again to replace theirs with yours."
        ),
    )
    form.data = form.data.copy()
    form.data["based_on"] = latest_revision_id(current) or ""


def preview(
    request, template_name: str, context: Callable[[], dict], *, language: str, back_url: str
) -> HttpResponse:
    """The public template with the draft, as a visitor reading `language` will
    see it once published, marked as a preview. Never indexed, never kept by
    any cache: it is not public."""
    interface = language if language in dict(settings.LANGUAGES) else get_language()
    with override(interface):
        response = render(
            request,
            "core/staff/preview.html",
            {**context(), "public_template": template_name, "preview_back_url": back_url},
        )
    response["Content-Language"] = interface
    response["X-Robots-Tag"] = "noindex, nofollow"
    add_never_cache_headers(response)
    return response


def translation_subjects(translations: Iterable) -> list[Subject]:
    return [
        Subject(
            _("Text in %(language)s") % {"language": language_name(row.language)},
            list(row.history.order_by("history_date", "history_id")),
            row.CONTENT_FIELDS,
            restorable=True,
            key=row.language,
        )
        for row in translations
    ]


def history(
    request,
    revisions: list[Revision],
    *,
    heading: str,
    back_url: str,
    restore_url: Callable[[str, int], str],
) -> HttpResponse:
    page = Paginator(revisions, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    for revision in page:
        if revision.can_restore:
            revision.restore_url = restore_url(revision.subject.key, revision.record.history_id)
    context = {"heading": heading, "back_url": back_url, "page": page}
    return render(request, "core/staff/history.html", context)
