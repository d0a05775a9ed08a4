"""What organisers do to the information pages, each a named action that
checks the actor may, writes in one transaction and leaves a revision naming
them (core.drafts)."""

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import User
from accounts.rules import can
from core import drafts
from pages.models import Page, PageTranslation


def _check(actor: User) -> None:
    if not can(actor, "edit_pages"):
        raise PermissionDenied


def save_page_translation(
    actor: User, page: Page, language: str, data: dict, *, based_on: int | None
) -> PageTranslation | None:
    """Save the draft of the page in `language` (None: no change). Raises
    drafts.EditConflict if someone saved it since `based_on`."""
    _check(actor)
    return drafts.save_draft(
        PageTranslation.objects.filter(page=page),
        language,
        data,
        actor,
        based_on=based_on,
        parent_field="page",
        parent=page,
    )


def publish_page(actor: User, page: Page, now: datetime | None = None) -> bool:
    _check(actor)
    return drafts.publish(
        page, PageTranslation.objects.filter(page=page), actor, now or timezone.now()
    )


def unpublish_page(actor: User, page: Page) -> bool:
    _check(actor)
    return drafts.unpublish(page, actor)


def restore_page_translation(actor: User, translation: PageTranslation, revision_id: int) -> bool:
    _check(actor)
    return drafts.restore(translation, revision_id, actor)
