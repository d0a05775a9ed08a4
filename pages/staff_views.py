"""The organisers' editor of the information pages: their text in each
language, previews, publishing and history. Moderators run countries, not
these pages: `edit_pages` refuses them with a 403."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.decorators import staff_view
from accounts.rules import staff_addresses
from core import drafts, editing
from core.revisions import Subject, timeline
from pages import services
from pages.content import info_page_context
from pages.models import Page, PageTranslation
from pages.staff_forms import PageTranslationForm

EDIT = "edit_pages"
GET_AND_POST = ("GET", "HEAD", "POST")


@staff_view(EDIT)
def page_list(request):
    pages = Page.objects.prefetch_related("translations")
    return render(request, "pages/staff/page_list.html", {"pages": pages})


@staff_view(EDIT)
def page(request, slug):
    return _page_page(request, get_object_or_404(Page, slug=slug))


def _page_page(request, found, status=200, error=None):
    context = {
        "page": found,
        "error": error,
        **editing.translations_context(
            found.translations.all(),
            [],
            edit_url=lambda language: reverse(
                "staff:page-translation", args=[found.slug, language]
            ),
            preview_url=lambda language: reverse("staff:page-preview", args=[found.slug, language]),
        ),
    }
    return render(request, "pages/staff/page.html", context, status=status)


@staff_view(EDIT, methods=("POST",))
def page_publish(request, slug):
    found = get_object_or_404(Page, slug=slug)
    try:
        changed = services.publish_page(request.user, found)
    except ValidationError as error:
        return _page_page(request, found, status=400, error=error.messages[0])
    editing.say_published(request, changed)
    return redirect("staff:page", slug=found.slug)


@staff_view(EDIT, methods=("POST",))
def page_unpublish(request, slug):
    found = get_object_or_404(Page, slug=slug)
    editing.say_unpublished(request, services.unpublish_page(request.user, found))
    return redirect("staff:page", slug=found.slug)


@staff_view(EDIT, methods=GET_AND_POST)
def page_translation(request, slug, language):
    found = get_object_or_404(Page, slug=slug)
    editing.check_language(language)
    translation = found.translations.filter(language=language).first()
    instance = translation or PageTranslation(page=found, language=language)
    if request.method != "POST":
        form = PageTranslationForm(
            instance=instance, initial={"based_on": drafts.latest_revision_id(translation)}
        )
        return _translation_page(request, found, language, form)
    form = PageTranslationForm(request.POST, instance=instance)
    if not form.is_valid():
        return _translation_page(request, found, language, form, status=400)
    try:
        saved = services.save_page_translation(
            request.user, found, language, form.draft(), based_on=form.cleaned_data["based_on"]
        )
    except drafts.EditConflict:
        editing.explain_conflict(form, found.translations.filter(language=language).first())
        return _translation_page(request, found, language, form, status=409)
    editing.say_saved(request, saved is not None)
    return redirect("staff:page-translation", slug=found.slug, language=language)


def _translation_page(request, found, language, form, status=200):
    context = {
        "heading": _("%(page)s: text in %(language)s")
        % {"page": found.slug, "language": editing.language_name(language)},
        "form": form,
        "language": language,
        "back_url": reverse("staff:page", args=[found.slug]),
        "preview_url": reverse("staff:page-preview", args=[found.slug, language]),
        "history_url": reverse("staff:page-history", args=[found.slug]),
    }
    return render(request, "core/staff/translation.html", context, status=status)


@staff_view(EDIT)
def page_preview(request, slug, language):
    found = get_object_or_404(Page, slug=slug)
    editing.check_language(language)
    if not found.translations.filter(language=language).exists():
        raise Http404
    return editing.preview(
        request,
        "pages/page.html",
        lambda: info_page_context(found, language, draft=True),
        language=language,
        back_url=reverse("staff:page-translation", args=[found.slug, language]),
    )


@staff_view(EDIT)
def page_history(request, slug):
    found = get_object_or_404(Page, slug=slug)
    subjects = [
        Subject(
            _("Publishing"),
            list(found.history.order_by("history_date", "history_id")),
            ("is_published",),
        ),
        *editing.translation_subjects(found.translations.all()),
    ]
    return editing.history(
        request,
        timeline(subjects, staff_addresses),
        heading=_("%(page)s: history") % {"page": found.slug},
        back_url=reverse("staff:page", args=[found.slug]),
        restore_url=lambda language, revision: reverse(
            "staff:page-restore", args=[found.slug, language, revision]
        ),
    )


@staff_view(EDIT, methods=("POST",))
def page_restore(request, slug, language, revision):
    found = get_object_or_404(Page, slug=slug)
    editing.check_language(language)
    translation = get_object_or_404(PageTranslation, page=found, language=language)
    try:
        restored = services.restore_page_translation(request.user, translation, revision)
    except LookupError:
        raise Http404 from None
    editing.say_restored(request, restored)
    return redirect("staff:page-translation", slug=found.slug, language=language)
