"""Signing in and setting up two-factor authentication through the real pages in
headless Chromium with JavaScript off: every allauth page used works without it.

Ana is a supporter with an account; Marta will moderate Portugal, so she sets up an
authenticator app before any staff page opens to her."""

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail

from tests.signin import code_in, sign_in_in_browser
from tests.staff import make_user, totp_code

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # allauth's emails go through the outbox: the tasks run in-process here.
    pytest.mark.usefixtures("eager_tasks"),
]


@pytest.fixture
def page(browser):
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    yield context.new_page()
    context.close()


def test_it_signs_in_and_out_without_javascript(page, live_server):
    make_user("ana@example.org")
    sign_in_in_browser(page, live_server.url, "ana@example.org")

    page.goto(live_server.url + "/accounts/email/")
    header = page.locator("header")
    assert "Signed in as ana@example.org" in header.inner_text()
    header.get_by_role("button", name="Sign out").click()
    page.wait_for_url(live_server.url + "/")
    assert page.locator("header").get_by_role("link", name="Sign in").is_visible()


def test_it_signs_in_in_portuguese_without_javascript(page, live_server):
    make_user("ana@example.org")
    page.goto(live_server.url + "/pt/")
    page.locator("header").get_by_role("link", name="Iniciar sessão").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Iniciar sessão"
    page.get_by_label("E-mail").fill("ana@example.org")
    page.get_by_role("button", name="Enviar-me um código para iniciar sessão").click()
    page.wait_for_url("**/pt/accounts/login/code/confirm/")
    page.get_by_label("Código").fill("AAAA-AAAA")
    page.get_by_role("button", name="Confirmar").click()
    assert page.locator(".field").get_by_text("Código errado.").is_visible()


def test_it_sets_up_an_authenticator_app_without_javascript(page, live_server):
    marta = make_user("marta@example.org")
    sign_in_in_browser(page, live_server.url, "marta@example.org")

    page.goto(live_server.url + "/accounts/2fa/")
    page.get_by_role("link", name="Activate").click()
    # Setting it up asks her to confirm it is her, with another code by email.
    page.wait_for_url("**/accounts/reauthenticate/code/?*")
    page.get_by_role("button", name="Request Code").click()
    page.wait_for_url("**/accounts/reauthenticate/code/confirm/?*")
    page.get_by_label("Code").fill(code_in(mail.outbox[-1]))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    assert page.get_by_role("img").get_attribute("src").startswith("data:image/svg+xml")
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()

    page.wait_for_url("**/accounts/2fa/recovery-codes/")
    recovery_codes = page.get_by_label("Unused codes").input_value().split()
    assert len(recovery_codes) == 10
    assert set(Authenticator.objects.filter(user=marta).values_list("type", flat=True)) == {
        "totp",
        "recovery_codes",
    }

    # The next time she signs in, the code from the email is not enough.
    page.locator("header").get_by_role("button", name="Sign out").click()
    page.wait_for_url(live_server.url + "/")
    sign_in_in_browser(
        page, live_server.url, "marta@example.org", lands_on="**/accounts/2fa/authenticate/"
    )
    page.get_by_label("Code").fill(recovery_codes[0])
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/my-pledge/")
