"""The Share… button in Chromium: shown only where the browser can share
(navigator.share), under the site's own Content-Security-Policy; the plain
share links work everywhere, without JavaScript too."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests import published
from tests.conftest import make_pledge

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_WEB_SHARE = "delete Navigator.prototype.share; delete navigator.share;"
# A stand-in for the device's share sheet: it records what it was given.
FAKE_WEB_SHARE = """
window.shared = [];
Navigator.prototype.share = function (data) { window.shared.push(data); return Promise.resolve(); };
"""


@pytest.fixture
def new_page(browser):
    contexts = []

    def open_page(init_script=None, **options):
        context = browser.new_context(**options)
        contexts.append(context)
        if init_script:
            context.add_init_script(init_script)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def share_button(page):
    return page.get_by_role("button", name="Share…", include_hidden=True)


def test_it_hides_the_share_button_without_navigator_share(new_page, live_server):
    published.spain()
    page = new_page(NO_WEB_SHARE)
    page.goto(f"{live_server.url}/countries/es/")
    page.wait_for_load_state("load")  # the deferred script has run
    expect(share_button(page)).to_be_hidden()
    expect(page.get_by_role("link", name="Share on Facebook")).to_be_visible()


def test_it_hides_the_share_button_without_javascript(new_page, live_server):
    pledge = make_pledge("ana@example.org", "PT")
    page = new_page(java_script_enabled=False)
    page.goto(f"{live_server.url}/badge/{pledge.public_id}/")
    expect(share_button(page)).to_be_hidden()
    expect(page.get_by_role("link", name="Share by email")).to_be_visible()


def test_it_shares_the_page_where_the_browser_can(new_page, live_server):
    pledge = make_pledge("ana@example.org", "PT")
    page = new_page(FAKE_WEB_SHARE)
    path = f"/badge/{pledge.public_id}/"
    page.goto(live_server.url + path)
    button = share_button(page)
    expect(button).to_be_visible()
    button.click()
    shared = page.evaluate("window.shared")
    assert len(shared) == 1
    assert shared[0]["url"] == settings.SITE_URL + path
    assert shared[0]["title"]
