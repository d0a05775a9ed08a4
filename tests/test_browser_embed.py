"""The counter works inside an iframe on another site, in headless Chromium;
the same site framing any other page of ours sees it refused."""

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests import published
from tests.conftest import make_pledge

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        # http.server writes every request to stderr; the test's output stays the test's.
        return


@pytest.fixture
def other_site(tmp_path):
    """serve(html): the URL of a page holding that HTML on another site: another
    host (127.0.0.1, where the live server is localhost) and another port."""
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(tmp_path))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def serve(html: str) -> str:
        (tmp_path / "index.html").write_text(
            f'<!DOCTYPE html><html lang="en"><title>An NGO</title><body>{html}</body></html>'
        )
        return f"http://127.0.0.1:{server.server_port}/index.html"

    yield serve
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


def test_another_site_shows_the_live_counter_in_a_frame(page, live_server, other_site):
    published.portugal()
    make_pledge("ana@example.org", "PT")
    make_pledge("carla@example.org", "PT")
    assert urlsplit(live_server.url).hostname == "localhost"  # another site than 127.0.0.1
    widget_url = f"{live_server.url}/embed/counter/?country=PT&amp;lang=pt"
    page.goto(other_site(f'<iframe title="Blue Heart" src="{widget_url}"></iframe>'))
    widget = page.frame_locator("iframe")
    expect(widget.locator(".count")).to_have_text("2")
    expect(widget.get_by_role("heading", level=1)).to_contain_text("Portugal")
    # Its stylesheet loaded, under the widget's own policy.
    expect(widget.locator(".count")).to_have_css("color", "rgb(11, 79, 156)")
    # Its link opens our site in a tab of its own; the NGO's page stays.
    with page.expect_popup() as opened:
        widget.get_by_role("link").click()
    assert opened.value.url == live_server.url + "/pt/countries/pt/"
    assert page.url.startswith("http://127.0.0.1:")


def test_another_site_shows_the_live_image(page, live_server, other_site):
    make_pledge("ana@example.org", "PT")
    page.goto(
        other_site(f'<img alt="Blue Heart" src="{live_server.url}/embed/count.svg?country=PT">')
    )
    image = page.get_by_role("img", name="Blue Heart")
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("image => image.naturalWidth") > 0


@pytest.mark.parametrize("path", ["/", "/pledge/", "/countries/pt/", "/widgets/"])
def test_another_site_framing_any_other_page_is_refused(page, live_server, other_site, path):
    console = []
    page.on("console", lambda message: console.append(message.text))
    # Beside a widget that does show, so a frame that shows nothing means refused.
    page.goto(
        other_site(
            f'<iframe title="refused" src="{live_server.url}{path}"></iframe>'
            f'<iframe title="widget" src="{live_server.url}/embed/counter/"></iframe>'
        )
    )
    expect(page.frame_locator("iframe[title=widget]").locator(".count")).to_have_text("0")
    refused = page.locator("iframe[title=refused]").element_handle().content_frame()
    # Chromium's own error page stands where ours would be.
    assert refused.url == "chrome-error://chromewebdata/"
    assert refused.locator("form, .site-header").count() == 0
    assert any("frame-ancestors 'none'" in text for text in console), console
