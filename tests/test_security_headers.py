"""The security headers, per kind of response: pages, errors, redirects, static
files, uploaded images, the widgets, badge and share images, the open data API.

Ana has a badge; Mallory runs another site and would like her visitors'
browsers to hand her our responses (an <img> or a no-cors fetch of a page, to
read or time what a visitor's cookies show). Only what other sites are meant to
load says `cross-origin`: the widgets (framed or shown as an image), badge and
share images (shown on blogs, and by social networks' pages), and the open data
API (read by any site's script). Everything else is `same-origin`."""

import pytest

from pledges.tokens import make_confirm_token
from tests import published
from tests.conftest import make_pledge
from tests.test_settings import start_and_print

pytestmark = pytest.mark.django_db

SAME, CROSS = "same-origin", "cross-origin"
# Denied to every response: powerful features no page of ours uses.
DENIED = [
    "camera",
    "microphone",
    "geolocation",
    "payment",
    "usb",
    "interest-cohort",
    "browsing-topics",
]


@pytest.fixture
def anas_badge():
    return make_pledge("ana@example.org", "PT", display_name="Ana Silva").public_id


@pytest.fixture
def hero_image(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "heroes").mkdir()
    (tmp_path / "heroes" / "abc.webp").write_bytes(b"RIFF\x00\x00\x00\x00WEBP")
    return "/media/heroes/abc.webp"


def permissions(response) -> dict[str, str]:
    header = response.headers.get("Permissions-Policy", "")
    return dict(part.strip().split("=", 1) for part in header.split(",") if part.strip())


def kinds(badge, hero) -> list[tuple[str, int, str]]:
    token = make_confirm_token(make_pledge("bruno@example.org", "ES", confirmed=False).public_id)
    return [
        # Pages, shared and not, errors and redirects.
        ("/", 200, SAME),
        ("/pt/pledge/", 200, SAME),
        ("/countries/pt/", 200, SAME),
        (f"/confirm/{token}/", 200, SAME),
        (f"/badge/{badge}/", 200, SAME),
        ("/accounts/login/", 200, SAME),
        ("/widgets/", 200, SAME),
        ("/nowhere/", 404, SAME),
        ("/my-pledge/", 302, SAME),
        ("/admin/", 302, SAME),
        ("/favicon.ico", 301, SAME),
        ("/sitemap.xml", 200, SAME),
        ("/robots.txt", 200, SAME),
        ("/healthz", 200, SAME),
        # Files: static (WhiteNoise) and a moderator's upload, shown on our pages only.
        ("/static/css/site.css", 200, SAME),
        (hero, 200, SAME),
        # What other sites load.
        ("/embed/counter/?country=PT", 200, CROSS),
        ("/embed/counter/?country=XX", 404, CROSS),
        ("/embed/count.svg?country=PT", 200, CROSS),
        (f"/badge/{badge}.svg", 200, CROSS),
        (f"/badge/{badge}.png", 200, CROSS),
        (f"/badge/{badge}/share.png", 200, CROSS),
        ("/share/site.png", 200, CROSS),
        ("/pt/share/countries/pt.png", 200, CROSS),
        ("/api/v1/counts", 200, CROSS),
        ("/api/v1/countries/pt", 200, CROSS),
        ("/api/v1/countries/zz", 404, CROSS),
        # Near misses: an unknown badge is an error page, not an image.
        ("/badge/00000000-0000-0000-0000-000000000000.png", 404, SAME),
        ("/api/v1/nothing", 404, SAME),
    ]


def test_each_kind_of_response_carries_the_headers(client, settings, anas_badge, hero_image):
    settings.WHITENOISE_USE_FINDERS = True  # static files served here as in production
    published.portugal()
    checked = set()
    for path, status, resource_policy in kinds(anas_badge, hero_image):
        response = client.get(path)
        assert response.status_code == status, path
        headers = response.headers
        assert headers.get("Cross-Origin-Resource-Policy") == resource_policy, path
        for feature in DENIED:
            assert permissions(response).get(feature) == "()", (path, feature)
        assert headers.get("X-Content-Type-Options") == "nosniff", path
        assert headers.get("Referrer-Policy") == "same-origin", path
        checked.add(resource_policy)
    assert checked == {SAME, CROSS}


def test_a_preflight_to_the_api_may_be_read_by_any_site(client):
    response = client.options(
        "/api/v1/counts",
        headers={"Origin": "https://mallory.example", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 204
    assert response.headers["Cross-Origin-Resource-Policy"] == CROSS
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_the_share_button_may_still_share(client):
    # static/js/share.js uses the Web Share API: it must not be among the denied.
    assert "web-share" not in permissions(client.get("/"))


def test_the_csrf_cookie_is_out_of_reach_of_scripts(client):
    response = client.get("/accounts/login/")
    cookie = response.cookies["csrftoken"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    # The form carries the token itself, which is what every form posts.
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()


def test_https_turns_on_hsts_and_secure_cookies():
    result = start_and_print(
        "settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "settings.SECURE_HSTS_PRELOAD, settings.SECURE_SSL_REDIRECT, "
        "settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE",
        SITE_URL="https://blueheart.example.org",
    )
    assert result.stdout.split() == ["31536000", "True", "True", "True", "True", "True"]
    plain = start_and_print("getattr(settings, 'SECURE_HSTS_SECONDS', 0)")
    assert plain.stdout.strip() == "0"


def test_a_secure_request_gets_hsts(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = client.get("/", secure=True)
    assert response.headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert "Strict-Transport-Security" not in client.get("/").headers
