"""Two browsers, Ana signed in and Bruno not. The home page, the pledge form and the
country and learn indexes are served to anonymous visitors from a shared per-worker
copy; nothing of Ana's (her address, "signed in as", a message meant for her) may ever
reach Bruno's page or that copy."""

import pytest
from django.test import Client

from tests.staff import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHARED = [
    "/",
    "/pledge/",
    "/pt/",
    "/pt/pledge/",
    "/countries/",
    "/learn/",
    "/pt/learn/",
    "/wall/",
]


@pytest.fixture
def ana_browser(browser, live_server):
    ana = make_user("ana@example.org")
    client = Client()
    client.force_login(ana)
    context = browser.new_context(java_script_enabled=False)
    context.add_cookies(
        [
            {"name": name, "value": morsel.value, "url": live_server.url}
            for name, morsel in client.cookies.items()
        ]
    )
    yield context.new_page()
    context.close()


@pytest.fixture
def bruno_browser(browser):
    context = browser.new_context(java_script_enabled=False)
    yield context.new_page()
    context.close()


def content(page, url) -> str:
    response = page.goto(url)
    assert response.status == 200, url
    return page.content()


def assert_nothing_of_anas(html: str) -> None:
    assert "ana@example.org" not in html
    assert "accounts/logout/" not in html  # the sign-out form of the signed-in header
    assert "You have signed out" not in html


def test_nothing_of_a_signed_in_visitor_reaches_anyone_else(
    live_server, ana_browser, bruno_browser
):
    for path in SHARED:
        url = live_server.url + path
        before = content(bruno_browser, url)  # the shared copy exists already
        assert "accounts/login/" in before
        anas = content(ana_browser, url)
        assert "ana@example.org" in anas  # her own page says who she is
        assert_nothing_of_anas(content(bruno_browser, url))


def test_a_shared_copy_is_never_made_from_a_signed_in_visit(
    live_server, ana_browser, bruno_browser
):
    for path in SHARED:
        url = live_server.url + path
        assert "ana@example.org" in content(ana_browser, url)  # Ana comes first
        assert_nothing_of_anas(content(bruno_browser, url))


def test_a_message_for_one_visitor_stays_theirs(live_server, ana_browser, bruno_browser):
    content(ana_browser, live_server.url + "/")
    ana_browser.get_by_role("button", name="Sign out").click()
    ana_browser.wait_for_load_state()
    # Signed out now, with a message waiting for her on the shared page.
    assert "You have signed out" in ana_browser.content()
    assert_nothing_of_anas(content(bruno_browser, live_server.url + "/"))
    assert "You have signed out" not in content(ana_browser, live_server.url + "/")
