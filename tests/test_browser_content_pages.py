"""The information and country pages in headless Chromium: they ask no other
site for anything, and Bruno signs from Spain's page without JavaScript,
Spain already chosen for him."""

from urllib.parse import urlsplit

import pytest

from pledges.models import PledgeRequest
from tests import published

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PATHS = ["/learn/", "/learn/get-help/", "/countries/", "/countries/es/", "/pt/countries/pt/"]


@pytest.fixture
def content():
    published.spain(supporter_goal=1000)
    published.portugal()
    published.page("get-help", texts={"en": {"title": "Get help", "body": "Call 112."}})


def test_they_make_no_third_party_requests(browser, live_server, content):
    context = browser.new_context()
    page = context.new_page()
    requested_hosts = set()
    page.on("request", lambda request: requested_hosts.add(urlsplit(request.url).netloc))
    for path in PATHS:
        assert page.goto(live_server.url + path).status == 200, path
        page.wait_for_load_state("networkidle")
    assert requested_hosts == {urlsplit(live_server.url).netloc}
    context.close()


def test_bruno_signs_from_spains_page_without_javascript(browser, live_server, content):
    context = browser.new_context(java_script_enabled=False, locale="es-ES")
    page = context.new_page()
    page.goto(live_server.url + "/es/countries/es/")
    page.locator("#id_display_name").fill("Bruno García")
    page.locator("#id_email").fill("bruno@example.org")
    page.locator("#id_pledge").check()
    page.locator(".pledge-form button[type=submit]").click()
    page.wait_for_url("**/es/pledge/sent/")
    request = PledgeRequest.objects.get()
    assert (request.email, request.country) == ("bruno@example.org", "ES")
    context.close()
