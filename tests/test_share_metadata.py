"""Share metadata: every page's Open Graph and Twitter card, the images they
point at, the share links, and what they never show."""

import io
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core.cache import cache, caches
from django.utils import timezone
from PIL import Image, ImageChops

from badges import rendering
from core.shared_pages import CONTENT_VERSION_KEY
from sharing.links import share_links
from tests import published
from tests.conftest import make_pledge

pytestmark = pytest.mark.django_db

LOC = re.compile(r"<loc>([^<]+)</loc>|hreflang=\"[^\"]+\" href=\"([^\"]+)\"")


class Page(HTMLParser):
    """What a page's head and share section say: metas, scripts, share links."""

    def __init__(self, html: str):
        super().__init__()
        self.meta: dict[str, list[str]] = {}
        self.scripts: list[str | None] = []
        self.share_links: list[dict] = []
        self.share_buttons: list[dict] = []
        self._in_share = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "meta":
            key = found.get("property") or found.get("name")
            if key:
                self.meta.setdefault(key, []).append(found.get("content"))
        elif tag == "script":
            self.scripts.append(found.get("src"))
        elif tag == "section" and "share" in (found.get("class") or "").split():
            self._in_share = True
        elif tag == "a" and self._in_share:
            self.share_links.append(found)
        elif tag == "button" and self._in_share:
            self.share_buttons.append(found)

    def handle_endtag(self, tag):
        if tag == "section":
            self._in_share = False

    def one(self, key: str) -> str:
        (value,) = self.meta[key]
        return value


def site_content():
    """Spain launched, Portugal upcoming, the Get help page, and two badges:
    Ana shows her name, Bruno hides his."""
    published.spain(supporter_goal=1000)
    published.portugal()
    published.page("get-help", texts={"en": {"title": "Get help", "summary": "Who to call."}})
    ana = make_pledge("ana@example.org", "PT", display_name="Ana Silva")
    ana.show_publicly = True
    ana.save(update_fields=["show_publicly"])
    bruno = make_pledge("bruno@example.org", "ES", display_name="Bruno Secret")
    return ana, bruno


def public_paths(client, *pledges) -> list[str]:
    """Every address of the sitemap, in every language, and the badge pages."""
    sitemap = client.get("/sitemap.xml").content.decode()
    paths = {urlsplit(a or b).path for a, b in LOC.findall(sitemap)}
    for pledge in pledges:
        for prefix in ("", "/pt", "/es"):
            paths.add(f"{prefix}/badge/{pledge.public_id}/")
    return sorted(paths)


def local(url: str) -> str:
    assert url.startswith(settings.SITE_URL + "/"), url
    rest = urlsplit(url)
    return f"{rest.path}?{rest.query}" if rest.query else rest.path


def png_size(response) -> tuple[int, int]:
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    return Image.open(io.BytesIO(response.content)).size


def test_it_points_every_page_at_a_share_image_that_exists(client):
    pledges = site_content()
    paths = public_paths(client, *pledges)
    assert "/countries/es/" in paths and "/pt/learn/get-help/" in paths
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        page = Page(response.content.decode())
        assert page.one("og:url") == settings.SITE_URL + path
        assert page.one("og:title") and page.one("og:description"), path
        assert page.one("twitter:card") == "summary_large_image"
        assert page.one("og:image:alt"), path
        assert (page.one("og:image:width"), page.one("og:image:height")) == ("1200", "630")
        image = page.one("og:image")
        assert page.one("twitter:image") == image
        assert png_size(client.get(local(image))) == (1200, 630), path


