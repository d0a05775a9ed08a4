"""Cross-Origin-Resource-Policy in headless Chromium: another site's page shows
what we hand out to other sites (Ana's badge, a share image, the widget image)
and reads the open data API, but gets nothing else of ours, not even as an
opaque answer it cannot read (a no-cors fetch, an <img>, a <script>), which is
what a side channel would need.

Ana has a badge; an NGO shows it on its page, beside our count. Mallory's page
tries to load the rest: a page, and the download of someone's data."""

import pytest

from tests import published
from tests.conftest import make_pledge
from tests.test_browser_embed import other_site, page  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLOCKED = "ERR_BLOCKED_BY_RESPONSE.NotSameOrigin"
# What a script on another site gets from a no-cors fetch of one of our URLs.
FETCH = """async url => {
    try { await fetch(url, {mode: "no-cors", credentials: "include"}); return "answered"; }
    catch (error) { return "refused"; }
}"""


def loaded(page, name: str) -> bool:  # noqa: F811 - the page fixture
    image = page.get_by_role("img", name=name, exact=True)
    image.evaluate("image => image.decode().catch(() => null)")
    return image.evaluate("image => image.complete && image.naturalWidth > 0")


def test_another_site_shows_what_we_hand_out(page, live_server, other_site):  # noqa: F811
    published.portugal()
    badge = make_pledge("ana@example.org", "PT", display_name="Ana Silva").public_id
    ours = live_server.url
    images = {
        "badge": f"{ours}/badge/{badge}.png?v=1",
        "badge drawing": f"{ours}/badge/{badge}.svg",
        "share image": f"{ours}/share/site.png",
        "country share image": f"{ours}/share/countries/pt.png",
        "count": f"{ours}/embed/count.svg?country=PT",
    }
    page.goto(
        other_site("".join(f'<img alt="{name}" src="{url}">' for name, url in images.items()))
    )
    for name in images:
        assert loaded(page, name), name
    assert page.evaluate(FETCH, f"{ours}/api/v1/counts") == "answered"
    assert page.evaluate(FETCH, f"{ours}/badge/{badge}.png") == "answered"


def test_another_site_gets_nothing_else_of_ours(page, live_server, other_site):  # noqa: F811
    published.portugal()
    console = []
    page.on("console", lambda message: console.append(message.text))
    ours = live_server.url
    page.goto(other_site("<p>Nothing to see here.</p>"))
    for path in ("/", "/countries/pt/", "/my-pledge/my-data.json", "/robots.txt", "/nowhere/"):
        assert page.evaluate(FETCH, ours + path) == "refused", path
    assert sum(BLOCKED in text for text in console) >= 5, console
