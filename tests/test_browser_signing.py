"""A person signs through the real page in headless Chromium (Debian's), driven
by Playwright; once with JavaScript on, once with it off."""

from urllib.parse import urlsplit

import pytest

from pledges.models import PledgeRequest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_it_signs_through_the_real_page(browser, live_server, javascript):
    context = browser.new_context(java_script_enabled=javascript, locale="en-GB")
    page = context.new_page()
    requested_hosts = set()
    page.on("request", lambda request: requested_hosts.add(urlsplit(request.url).netloc))

    page.goto(live_server.url + "/")
    page.get_by_label("Your name, as it may appear on your badge").fill("Ana Silva")
    page.get_by_label("Your email").fill("ana@example.org")
    page.get_by_label("Your country").select_option("PT")
    page.get_by_label("I stand against human trafficking").check()
    page.get_by_role("button", name="Take the pledge").click()

    page.wait_for_url("**/pledge/sent/")
    assert page.get_by_role("heading", level=1).inner_text() == "Check your email"
    # Received; a worker (none runs here) turns it into a pledge.
    request = PledgeRequest.objects.get()
    assert (request.display_name, request.email, request.country) == (
        "Ana Silva",
        "ana@example.org",
        "PT",
    )
    assert requested_hosts == {urlsplit(live_server.url).netloc}
    context.close()


def test_it_shows_errors_next_to_their_fields(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/pledge/")
    page.get_by_label("Your email").fill("not an email")
    page.get_by_role("button", name="Take the pledge").click()

    email = page.get_by_label("Your email")
    assert email.get_attribute("aria-invalid") == "true"
    described_by = email.get_attribute("aria-describedby").split()
    errors = " ".join(page.locator(f"#{id_}").inner_text() for id_ in described_by)
    assert "Enter a valid email address." in errors
    assert (
        page.locator(".field").get_by_text("Please tick the box to take the pledge.").is_visible()
    )
    assert PledgeRequest.objects.count() == 0
    context.close()
