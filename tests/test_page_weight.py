"""The home page and the pledge page are light in every language: a first visit (an
empty cache) transfers at most 150 KB, asks nothing of another host and loads no
font (the badge's Noto fonts are for drawing badges on the server, never for pages).

What is counted: for every request the page made, what Chromium reports it received
over the wire (Playwright's `request.sizes()`: the response's headers plus its body
as transferred, compressed if it was), summed. Run with `-s` to see the figures."""

from urllib.parse import urlsplit

import pytest
from django.conf import settings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUDGET = 150 * 1024  # bytes: the limit for a first visit
FONT_FILES = (".ttf", ".otf", ".woff", ".woff2")
LANGUAGES = [code for code, _name in settings.LANGUAGES]


def first_visit(browser, url):
    """Load the page in a fresh context; returns [(url, resource type, bytes received)]."""
    context = browser.new_context()
    page = context.new_page()
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    response = page.goto(url, wait_until="networkidle")
    assert response.status == 200, url
    received = []
    for request in finished:
        sizes = request.sizes()
        received.append(
            (
                request.url,
                request.resource_type,
                sizes["responseHeadersSize"] + sizes["responseBodySize"],
            )
        )
    context.close()
    return received


@pytest.mark.parametrize("path", ["/", "/pledge/"])
def test_a_first_visit_is_light_local_and_without_fonts(browser, live_server, path):
    host = urlsplit(live_server.url).netloc
    for language in LANGUAGES:
        prefix = "" if language == settings.LANGUAGE_CODE else f"/{language}"
        received = first_visit(browser, f"{live_server.url}{prefix}{path}")
        total = sum(size for _url, _type, size in received)
        print(f"{prefix}{path}: {total / 1024:.1f} KB in {len(received)} responses")  # noqa: T201 - the README quotes these
        assert total <= BUDGET, received
        assert {urlsplit(url).netloc for url, _type, _size in received} == {host}
        fonts = [
            url
            for url, resource_type, _size in received
            if resource_type == "font"
            or "/fonts/" in url
            or urlsplit(url).path.lower().endswith(FONT_FILES)
        ]
        assert fonts == [], fonts
