"""One function per email; each renders <name>-subject.txt, -body.txt and
-body.html under templates/pledges/emails/, in the supporter's language."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from pledges.models import Pledge
from pledges.tokens import CONFIRM_MAX_AGE, make_confirm_token


def send_confirmation(pledge: Pledge) -> None:
    with translation.override(pledge.language):
        confirm_path = reverse("pledges:confirm", args=[make_confirm_token(pledge.public_id)])
        _send(
            "confirmation",
            pledge,
            {
                "confirm_url": settings.SITE_URL + confirm_path,
                "valid_days": CONFIRM_MAX_AGE.days,
            },
        )


def send_already_pledged(pledge: Pledge) -> None:
    with translation.override(pledge.language):
        _send("already-pledged", pledge, {"home_url": settings.SITE_URL + reverse("campaign:home")})


def _send(name: str, pledge: Pledge, context: dict) -> None:
    context = {"pledge": pledge, "site_url": settings.SITE_URL, **context}
    prefix = f"pledges/emails/{name}"
    # A subject is one line, whatever the template's whitespace.
    subject = " ".join(render_to_string(f"{prefix}-subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{prefix}-body.txt", context),
        to=[pledge.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(render_to_string(f"{prefix}-body.html", context), "text/html")
    message.send()
