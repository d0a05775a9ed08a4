"""What moderators do to their countries' pages, each a named action.

Every action checks that the actor may act for the country (the views check
too; this is the line that holds if a new caller forgets), writes in one
transaction, and leaves a revision naming the actor (core.drafts).
"""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.rules import can
from campaign.images import store_hero_image
from campaign.models import Country, CountryTranslation
from core import drafts
from core.shared_pages import content_changed

# The settings a moderator edits on the country's page (the form's fields).
SETTINGS_FIELDS = (
    "status",
    "launch_date",
    "launch_date_precision",
    "languages",
    "supporter_goal",
    "hero_image",
)


def _check(actor: User, country_code: str) -> None:
    if not can(actor, "edit_country", country_code):
        raise PermissionDenied


def create_country(actor: User, code: str) -> tuple[Country, bool]:
    """The country's row, created unpublished if it was missing (False then)."""
    _check(actor, code)
    country = Country(code=code)
    try:
        with transaction.atomic():
            drafts.record_save(country, actor)
    except IntegrityError:  # created a moment ago, from another tab
        return Country.objects.get(code=code), False
    return country, True


def update_country_settings(actor: User, country: Country, data: dict, hero_upload=None) -> bool:
    """Change the country's settings (those of SETTINGS_FIELDS given in
    `data`) and, given an uploaded file, its hero image (False: remove it);
    False if nothing changed. Raises ValidationError, translated, for an
    upload that is not an image we take; nothing is changed then.

    Settings have no draft: on a published page they show at once, so every
    worker drops its copy of the page."""
    _check(actor, country.code)
    if hero_upload is False:
        data = {**data, "hero_image": ""}
    elif hero_upload is not None:
        # Stored before the transaction: a file is named by its content, so one
        # left over by a failed save is the same file the next try stores.
        data = {**data, "hero_image": store_hero_image(hero_upload)}
    with transaction.atomic():
        country = Country.objects.select_for_update().get(pk=country.pk)
        changed = [
            name
            for name in SETTINGS_FIELDS
            if name in data and getattr(country, name) != data[name]
        ]
        if not changed:
            return False
        for name in changed:
            setattr(country, name, data[name])
        drafts.record_save(country, actor, [*changed, "updated_at"])
        if country.is_published:
            content_changed()
    return True


def save_country_translation(
    actor: User, country: Country, language: str, data: dict, *, based_on: int | None
) -> CountryTranslation | None:
    """Save the draft of the country's page in `language` (None: no change).
    Raises drafts.EditConflict if someone saved it since `based_on`."""
    _check(actor, country.code)
    return drafts.save_draft(
        CountryTranslation.objects.filter(country=country),
        language,
        data,
        actor,
        based_on=based_on,
        parent_field="country",
        parent=country,
    )


def publish_country(actor: User, country: Country, now: datetime | None = None) -> bool:
    _check(actor, country.code)
    return drafts.publish(
        country,
        CountryTranslation.objects.filter(country=country),
        actor,
        now or timezone.now(),
        check=_hero_described,
    )


def _hero_described(country: Country, translations: list[CountryTranslation]) -> None:
    # An image the page shows without words would tell screen reader users nothing.
    if not country.hero_image:
        return
    missing = [t.get_language_display() for t in translations if not t.hero_alt.strip()]
    if missing:
        raise ValidationError(
            _("Describe the hero image in every language before publishing: %(languages)s.")
            % {"languages": ", ".join(str(name) for name in missing)},
            code="hero_alt",
        )


def unpublish_country(actor: User, country: Country) -> bool:
    _check(actor, country.code)
    return drafts.unpublish(country, actor)


def restore_country_translation(
    actor: User, translation: CountryTranslation, revision_id: int
) -> bool:
    _check(actor, translation.country.code)
    return drafts.restore(translation, revision_id, actor)
