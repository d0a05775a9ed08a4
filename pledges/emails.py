"""One function per email; each renders templates/pledges/emails/<name>-subject.txt,
-body.txt and -body.html in the pledge's language, and returns the message for
the outbox to send (core.outbox)."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import translation

from core.mail import render_email
from pledges.models import Pledge
from pledges.tokens import CONFIRM_MAX_AGE, make_confirm_token


def confirmation(pledge: Pledge) -> EmailMessage:
    # No name in it: whoever signed may not be the address's owner, and nothing
    # a stranger typed should reach someone's inbox in our words.
    with translation.override(pledge.language):
        confirm_path = reverse("pledges:confirm", args=[make_confirm_token(pledge.public_id)])
    return render_email(
        "pledges/emails/confirmation",
        to=pledge.email,
        language=pledge.language,
        context={
            "confirm_url": settings.SITE_URL + confirm_path,
            "valid_days": CONFIRM_MAX_AGE.days,
        },
    )


def already_pledged(pledge: Pledge) -> EmailMessage:
    # Sent to a confirmed pledge: its name is the one the owner confirmed.
    with translation.override(pledge.language):
        home_path = reverse("campaign:home")
    return render_email(
        "pledges/emails/already-pledged",
        to=pledge.email,
        language=pledge.language,
        context={"pledge": pledge, "home_url": settings.SITE_URL + home_path},
    )


def for_pledge(pledge: Pledge) -> EmailMessage | None:
    """The email the pledge is owed now, or None if there is nothing to send."""
    if pledge.email_due == Pledge.EmailDue.ALREADY_PLEDGED:
        return already_pledged(pledge)
    if pledge.email_due == Pledge.EmailDue.CONFIRMATION and not pledge.is_confirmed:
        return confirmation(pledge)
    return None