def test_it_gives_each_page_its_own_share_image(client):
    ana, _bruno = site_content()
    images = {
        path: Page(client.get(path).content.decode()).one("og:image")
        for path in ("/", "/pt/", "/countries/es/", "/pt/countries/es/", "/learn/get-help/")
    }
    assert urlsplit(images["/"]).path == "/share/site.png"
    assert urlsplit(images["/pt/"]).path == "/pt/share/site.png"
    assert urlsplit(images["/learn/get-help/"]).path == "/share/site.png"
    assert urlsplit(images["/countries/es/"]).path == "/share/countries/es.png"
    assert urlsplit(images["/pt/countries/es/"]).path == "/pt/share/countries/es.png"
    badge = Page(client.get(f"/badge/{ana.public_id}/").content.decode())
    assert urlsplit(badge.one("og:image")).path == f"/badge/{ana.public_id}/share.png"
    assert badge.one("og:title") == "Blue Heart badge: Ana Silva"


def test_it_gives_information_and_country_pages_their_own_title_and_description(client):
    site_content()
    info = Page(client.get("/learn/get-help/").content.decode())
    assert (info.one("og:title"), info.one("og:description")) == ("Get help", "Who to call.")
    country = Page(client.get("/pt/countries/pt/").content.decode())
    assert country.one("og:title") == "Portugal junta-se ao Coração Azul"
    assert country.one("og:locale") == "pt_PT"
    launched = Page(client.get("/countries/es/").content.decode())
    assert launched.one("og:image:alt") == (
        "Spain: Spain joins the Blue Heart. The Blue Heart Campaign has launched here."
    )


def test_it_keeps_a_hidden_name_out_of_the_badge_metadata_and_share_image(client):
    _ana, bruno = site_content()
    other = make_pledge("carla@example.org", "ES", display_name="Someone Else")
    page = client.get(f"/badge/{bruno.public_id}/").content.decode()
    assert "Secret" not in page
    assert Page(page).one("og:title") == "Blue Heart badge: A supporter"
    image = client.get(f"/badge/{bruno.public_id}/share.png").content
    assert b"Secret" not in image
    # Bruno's image is an anonymous supporter's: with another hidden name, or
    # another anonymous supporter's number, only the number differs.
    anonymous = client.get(f"/badge/{other.public_id}/share.png").content
    hidden, anon = (Image.open(io.BytesIO(png)).convert("RGB") for png in (image, anonymous))
    name_line = (440, 230, 1150, 330)  # the name's line, baseline at y=310
    assert ImageChops.difference(hidden.crop(name_line), anon.crop(name_line)).getbbox() is None
    bruno.display_name = "Bruno Other Secret"
    bruno.save(update_fields=["display_name"])
    assert client.get(f"/badge/{bruno.public_id}/share.png").content == image


def test_it_shows_a_shown_name_on_the_share_image(client):
    ana, bruno = site_content()
    shown = Image.open(io.BytesIO(client.get(f"/badge/{ana.public_id}/share.png").content))
    hidden = Image.open(io.BytesIO(client.get(f"/badge/{bruno.public_id}/share.png").content))
    name_line = (440, 230, 1150, 330)
    difference = ImageChops.difference(shown.convert("RGB"), hidden.convert("RGB"))
    assert difference.crop(name_line).getbbox() is not None


def test_it_answers_410_for_a_withdrawn_badge_share_image(client):
    ana, _bruno = site_content()
    ana.withdraw_badge(timezone.now())
    assert client.get(f"/badge/{ana.public_id}/share.png").status_code == 410


def test_it_answers_404_for_an_unknown_country_image(client):
    site_content()
    assert client.get("/share/countries/fr.png").status_code == 404
    assert client.get("/share/countries/ES.png").status_code == 404


def test_it_draws_a_country_image_anew_once_content_changes(client):
    site_content()
    first = Page(client.get("/countries/es/").content.decode()).one("og:image")
    response = client.get(local(first))
    assert "max-age=86400" in response["Cache-Control"]
    etag = response["ETag"]
    again = client.get("/share/countries/es.png", headers={"if-none-match": etag})
    assert again.status_code == 304
    assert "no-cache" in again["Cache-Control"]
    cache.set(CONTENT_VERSION_KEY, "published-again", timeout=None)
    caches["local"].clear()  # the page copies of the old version
    second = Page(client.get("/countries/es/").content.decode()).one("og:image")
    assert second != first
    assert client.get("/share/countries/es.png", headers={"if-none-match": etag}).status_code == 200


