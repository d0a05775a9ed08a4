"""The whole pledge by keyboard alone, in Chromium: from the home page to the thank-you
page with Tab, Shift+Tab, Enter, Space and typing, never the mouse, and a visible
focus indicator on every element that takes the focus on the way. In English and in
Arabic (right to left)."""

import pytest
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext

from pledges.models import Pledge
from tests.conftest import confirm_path

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # The confirmation email is sent in-process, into mail.outbox.
    pytest.mark.usefixtures("eager_tasks"),
]

# Tabs before giving up on reaching an element: the header has about fifteen stops.
MAX_TABS = 60

FOCUSED = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  return {
    tag: element.tagName.toLowerCase(),
    id: element.id,
    type: element.type || "",
    text: (element.innerText || element.value || "").trim(),
    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
    shadow: style.boxShadow !== "none",
    focusVisible: element.matches(":focus-visible"),
  };
}"""


def press(page, key):
    """Press a key and check that what has the focus shows it."""
    page.keyboard.press(key)
    focused = page.evaluate(FOCUSED)
    if focused["tag"] != "body":
        assert focused["focusVisible"], focused
        assert focused["outline"] or focused["shadow"], f"no visible focus on {focused}"
    return focused


def tab_to(page, reached):
    """Tab until `reached(focused)`; every stop on the way shows its focus."""
    for _ in range(MAX_TABS):
        focused = press(page, "Tab")
        if reached(focused):
            return focused
    raise AssertionError("never reached by Tab")


@pytest.mark.parametrize("language", ["en", "ar"])
def test_it_pledges_by_keyboard_alone(browser, live_server, language):
    prefix = "" if language == "en" else f"/{language}"
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}{prefix}/")
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")

    # The skip link comes first and leads into the page's content.
    assert press(page, "Tab")["text"] and page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    tab_to(page, lambda f: f["id"] == "id_display_name")
    page.keyboard.type("Ana Silva")
    press(page, "Tab")
    page.keyboard.type("ana@example.org")
    # Back and forth: Shift+Tab returns to the name, whose text stays.
    press(page, "Shift+Tab")
    assert page.evaluate("document.activeElement.value") == "Ana Silva"
    press(page, "Tab")
    assert press(page, "Tab")["id"] == "id_country"
    # The arrow keys move through the countries (whatever their names' script).
    for _ in range(page.locator("#id_country option").count()):
        if page.locator("#id_country").input_value() == "PT":
            break
        page.keyboard.press("ArrowDown")
    assert page.locator("#id_country").input_value() == "PT"
    assert press(page, "Tab")["id"] == "id_pledge"
    page.keyboard.press("Space")
    assert page.locator("#id_pledge").is_checked()
    assert press(page, "Tab")["type"] == "submit"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{prefix}/pledge/sent/")

    [message] = mail.outbox
    page.goto(live_server.url + confirm_path(message))
    assert page.locator("html").get_attribute("lang") == language
    # The name and country came with the pledge: straight to the button.
    tab_to(page, lambda f: f["tag"] == "button")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    with translation.override(language):
        thanks = gettext("Thank you for standing with the victims of human trafficking")
    assert page.get_by_role("heading", level=1).inner_text() == thanks
    assert Pledge.objects.get(email="ana@example.org").is_confirmed
    context.close()


def test_a_form_with_errors_announces_them_and_leads_to_each_field(browser, live_server):
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server.url + "/pledge/")
    tab_to(page, lambda f: f["type"] == "submit" and f["tag"] == "button")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # nothing filled in
    # A screen reader is handed the summary as an alert, with its links.
    alert = page.get_by_role("alert")
    assert gettext("Please correct the errors below.") in alert.inner_text()
    assert alert.get_by_role("link").count() == 4
    # Its first link, followed by keyboard, puts the focus in the field.
    tab_to(
        page,
        lambda f: f["tag"] == "a" and f["text"] == alert.get_by_role("link").first.inner_text(),
    )
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "id_display_name"
    context.close()
