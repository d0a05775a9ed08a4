"""Helpers for the tests of signing in (django-allauth): people with accounts,
the code an email carries, and a stand-in for the page signing in lands on."""

import base64
import hashlib
import hmac
import re
import struct
import time

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
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


def sign_in_in_browser(
    page, base_url: str, address: str, *, lands_on: str = "**/my-pledge/"
) -> None:
    """Sign in through the real pages, as a person would: the header's link, the
    address, the code from the email (the test mailer's outbox)."""
    page.goto(f"{base_url}/")
    page.locator("header").get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill(address)
    page.get_by_role("button", name="Email me a sign-in code").click()
    page.wait_for_url("**/accounts/login/code/confirm/")
    page.get_by_label("Code").fill(code_in(mail.outbox[-1]))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(lands_on)


def totp_code(secret: str, at: float | None = None) -> str:
    """The code an authenticator app shows now for this secret (RFC 6238: SHA-1,
    30-second steps, 6 digits, allauth's defaults)."""
    counter = int((time.time() if at is None else at) // 30)
    key = base64.b32decode(secret, casefold=True)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"
