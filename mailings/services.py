"""The mailing flows: campaign updates (write, preview, test-send, send or
schedule), the welcome, unsubscribing, bounces and complaints.

Staff actions check that the actor may act for the audience (the views check
too; this is the line that holds if a new caller forgets): an organiser may
write to anyone, a moderator only to their own countries' supporters.
"""

import logging
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import User
from accounts.rules import can, countries_in_scope
from core.mail import queue_email
from mailings import emails, sending
from mailings.models import Delivery, Mailing, MailingText, Suppression
from pledges.models import Pledge

logger = logging.getLogger(__name__)

ACTION = "send_updates"
EDITABLE = (Mailing.State.DRAFT, Mailing.State.SCHEDULED)


def may_address(actor: User, country: str) -> bool:
    """May `actor` write to this audience ("" for every country)?"""
    if country:
        return can(actor, ACTION, country)
    return countries_in_scope(actor, ACTION) is None


def check_audience(actor: User, country: str) -> None:
    if not may_address(actor, country):
        raise PermissionDenied


def updates_for(actor: User):
    """The updates `actor` may see and act on: all, or their countries'."""
    updates = Mailing.objects.filter(kind=Mailing.Kind.UPDATE)
    scope = countries_in_scope(actor, ACTION)
    if scope is None:
        return updates
    return updates.filter(country__in=sorted(scope))


@transaction.atomic
def save_update(
    actor: User,
    *,
    mailing: Mailing | None,
    country: str,
    language: str,
    texts: dict[str, tuple[str, str]],
    now: datetime | None = None,
) -> Mailing:
    """Create or change a draft (or scheduled) update: its audience and its
    {language: (subject, body)} texts; a language left out loses its text."""
    check_audience(actor, country)
    now = now or timezone.now()
    if mailing is None:
        mailing = Mailing.objects.create(kind=Mailing.Kind.UPDATE, created_by=actor, created_at=now)
    else:
        mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
        check_audience(actor, mailing.country)
        if mailing.state not in EDITABLE:
            raise PermissionDenied
    mailing.country = country
    mailing.language = language
    mailing.save(update_fields=["country", "language"])
    MailingText.objects.filter(mailing=mailing).exclude(language__in=list(texts)).delete()
    for text_language, (subject, body) in texts.items():
        MailingText.objects.update_or_create(
            mailing=mailing, language=text_language, defaults={"subject": subject, "body": body}
        )
    return mailing


def open_update(actor: User, mailing_id: int) -> Mailing:
    """The update `actor` asked for by its id: Mailing.DoesNotExist if there is
    none, PermissionDenied if it is another country's (a moderator learns that
    it exists, as staff_view's scope tells of a country page, and no more)."""
    mailing = Mailing.objects.get(pk=mailing_id, kind=Mailing.Kind.UPDATE)
    check_audience(actor, mailing.country)
    return mailing


def _sample(actor: User, mailing: Mailing, language: str):
    """The update as a supporter reading `language` gets it, addressed to the
    actor. The pledge is never saved: its links lead nowhere (a 404)."""
    check_audience(actor, mailing.country)
    sample = Pledge(
        public_id="00000000-0000-0000-0000-000000000000",
        email=actor.email,
        display_name=actor.email,
        language=language,
    )
    return emails.update(mailing, sample)


def preview_html(actor: User, mailing: Mailing, language: str) -> str | None:
    """The HTML part of the update a supporter reading `language` gets; None
    if it has no text at all."""
    message = _sample(actor, mailing, language)
    if message is None:
        return None
    return next(content for content, mimetype in message.alternatives if mimetype == "text/html")


def test_send(actor: User, mailing: Mailing, language: str) -> None:
    """The update as a supporter reading `language` gets it, to the author's
    own address only (through the outbox, like every message)."""
    message = _sample(actor, mailing, language)
    if message is not None:
        with transaction.atomic():
            queue_email(message, own=True)


