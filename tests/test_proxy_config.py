"""The production proxy's rules (deploy/nginx/), run by Debian's nginx in front of
the site: the plain-HTTP variant the read benchmark uses (bench/proxy.py), which
includes the very files the TLS server does.

A reader of the live count gets it from nginx's one-second cache, so a surge
costs gunicorn one request a second. A signed-in supporter, or any answer that
sets a cookie or is marked private, never goes through that cache. HTML is
compressed, and static files under their hashed names are kept for a year.

To show the cache would refuse what the real counts never send (a cookie,
Cache-Control: private), this module is also the site's URLconf during the
tests: the real counts view, answering so when asked (?set-cookie, ?private).
"""

import gzip
import http.client
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.http import JsonResponse
from django.urls import path, resolve

from bench.proxy import NGINX, RULES, Nginx
from config import urls as site_urls
from tests.conftest import free_port

pytestmark = pytest.mark.django_db(transaction=True)

COUNTS = "/api/v1/counts"
EMBEDS = ["/embed/counter/?country=PT&lang=pt", "/embed/count.svg?country=PT&lang=pt"]
HASHED = "css/site.0123456789ab.css"
PLAIN = "css/site.css"
STYLESHEET = b"body { color: #123; }\n" * 40


def answering_as_told(view):
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if "set-cookie" in request.GET:
            response.set_cookie("seen", "1")
        if "private" in request.GET:
            response["Cache-Control"] = "private, max-age=60"
        return response

    return wrapper


def echo_forwarded(request):
    """What the app is told about the client."""
    return JsonResponse(
        {
            "for": request.META.get("HTTP_X_FORWARDED_FOR"),
            "proto": request.META.get("HTTP_X_FORWARDED_PROTO"),
        }
    )


urlpatterns = [
    path("api/v1/counts", answering_as_told(resolve(COUNTS, urlconf="config.urls").func)),
    path("proxy-test/forwarded", echo_forwarded),
    *site_urls.urlpatterns,
]


@pytest.fixture
def proxy(live_server, settings, tmp_path):
    if NGINX is None:
        pytest.fail("nginx is not installed: scripts/ensure-services nginx (Debian's nginx-light)")
    settings.ROOT_URLCONF = __name__
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    for name in (HASHED, PLAIN):
        (static / name).write_bytes(STYLESHEET)
    nginx = Nginx(tmp_path / "nginx", urlsplit(live_server.url).port, free_port(), static)
    nginx.start()
    try:
        yield nginx
    finally:
        nginx.stop()


