"""Helpers for the tests of signing in (django-allauth): the code an email carries,
and signing in through the real pages in a browser."""

import re

from django.core import mail
from django.test import TestCase

# allauth's codes read like "HXWW-GBNM"; our emails put one alone on a line.
CODE_LINE = re.compile(r"^([A-Z0-9]{4}-[A-Z0-9]{4})\r?$", re.MULTILINE)


def requests_mail():
    """Around a request in a test that runs inside one transaction (not a live
    server's): run what the request queued on commit as its commit would, so the
    email it queued is sent (with eager_tasks, in-process, into mail.outbox)."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def code_in(message) -> str:
    """The sign-in or verification code in an email (an EmailMessage, or an
    email.message.EmailMessage as the SMTP sink keeps it)."""
    body = message.body if hasattr(message, "body") else message.get_body(("plain",)).get_content()
    match = CODE_LINE.search(body)
    assert match, f"no code in: {body!r}"
    return match.group(1)


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
