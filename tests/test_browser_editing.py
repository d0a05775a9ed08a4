"""An organiser edits and publishes an information page in headless Chromium
with JavaScript off: plain forms and buttons all the way."""

import pytest
from django.test import Client

from pages.models import PageTranslation
from tests import content
from tests.staff import enable_mfa, make_persona

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_organiser_edits_and_publishes_a_page_without_javascript(browser, live_server):
    olga = make_persona("organiser")
    enable_mfa(olga)
    session = Client()
    session.force_login(olga)
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    context.add_cookies(
        [
            {"name": name, "value": morsel.value, "url": live_server.url}
            for name, morsel in session.cookies.items()
        ]
    )
    page = context.new_page()
    info = content.info_page("smoke-test")

    page.goto(live_server.url + "/staff/")
    page.get_by_role("link", name="Information pages").click()
    page.get_by_role("link", name="smoke-test").click()
    page.get_by_role("list", name="Add a language").get_by_role("link", name="English").click()
    page.get_by_label("Title").fill("The Blue Heart")
    page.get_by_label("Body (Markdown)").fill("Blue stands for **calm**.")
    page.get_by_role("button", name="Save the draft").click()
    page.wait_for_load_state()
    assert "Saved as a new revision." in page.content()

    page.get_by_role("link", name="Preview").click()
    assert "Preview of the draft." in page.content()
    assert page.get_by_role("heading", level=1).inner_text() == "The Blue Heart"
    assert Client().get("/learn/smoke-test/").status_code == 404

    page.get_by_role("link", name="Back to editing").click()
    page.get_by_role("link", name="Back").click()
    page.get_by_role("button", name="Publish").click()
    page.wait_for_load_state()
    assert "Published: every visitor now sees this version." in page.content()

    public = Client().get("/learn/smoke-test/").content.decode()
    assert "The Blue Heart" in public and "<strong>calm</strong>" in public
    assert PageTranslation.objects.get(page=info).published_title == "The Blue Heart"
    context.close()
