"""The layout's language links keep the visitor on the same page.

Amélie reads a page in English and picks "Français": she gets the same page in
French, not the home page. For every public page (the URL configuration's, with
real tokens where a page needs one, and a 404), each of the seven links answers
as the page did, in its language, with the current language marked; and the
page's head lists the same seven, absolute, plus the unprefixed address as
x-default (hreflang alternates), except on pages no search engine should list.
"""

from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.utils import translation

from campaign.tokens import make_launch_token
from mailings.tokens import make_token
from pledges.tokens import make_confirm_token
from tests import launch, published
from tests.articles import STARTER_SLUGS
from tests.conftest import make_pledge, signed_in_supporter
from tests.staff import sign_in_as

pytestmark = pytest.mark.django_db

CODES = [code for code, _name in settings.LANGUAGES]
# Pages for one person (robots.txt disallows them, or they say noindex) and errors.
NOT_LISTED = (
    *settings.NOT_FOR_CRAWLERS,
    "/badge/",
    "/email-preferences/",
    "/unsubscribe/",
    "/nowhere/",
)


class Layout(HTMLParser):
    """The page's language, its switcher's links and its head's alternates."""

    def __init__(self, html: str):
        super().__init__()
        self.lang = self.dir = None
        self.links: list[dict] = []
        self.alternates: dict[str, str] = {}
        self._in_languages = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "html":
            self.lang, self.dir = found.get("lang"), found.get("dir")
        elif tag == "ul" and "languages" in (found.get("class") or "").split():
            self._in_languages = True
        elif tag == "a" and self._in_languages:
            self.links.append(found)
        elif tag == "link" and found.get("rel") == "alternate" and "hreflang" in found:
            assert found["hreflang"] not in self.alternates, found
            self.alternates[found["hreflang"]] = found["href"]

    def handle_endtag(self, tag):
        if tag == "ul":
            self._in_languages = False


def layout(response) -> Layout:
    return Layout(response.content.decode())


@pytest.fixture
def public_pages() -> dict[str, int]:
    """Every public page, unprefixed, with the status it answers."""
    published.spain()
    portugal = published.portugal()
    pending = make_pledge("pending@example.org", "PT", confirmed=False)
    supporter = make_pledge("ana@example.org", "PT", display_name="Ana Silva")
    subscription = launch.subscribe("carla@example.org", portugal, confirmed=False)
    pages = {
        "/": 200,
        "/pledge/": 200,
        "/pledge/sent/": 200,
        "/confirm/new-link/": 200,
        f"/confirm/{make_confirm_token(pending.public_id)}/": 200,
        "/privacy/": 200,
        "/wall/": 200,
        "/countries/": 200,
        "/countries/es/": 200,
        "/countries/es/wall/": 200,
        "/countries/pt/notify/": 200,
        f"/countries/notify/{make_launch_token(subscription.public_id)}/": 200,
        "/learn/": 200,
        **{f"/learn/{slug}/": 200 for slug in STARTER_SLUGS},
        "/widgets/": 200,
        f"/badge/{supporter.public_id}/": 200,
        "/accounts/login/": 200,
        "/accounts/signup/": 200,
        "/accounts/login/code/": 200,
        f"/email-preferences/{make_token(supporter.public_id)}/": 200,
        f"/unsubscribe/{make_token(supporter.public_id)}/": 200,
        "/nowhere/at/all/": 404,
    }
    assert "/learn/get-help/" in pages
    return pages


def in_language(path: str, code: str) -> str:
    return path if code == settings.LANGUAGE_CODE else f"/{code}{path}"


def check_switcher(client, path: str, status: int):
    """From the page in English, each link leads to the same page in its language."""
    english = client.get(path)
    assert english.status_code == status, path
    links = layout(english).links
    assert [link["lang"] for link in links] == CODES, path
    for link in links:
        code = link["lang"]
        assert link["hreflang"] == code
        assert link["href"] == in_language(path, code), path
        there = client.get(link["href"])
        assert there.status_code == status, link["href"]
        page = layout(there)
        assert page.lang == code, link["href"]
        assert page.dir == ("rtl" if translation.get_language_info(code)["bidi"] else "ltr")
        # The same seven links, the current language marked, and only it.
        assert [other["href"] for other in page.links] == [other["href"] for other in links]
        current = [other["lang"] for other in page.links if "aria-current" in other]
        assert current == [code], link["href"]


def test_each_language_link_leads_to_the_same_page_in_that_language(client, public_pages):
    for path, status in public_pages.items():
        check_switcher(client, path, status)


def test_it_keeps_a_signed_in_supporter_on_her_page(client):
    signed_in_supporter(client, "ana@example.org", "PT", "Ana Silva")
    check_switcher(client, "/my-pledge/", 200)


def test_it_keeps_staff_on_their_page(client):
    sign_in_as(client, "organiser")
    check_switcher(client, "/staff/", 200)


def test_every_public_page_lists_its_seven_languages_and_x_default(client, public_pages):
    indexed = [path for path in public_pages if not path.startswith(NOT_LISTED)]
    assert len(indexed) >= 15
    for path in indexed:
        for code in CODES:
            alternates = layout(client.get(in_language(path, code))).alternates
            assert alternates == {
                **{other: settings.SITE_URL + in_language(path, other) for other in CODES},
                "x-default": settings.SITE_URL + path,
            }, (path, code)


def test_pages_no_search_engine_should_list_have_no_alternates(client, public_pages):
    hidden = [path for path in public_pages if path.startswith(NOT_LISTED)]
    assert len(hidden) == 10
    for path in hidden:
        for code in ("en", "ar"):
            assert layout(client.get(in_language(path, code))).alternates == {}, path
    sign_in_as(client, "organiser")
    assert layout(client.get("/staff/")).alternates == {}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_each_language_link_is_a_target_of_24_by_24_css_pixels(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    for path in ("/", "/ar/", "/zh-hans/"):
        page.goto(live_server.url + path)
        boxes = [link.bounding_box() for link in page.locator(".languages a").all()]
        assert len(boxes) == len(CODES)
        for box in boxes:
            assert box["width"] >= 24 and box["height"] >= 24, (path, box)
    context.close()
