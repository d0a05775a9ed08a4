"""The moderators' area: their countries' settings, page text, previews,
publishing and history.

Every view names the country in its URL (`iso2`), and `staff_view(...,
scope="iso2")` refuses a moderator any country not theirs with a 403 before
the view runs; the services check again.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.decorators import staff_view
from accounts.rules import countries_in_scope, staff_addresses
from campaign import services
from campaign.content import country_page_context
from campaign.models import Country, CountryTranslation
from campaign.staff_forms import CountrySettingsForm, CountryTranslationForm, NewCountryForm
from core import drafts, editing
from core.revisions import Subject, timeline

EDIT = "edit_country"
GET_AND_POST = ("GET", "HEAD", "POST")


def _country(iso2: str) -> Country:
    return get_object_or_404(Country, code=iso2.upper())


@staff_view(EDIT)
def country_list(request):
    return _list_page(request, NewCountryForm())


def _list_page(request, form, status=200):
    scope = countries_in_scope(request.user, EDIT)
    countries = Country.objects.prefetch_related("translations")
    if scope is not None:
        countries = countries.filter(code__in=scope)
    existing = {str(country.code) for country in countries}
    context = {
        "countries": countries,
        # A moderator's countries that have no page yet: each gets a button.
        "missing": [Country(code=code) for code in sorted((scope or set()) - existing)],
        "may_create_any": scope is None,
        "form": form,
    }
    return render(request, "campaign/staff/country_list.html", context, status=status)


@staff_view(EDIT, methods=("POST",))
def country_create(request):
    form = NewCountryForm(request.POST)
    if not form.is_valid():
        return _list_page(request, form, status=400)
    # The code is in the form, not the URL: the service refuses a moderator a
    # country not theirs (PermissionDenied, a 403).
    country, created = services.create_country(request.user, form.cleaned_data["code"])
    if created:
        messages.success(request, _("The page is created. It is not public until you publish."))
    return redirect("staff:country", iso2=country.iso2)


@staff_view(EDIT, methods=GET_AND_POST, scope="iso2")
def country(request, iso2):
    found = _country(iso2)
    if request.method != "POST":
        return _country_page(request, found, CountrySettingsForm(instance=found))
    form = CountrySettingsForm(request.POST, request.FILES, instance=_country(iso2))
    if not form.is_valid():
        return _country_page(request, found, form, status=400)
    try:
        changed = services.update_country_settings(
            request.user, found, form.settings_data(), form.hero_upload()
        )
    except ValidationError as error:
        form.add_error("hero_image", error)
        return _country_page(request, found, form, status=400)
    if changed:
        messages.success(request, _("The settings are saved."))
    else:
        messages.info(request, _("Nothing changed."))
    return redirect("staff:country", iso2=found.iso2)


def _country_page(request, country, form, status=200, error=None):
    context = {
        "country": country,
        "form": form,
        "error": error,
        **editing.translations_context(
            country.translations.all(),
            country.languages,
            edit_url=lambda language: reverse(
                "staff:country-translation", args=[country.iso2, language]
            ),
            preview_url=lambda language: reverse(
                "staff:country-preview", args=[country.iso2, language]
            ),
        ),
    }
    return render(request, "campaign/staff/country.html", context, status=status)


@staff_view(EDIT, methods=("POST",), scope="iso2")
def country_publish(request, iso2):
    found = _country(iso2)
    try:
        changed = services.publish_country(request.user, found)
    except ValidationError as error:
        form = CountrySettingsForm(instance=found)
        return _country_page(request, found, form, status=400, error=error.messages[0])
    editing.say_published(request, changed)
    return redirect("staff:country", iso2=found.iso2)


@staff_view(EDIT, methods=("POST",), scope="iso2")
def country_unpublish(request, iso2):
    found = _country(iso2)
    editing.say_unpublished(request, services.unpublish_country(request.user, found))
    return redirect("staff:country", iso2=found.iso2)


@staff_view(EDIT, methods=GET_AND_POST, scope="iso2")
def country_translation(request, iso2, language):
    found = _country(iso2)
    editing.check_language(language)
    translation = found.translations.filter(language=language).first()
    instance = translation or CountryTranslation(country=found, language=language)
    if request.method != "POST":
        form = CountryTranslationForm(
            instance=instance,
            initial={"based_on": drafts.latest_revision_id(translation)},
            country=found,
        )
        return _translation_page(request, found, language, form)
    form = CountryTranslationForm(request.POST, instance=instance, country=found)
    if not form.is_valid():
        return _translation_page(request, found, language, form, status=400)
    try:
        saved = services.save_country_translation(
            request.user,
            found,
            language,
            form.draft(),
            based_on=form.cleaned_data["based_on"],
        )
    except drafts.EditConflict:
        editing.explain_conflict(form, found.translations.filter(language=language).first())
        return _translation_page(request, found, language, form, status=409)
    editing.say_saved(request, saved is not None)
    return redirect("staff:country-translation", iso2=found.iso2, language=language)


def _translation_page(request, country, language, form, status=200):
    context = {
        "heading": _("%(country)s: page text in %(language)s")
        % {"country": country.code.name, "language": editing.language_name(language)},
        "form": form,
        "language": language,
        "back_url": reverse("staff:country", args=[country.iso2]),
        "preview_url": reverse("staff:country-preview", args=[country.iso2, language]),
        "history_url": reverse("staff:country-history", args=[country.iso2]),
    }
    return render(request, "core/staff/translation.html", context, status=status)


@staff_view(EDIT, scope="iso2")
def country_preview(request, iso2, language):
    found = _country(iso2)
    editing.check_language(language)
    if not found.translations.filter(language=language).exists():
        raise Http404
    return editing.preview(
        request,
        "campaign/country.html",
        lambda: country_page_context(found, language, draft=True),
        language=language,
        back_url=reverse("staff:country-translation", args=[found.iso2, language]),
    )


@staff_view(EDIT, scope="iso2")
def country_history(request, iso2):
    found = _country(iso2)
    subjects = [
        Subject(
            _("Settings"),
            list(found.history.order_by("history_date", "history_id")),
            (*services.SETTINGS_FIELDS, "is_published"),
        )
    ]
    subjects += editing.translation_subjects(found.translations.all())
    return editing.history(
        request,
        timeline(subjects, staff_addresses),
        heading=_("%(country)s: history") % {"country": found.code.name},
        back_url=reverse("staff:country", args=[found.iso2]),
        restore_url=lambda language, revision: reverse(
            "staff:country-restore", args=[found.iso2, language, revision]
        ),
    )


@staff_view(EDIT, methods=("POST",), scope="iso2")
def country_restore(request, iso2, language, revision):
    found = _country(iso2)
    editing.check_language(language)
    translation = get_object_or_404(CountryTranslation, country=found, language=language)
    try:
        restored = services.restore_country_translation(request.user, translation, revision)
    except LookupError:
        raise Http404 from None
    editing.say_restored(request, restored)
    return redirect("staff:country-translation", iso2=found.iso2, language=language)
