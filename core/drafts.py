"""Content with a draft and a published copy: saving, publishing, restoring.

Country pages and information pages keep their text in translation rows with
draft fields (`CONTENT_FIELDS`) and `published_*` twins, and a parent row with
an `is_published` switch. Editors change drafts freely; the public sees a
change only when someone publishes. Every save goes through `record_save`, so
each revision (django-simple-history) names who made it and why, whatever the
request or task that made it.

A revision's reason is a short language-neutral marker (`PUBLISHED`,
`UNPUBLISHED`, `restored:<id>`), turned into words in the reader's language
when the history is shown (core.revisions).
"""

from collections.abc import Callable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from core.shared_pages import content_changed

PUBLISHED = "published"
UNPUBLISHED = "unpublished"
RESTORED_PREFIX = "restored:"


class EditConflict(Exception):
    """Someone else saved the draft after the editor opened it."""


def record_save(instance: models.Model, actor, update_fields=None, reason: str | None = None):
    """Save, recording `actor` and `reason` on the revision the save makes."""
    instance._history_user = actor
    instance._change_reason = reason
    instance.save(update_fields=update_fields)


def latest_revision_id(instance: models.Model | None) -> int | None:
    """The revision an editor starts from; sent back with the form to spot a
    concurrent edit."""
    if instance is None or instance.pk is None:
        return None
    return instance.history.order_by("-history_id").values_list("history_id", flat=True).first()


def save_draft(
    translations: models.QuerySet,
    language: str,
    data: dict,
    actor,
    *,
    based_on: int | None,
    parent_field: str,
    parent: models.Model,
) -> models.Model | None:
    """Write a translation's draft from `data` (its CONTENT_FIELDS), creating
    the translation if it is new. Returns it, or None if nothing changed.

    Raises EditConflict if the draft is no longer what the editor started from
    (`based_on`, a revision id; None for a translation they saw as new): their
    text must not silently replace someone else's."""
    fields = translations.model.CONTENT_FIELDS
    with transaction.atomic():
        translation = translations.select_for_update().filter(language=language).first()
        if translation is None:
            if based_on is not None:
                raise EditConflict  # deleted meanwhile: not ours to bring back
            translation = translations.model(language=language, **{parent_field: parent})
            for field in fields:
                setattr(translation, field, data[field])
            try:
                with transaction.atomic():
                    record_save(translation, actor)
            except IntegrityError as error:
                raise EditConflict from error  # created by someone else a moment ago
            return translation
        if based_on is None or _draft_at(translation, based_on) != _draft_of(translation):
            raise EditConflict
        if all(getattr(translation, field) == data[field] for field in fields):
            return None
        for field in fields:
            setattr(translation, field, data[field])
        record_save(translation, actor, [*fields, "updated_at"])
    return translation


def _draft_of(instance) -> tuple:
    return tuple(getattr(instance, field) for field in instance.CONTENT_FIELDS)


def _draft_at(translation, revision_id: int) -> tuple | None:
    """The draft as revision `revision_id` of this translation left it."""
    record = translation.history.filter(history_id=revision_id).first()
    return None if record is None else _draft_of_record(record, translation.CONTENT_FIELDS)


def _draft_of_record(record, fields) -> tuple:
    return tuple(getattr(record, field) for field in fields)


def publish(
    parent: models.Model,
    translations: models.QuerySet,
    actor,
    now: datetime,
    check: Callable[[models.Model, list], None] | None = None,
) -> bool:
    """Put every translation's draft live and switch the page on, in one
    transaction; every worker serves the new text once it commits. False if the
    page was live as drafted already. A page without any translation has
    nothing to show: refused with a translated error, as is anything `check`
    (given the locked parent and translations) raises ValidationError for."""
    with transaction.atomic():
        parent = type(parent).objects.select_for_update().get(pk=parent.pk)
        rows = list(translations.select_for_update())
        if not rows:
            raise ValidationError(
                _("Write at least one translation before publishing."), code="empty"
            )
        if check is not None:
            check(parent, rows)
        changed = 0
        for translation in rows:
            fields = translation.CONTENT_FIELDS
            if translation.is_live and all(
                getattr(translation, f"published_{field}") == getattr(translation, field)
                for field in fields
            ):
                continue  # already live as drafted: no revision that changes nothing
            for field in fields:
                setattr(translation, f"published_{field}", getattr(translation, field))
            translation.published_at = now
            update = [f"published_{field}" for field in fields] + ["published_at", "updated_at"]
            record_save(translation, actor, update, PUBLISHED)
            changed += 1
        if changed or not parent.is_published:
            parent.is_published = True
            parent.published_at = now
            record_save(parent, actor, ["is_published", "published_at", "updated_at"], PUBLISHED)
            content_changed()
            return True
    return False


def unpublish(parent: models.Model, actor) -> bool:
    """Take the page off the site (its text stays, ready to publish again).
    False if it was not published."""
    with transaction.atomic():
        parent = type(parent).objects.select_for_update().get(pk=parent.pk)
        if not parent.is_published:
            return False
        parent.is_published = False
        record_save(parent, actor, ["is_published", "updated_at"], UNPUBLISHED)
        content_changed()
    return True


def restore(translation: models.Model, revision_id: int, actor) -> bool:
    """Bring back the draft of an earlier revision of this translation, as a new
    revision that says where it came from. Not live until published. False if
    the draft is that already. Raises LookupError for a revision that is not
    this translation's."""
    fields = translation.CONTENT_FIELDS
    with transaction.atomic():
        translation = type(translation).objects.select_for_update().get(pk=translation.pk)
        record = translation.history.filter(history_id=revision_id).first()
        if record is None:
            raise LookupError(revision_id)
        if _draft_of_record(record, fields) == _draft_of(translation):
            return False
        for field in fields:
            setattr(translation, field, getattr(record, field))
        record_save(
            translation, actor, [*fields, "updated_at"], f"{RESTORED_PREFIX}{record.history_id}"
        )
    return True