def get(proxy: Nginx, target: str, headers: dict | None = None):
    """(status, headers, body) as nginx sent them: no redirect followed, nothing
    decompressed."""
    connection = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=10)
    try:
        connection.request("GET", target, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def test_nginx_accepts_the_config(live_server, tmp_path):
    nginx = Nginx(tmp_path / "nginx", urlsplit(live_server.url).port, free_port(), tmp_path)
    checked = nginx.test_config()
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "blueheart.example.org")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_nginx_accepts_the_production_file_with_its_placeholders_filled(tmp_path):
    """deploy/nginx/blueheart.conf (TLS), as installed: its placeholders (the
    certificate, the cache folder, where the shared files were copied) pointed at
    this test's own, then `nginx -t`."""
    if NGINX is None:
        pytest.fail("nginx is not installed: scripts/ensure-services nginx (Debian's nginx-light)")
    cert, key = self_signed(tmp_path)
    production = (RULES / "blueheart.conf").read_text()
    for placeholder, ours in {
        "/etc/nginx/blueheart/": f"{RULES}/",
        "/etc/letsencrypt/live/blueheart.example.org/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/blueheart.example.org/privkey.pem": str(key),
        "/var/cache/nginx/blueheart": str(tmp_path / "cache"),
    }.items():
        assert placeholder in production
        production = production.replace(placeholder, ours)
    # The very rules the other tests run, included by the TLS server.
    assert f"include {RULES}/blueheart-common.conf;" in production
    (tmp_path / "blueheart.conf").write_text(production)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n    include {tmp_path}/blueheart.conf;\n}}\n"
    )
    checked = subprocess.run(  # noqa: S603 - nginx, our own arguments
        [NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-t"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize("target", [COUNTS, *EMBEDS])
def test_a_second_read_within_a_second_comes_from_the_cache(proxy, target):
    status, first, body = get(proxy, target)
    assert status == 200
    assert first["X-Cache-Status"] == "MISS"
    # What lets a proxy or CDN keep it: public, no cookie, not per visitor.
    assert "public" in first["Cache-Control"]
    assert "stale-while-revalidate" in first["Cache-Control"]
    assert first["Set-Cookie"] is None
    assert "Cookie" not in (first["Vary"] or "")

    status, second, again = get(proxy, target)
    assert (status, second["X-Cache-Status"]) == (200, "HIT")
    assert again == body


def test_readers_of_every_language_share_one_cached_copy(proxy):
    # The counts and widgets do not vary by Accept-Language (their language is
    # their ?lang=): one copy serves every browser (core.languages).
    for target in [COUNTS, *EMBEDS]:
        _status, first, body = get(proxy, target, {"Accept-Language": "pt-PT,pt;q=0.9"})
        assert "Accept-Language" not in (first["Vary"] or "")
        _status, second, again = get(proxy, target, {"Accept-Language": "fr"})
        assert (second["X-Cache-Status"], again) == ("HIT", body)


def test_pages_still_vary_by_language(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Accept-Language" in response["Vary"]


def test_a_response_that_sets_a_cookie_is_never_kept(proxy):
    for _ in range(3):
        _status, headers, _body = get(proxy, f"{COUNTS}?set-cookie")
        assert headers["Set-Cookie"] is not None
        assert headers["X-Cache-Status"] == "MISS"


def test_a_response_marked_private_is_never_kept(proxy):
    for _ in range(3):
        _status, headers, _body = get(proxy, f"{COUNTS}?private")
        assert headers["X-Cache-Status"] == "MISS"


def test_a_signed_in_visitor_bypasses_the_cache(proxy):
    get(proxy, COUNTS)
    for _ in range(2):
        _status, headers, _body = get(proxy, COUNTS, {"Cookie": "sessionid=abc123"})
        assert headers["X-Cache-Status"] == "BYPASS"


def test_pages_are_not_cached(proxy):
    for _ in range(2):
        status, headers, _body = get(proxy, "/")
        assert status == 200
        assert headers["X-Cache-Status"] is None


def test_html_is_compressed_for_a_browser_that_asks(proxy):
    status, headers, body = get(proxy, "/", {"Accept-Encoding": "gzip"})
    assert (status, headers["Content-Encoding"]) == (200, "gzip")
    html = gzip.decompress(body)
    assert b"<html" in html and len(body) < len(html) / 2

    _status, plain, body = get(proxy, "/")
    assert plain["Content-Encoding"] is None and b"<html" in body


def test_hashed_static_files_are_kept_for_a_year_and_others_for_a_minute(proxy):
    status, hashed, body = get(proxy, f"/static/{HASHED}")
    assert (status, body) == (200, STYLESHEET)
    assert hashed["Cache-Control"] == "public, max-age=31536000, immutable"
    assert hashed["X-Content-Type-Options"] == "nosniff"

    status, plain, body = get(proxy, f"/static/{PLAIN}")
    assert (status, body) == (200, STYLESHEET)
    assert plain["Cache-Control"] == "public, max-age=60"


def test_the_app_is_told_who_asked_and_how(proxy):
    _status, _headers, body = get(
        proxy,
        "/proxy-test/forwarded",
        {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"},
    )
    # The client's claim is kept to the left, for TRUSTED_PROXIES to judge
    # (abuse/clients.py); the scheme is nginx's own, never the client's.
    assert body == b'{"for": "203.0.113.9, 127.0.0.1", "proto": "http"}'
