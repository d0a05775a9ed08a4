"""Helpers for the tests of signing in (django-allauth): people with accounts,
the code an email carries, and a stand-in for the page signing in lands on."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import NoReverseMatch, reverse

from accounts.models import User

# allauth's codes read like "HXWW-GBNM"; our emails put one alone on a line.
CODE_LINE = re.compile(r"^([A-Z0-9]{4}-[A-Z0-9]{4})\r?$", re.MULTILINE)


def code_in(message) -> str:
    """The sign-in or verification code in an email (an EmailMessage, or an
    email.message.EmailMessage as the SMTP sink keeps it)."""
    body = message.body if hasattr(message, "body") else message.get_body(("plain",)).get_content()
    match = CODE_LINE.search(body)
    assert match, f"no code in: {body!r}"
    return match.group(1)


def make_account(email: str, *, verified: bool = True) -> User:
    """An account as signing up leaves it: no password, the address verified."""
    user = User.objects.create_user(username=f"user-{email.split('@')[0]}", email=email)
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


@pytest.fixture
def my_pledge_route(settings):
    """Signing in lands on /my-pledge/ (LOGIN_REDIRECT_URL, a URL name); until that
    page is merged into this tree, a stand-in answers there."""
    try:
        reverse("my-pledge")
    except NoReverseMatch:
        settings.ROOT_URLCONF = "tests.urls_awaiting_my_pledge"