@transaction.atomic
def send_update(actor: User, mailing: Mailing, *, at: datetime | None = None) -> bool:
    """Send the update now, or schedule it for `at`. False if it has no text
    or is no longer a draft or scheduled."""
    mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
    check_audience(actor, mailing.country)
    if mailing.state not in EDITABLE or not mailing.texts.exists():
        return False
    now = timezone.now()
    if at is not None and at > now:
        mailing.state = Mailing.State.SCHEDULED
        mailing.scheduled_for = at
        mailing.save(update_fields=["state", "scheduled_for"])
        return True
    return sending.start(mailing, now)


@transaction.atomic
def unschedule(actor: User, mailing: Mailing) -> bool:
    """Back to a draft, if it has not started."""
    check_audience(actor, mailing.country)
    return bool(
        Mailing.objects.filter(pk=mailing.pk, state=Mailing.State.SCHEDULED).update(
            state=Mailing.State.DRAFT, scheduled_for=None
        )
    )


def progress(mailing: Mailing) -> dict:
    """Sent out of total, for the author's progress bar. The unfinished rows
    are counted through their partial index, so this stays cheap mid-run."""
    mailing.refresh_from_db(fields=["state", "total", "sent", "fanned_out_at", "finished_at"])
    unfinished = Delivery.objects.filter(mailing=mailing).unfinished().count()
    done = mailing.total - unfinished if mailing.fanned_out_at else 0
    sent = mailing.sent if mailing.state == Mailing.State.SENT else None
    return {
        "state": mailing.state,
        "total": mailing.total,
        "done": done,
        "sent": sent,
        "percent": round(100 * done / mailing.total) if mailing.total else 0,
        "finished": mailing.state == Mailing.State.SENT,
    }


# -- the welcome -------------------------------------------------------------


def welcome_mailing() -> Mailing:
    """The one welcome mailing: always sending, its recipients added as they
    confirm."""
    mailing, _ = Mailing.objects.get_or_create(
        kind=Mailing.Kind.WELCOME,
        key="welcome",
        defaults={"state": Mailing.State.SENDING, "fanned_out_at": timezone.now()},
    )
    return mailing


def owe_welcome(pledge: Pledge, now: datetime | None = None) -> None:
    """In the confirming transaction: the welcome is owed if it commits."""
    sending.add_recipient(welcome_mailing(), now, pledge=pledge)


# -- unsubscribing, bounces, complaints --------------------------------------


def pledge_for_token(public_id: str | None) -> Pledge | None:
    if public_id is None:
        return None
    return Pledge.objects.confirmed().filter(public_id=public_id, erased_at__isnull=True).first()


def unsubscribe(pledge: Pledge, now: datetime | None = None) -> bool:
    """No more news, at once. True if this changed anything."""
    now = now or timezone.now()
    return bool(
        Pledge.objects.filter(pk=pledge.pk, wants_updates=True).update(
            wants_updates=False, news_changed_at=now
        )
    )


def _pledges_at(address: str):
    return Pledge.objects.for_email(address)


def mark_undeliverable(address: str, reason: str, now: datetime | None = None) -> None:
    """Never mail this address again (a hard bounce, a complaint); a complaint
    also ends its news, as the owner asked us, loudly, to stop."""
    now = now or timezone.now()
    Suppression.objects.bulk_create(
        [Suppression(address=address.lower(), reason=reason, created_at=now)],
        ignore_conflicts=True,
    )
    if reason == Suppression.Reason.COMPLAINED:
        _pledges_at(address).filter(wants_updates=True).update(
            wants_updates=False, news_changed_at=now
        )


def forget(addresses, pledge_ids) -> None:
    """Erasure: the deliveries of these pledges and the suppressions of these
    addresses go (accounts.privacy)."""
    Delivery.objects.filter(pledge_id__in=list(pledge_ids)).delete()
    lowered = {address.lower() for address in addresses if address}
    if lowered:
        Suppression.objects.annotate(lower=Lower("address")).filter(lower__in=lowered).delete()
