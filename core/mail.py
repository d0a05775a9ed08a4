"""Every email is rendered the same way: <prefix>-subject.txt, -body.txt and
-body.html, in the recipient's language, with the site's address at hand."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def render_email(prefix: str, *, to: str, language: str, context: dict) -> EmailMultiAlternatives:
    with translation.override(language):
        context = {"site_url": settings.SITE_URL, **context}
        # A subject is one line, whatever the template's whitespace.
        subject = " ".join(render_to_string(f"{prefix}-subject.txt", context).split())
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string(f"{prefix}-body.txt", context),
            to=[to],
            headers={"Auto-Submitted": "auto-generated"},
        )
        message.attach_alternative(render_to_string(f"{prefix}-body.html", context), "text/html")
    return message
