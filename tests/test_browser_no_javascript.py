"""Every core task works with JavaScript off, in Chromium: switch the language, sign
the pledge, confirm it from the email's link and see the badge page."""

import pytest
from django.core import mail

from pledges.models import Pledge
from tests.conftest import confirm_path

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # The confirmation email is sent in-process, into mail.outbox.
    pytest.mark.usefixtures("eager_tasks"),
]


def test_it_switches_language_signs_confirms_and_shows_the_badge(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/")

    # The language links are plain links.
    page.locator('.languages a[hreflang="pt"]').click()
    page.wait_for_url("**/pt/")
    assert page.locator("html").get_attribute("lang") == "pt"

    page.locator("#id_display_name").fill("Ana Silva")
    page.locator("#id_email").fill("ana@example.org")
    page.locator("#id_country").select_option("PT")
    page.locator("#id_pledge").check()
    page.locator('.pledge-form [type="submit"]').click()
    page.wait_for_url("**/pt/pledge/sent/")

    [message] = mail.outbox
    page.goto(live_server.url + confirm_path(message))
    page.locator('main form [type="submit"]').first.click()
    page.wait_for_load_state()
    pledge = Pledge.objects.get(email="ana@example.org")
    assert pledge.is_confirmed

    # The thank-you page links to the badge, which is a plain image.
    page.locator(f'main a[href$="/badge/{pledge.public_id}/"]').click()
    page.wait_for_url(f"**/pt/badge/{pledge.public_id}/")
    badge = page.locator("figure.badge img")
    assert badge.evaluate("image => image.complete && image.naturalWidth") == 1080
    context.close()