def test_it_renders_a_share_image_once_per_version(client, monkeypatch):
    site_content()
    drawn = []
    real = rendering.svg_to_png
    monkeypatch.setattr(rendering, "svg_to_png", lambda *a: drawn.append(1) or real(*a))
    for _ in range(3):
        assert client.get("/pt/share/countries/es.png").status_code == 200
        assert client.get("/share/site.png").status_code == 200
    assert len(drawn) == 2


def test_it_shares_by_plain_links_with_encoded_addresses(client):
    ana, _bruno = site_content()
    for path in ("/pt/countries/es/", f"/badge/{ana.public_id}/"):
        page = Page(client.get(path).content.decode())
        address = settings.SITE_URL + path
        hrefs = {urlsplit(a["href"]).netloc or "mailto": a for a in page.share_links}
        assert set(hrefs) == {
            "www.facebook.com",
            "twitter.com",
            "www.linkedin.com",
            "wa.me",
            "mailto",
        }
        for link in page.share_links:
            # Plain links: nothing runs, nothing opens but the network's page.
            assert set(link) == {"href"}, link
            href = link["href"]
            assert " " not in href and "\n" not in href
            query = parse_qs(urlsplit(href).query)
            if "u" in query or "url" in query:
                assert (query.get("u") or query["url"]) == [address]
            else:
                assert any(v.endswith(" " + address) for values in query.values() for v in values)
        (button,) = page.share_buttons
        assert "hidden" in button and button["data-share-url"] == address


def test_it_encodes_what_would_break_a_share_link():
    links = share_links("https://example.org/a?b=1&c=2#d", "Tom & Jerry + 100%")
    for link in links:
        query = parse_qs(urlsplit(link["href"]).query)
        values = [v for vs in query.values() for v in vs]
        assert "https://example.org/a?b=1&c=2#d" in values or any(
            v.endswith("https://example.org/a?b=1&c=2#d") for v in values
        ), link
    tweet = next(link for link in links if "twitter.com" in link["href"])
    assert parse_qs(urlsplit(tweet["href"]).query)["text"] == ["Tom & Jerry + 100%"]


def test_it_loads_no_third_party_script(client):
    pledges = site_content()
    for path in public_paths(client, *pledges):
        page = Page(client.get(path).content.decode())
        for src in page.scripts:
            # Only our own files: a path on this site, never another host.
            assert src is not None and src.startswith("/") and not src.startswith("//"), (
                path,
                src,
            )


def test_it_draws_the_share_image_anew_once_a_name_is_hidden(client):
    ana, bruno = site_content()
    shown = client.get(f"/badge/{ana.public_id}/share.png").content
    ana.show_publicly = False
    ana.save(update_fields=["show_publicly"])
    hidden = client.get(f"/badge/{ana.public_id}/share.png").content
    assert hidden != shown
    name_line = (440, 230, 1150, 330)
    anonymous = client.get(f"/badge/{bruno.public_id}/share.png").content
    hidden, anonymous = (Image.open(io.BytesIO(png)).convert("RGB") for png in (hidden, anonymous))
    assert (
        ImageChops.difference(hidden.crop(name_line), anonymous.crop(name_line)).getbbox() is None
    )


def test_it_shows_a_name_literally_in_the_share_card(client):
    ana, _bruno = site_content()
    ana.display_name = '"><script>alert(1)</script>&amp;'
    ana.save(update_fields=["display_name"])
    page = client.get(f"/badge/{ana.public_id}/").content.decode()
    assert "<script>alert" not in page
    parsed = Page(page)
    assert parsed.one("og:title") == 'Blue Heart badge: "><script>alert(1)</script>&amp;'
    assert parsed.scripts == ["/static/js/frame.js", "/static/js/share.js"]  # ours only
