"""One function per email of the mailings; each renders its templates under
templates/mailings/emails/ in the recipient's language (English when the
mailing has no text in it) through the one layout, templates/emails/base.html.

`build(delivery)` returns the message a delivery owes, or None when its
recipient should no longer get it (mailings.audiences.still_wanted).
"""

from functools import lru_cache

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import translation

from campaign import emails as campaign_emails
from core.mail import render_email
from core.markdown import render_markdown
from mailings import audiences
from mailings.models import Delivery, Mailing, MailingText
from mailings.tokens import make_token
from pledges.models import Pledge

FALLBACK_LANGUAGE = "en"


def build(delivery: Delivery) -> EmailMessage | None:
    if not audiences.still_wanted(delivery):
        return None
    mailing = delivery.mailing
    if mailing.kind == Mailing.Kind.WELCOME:
        return welcome(delivery.pledge)
    if mailing.kind == Mailing.Kind.UPDATE:
        return update(mailing, delivery.pledge)
    if mailing.kind == Mailing.Kind.MILESTONE:
        if delivery.pledge_id is not None:
            return milestone(mailing, delivery.pledge)
        return milestone_for_staff(mailing, delivery.user)
    if mailing.kind == Mailing.Kind.DIGEST:
        return digest(mailing, delivery.user)
    if mailing.kind == Mailing.Kind.LAUNCH:
        return campaign_emails.launched(delivery.subscription)
    return None


def _url(name: str, language: str, *args) -> str:
    with translation.override(language):
        return settings.SITE_URL + reverse(name, args=args)


def _supporter_links(pledge: Pledge) -> dict:
    token = make_token(pledge.public_id)
    return {
        "unsubscribe_url": _url("mailings:unsubscribe", pledge.language, token),
        "preferences_url": _url("mailings:preferences", pledge.language, token),
    }


def _news(message: EmailMessage, links: dict) -> EmailMessage:
    """RFC 8058 one-click unsubscribe: the mail client POSTs to the link."""
    message.extra_headers["List-Unsubscribe"] = f"<{links['unsubscribe_url']}>"
    message.extra_headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message


def welcome(pledge: Pledge) -> EmailMessage:
    links = _supporter_links(pledge)
    return render_email(
        "mailings/emails/welcome",
        to=pledge.email,
        language=pledge.language,
        context={
            "pledge": pledge,
            "badge_url": _url("badges:page", pledge.language, pledge.public_id),
            "my_pledge_url": _url("my-pledge", pledge.language),
            **links,
        },
    )


def text_for(mailing: Mailing, language: str) -> MailingText | None:
    """The update's text in `language`, else in English, else any."""
    texts = {text.language: text for text in mailing.texts.all()}
    return texts.get(language) or texts.get(FALLBACK_LANGUAGE) or next(iter(texts.values()), None)


@lru_cache(maxsize=32)
def _body_html(body: str) -> str:
    # The same text for every reader of a language: sanitised once per worker.
    return render_markdown(body, doc_id="update")


def update(mailing: Mailing, pledge: Pledge) -> EmailMessage | None:
    text = text_for(mailing, pledge.language)
    if text is None:
        return None
    links = _supporter_links(pledge)
    return _news(
        render_email(
            "mailings/emails/update",
            to=pledge.email,
            # The layout's words follow the text's language, so nothing is mixed.
            language=text.language,
            context={
                "subject": text.subject,
                "body_text": text.body,
                "body_html": _body_html(text.body),
                "text_language": text.language,
                **links,
            },
        ),
        links,
    )


def _milestone_context(mailing: Mailing) -> dict:
    value = int(mailing.key.rsplit(":", 1)[1])
    return {"milestone": value, "country": mailing.country.name if mailing.country else ""}


def milestone(mailing: Mailing, pledge: Pledge) -> EmailMessage:
    links = _supporter_links(pledge)
    return _news(
        render_email(
            "mailings/emails/milestone",
            to=pledge.email,
            language=pledge.language,
            context={**_milestone_context(mailing), **links},
        ),
        links,
    )


def staff_language(user) -> str:
    """The language of a staff member's emails. Staff accounts have no language
    of their own: the one they chose for the emails of their own pledge, if they
    signed one (the owner decides), or else English."""
    from accounts.privacy import pledges_of

    chosen = (
        pledges_of(user)
        .filter(confirmed_at__isnull=False)
        .values_list("language", flat=True)
        .first()
    )
    return chosen if chosen in dict(settings.LANGUAGES) else FALLBACK_LANGUAGE


def milestone_for_staff(mailing: Mailing, user) -> EmailMessage:
    language = staff_language(user)
    with translation.override(language):  # the country's name, in that language
        context = _milestone_context(mailing)
    return render_email(
        "mailings/emails/milestone-staff", to=user.email, language=language, context=context
    )


def digest(mailing: Mailing, user) -> EmailMessage:
    from mailings import digests

    language = staff_language(user)
    with translation.override(language):  # the countries' names, in that language
        context = digests.context(mailing)
    return render_email("mailings/emails/digest", to=user.email, language=language, context=context)
