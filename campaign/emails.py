"""One function per launch sign-up email; each renders
templates/campaign/emails/<name>-subject.txt, -body.txt and -body.html in the
subscription's language, and returns the message: the sign-up emails for the
outbox to send (for_subscription), the launch email for the country's launch
mailing (mailings.emails.build)."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import translation

from campaign.models import Country, LaunchSubscription
from campaign.tokens import LAUNCH_CONFIRM_MAX_AGE, make_launch_token
from core.mail import render_email


def country_page_url(country: Country, language: str) -> str:
    """The country's launch page in that language, absolute."""
    with translation.override(language):
        return settings.SITE_URL + country.page_path()


def confirmation(subscription: LaunchSubscription) -> EmailMessage:
    # Nothing a stranger typed is in it: whoever asked may not own the address.
    with translation.override(subscription.language):
        path = reverse("campaign:launch-confirm", args=[make_launch_token(subscription.public_id)])
    return render_email(
        "campaign/emails/launch-confirmation",
        to=subscription.email,
        language=subscription.language,
        context={
            "country": subscription.country,
            "confirm_url": settings.SITE_URL + path,
            "valid_days": LAUNCH_CONFIRM_MAX_AGE.days,
        },
    )


def already_subscribed(subscription: LaunchSubscription) -> EmailMessage:
    return render_email(
        "campaign/emails/launch-already-subscribed",
        to=subscription.email,
        language=subscription.language,
        context={"country": subscription.country},
    )


def launched(subscription: LaunchSubscription) -> EmailMessage:
    # One delivery of the country's launch mailing (campaign.services.announce_launch).
    country = subscription.country
    return render_email(
        "campaign/emails/launched",
        to=subscription.email,
        language=subscription.language,
        context={
            "country": country,
            "country_url": country_page_url(country, subscription.language),
        },
    )


def for_subscription(subscription: LaunchSubscription) -> EmailMessage | None:
    """The sign-up email the subscription is owed now, or None if nothing needs
    sending."""
    due = subscription.email_due
    if due == LaunchSubscription.EmailDue.ALREADY_SUBSCRIBED and subscription.is_confirmed:
        return already_subscribed(subscription)
    if (
        due == LaunchSubscription.EmailDue.CONFIRMATION
        and not subscription.is_confirmed
        and subscription.country.status == Country.Status.UPCOMING
    ):
        return confirmation(subscription)
    return None
