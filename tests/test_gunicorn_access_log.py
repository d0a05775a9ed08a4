"""gunicorn's access log, as config/gunicorn.py sets it up, names no client and
holds no secret: a real gunicorn on a loopback port, real HTTP.

Ana opens her links (confirm, unsubscribe, email preferences, her launch
sign-up), and her browser names the confirmation page as the referrer of the
next request. Adam searches the admin for her address. A mail provider's
webhook comes with basic-auth credentials. Mallory sends garbage instead of a
request. Whoever reads the logs learns none of the tokens, nor Ana's address,
nor who asked (their IP address), nor the webhook's user."""

import base64
import logging
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import timedelta
from io import StringIO
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from gunicorn.config import Config

from campaign.tokens import make_launch_token
from core.logs import REDACTED
from mailings.tokens import make_token
from pledges.tokens import make_confirm_token
from tests.conftest import free_port, make_pledge
from tests.launch import subscribe, upcoming_country
from tests.stack import this_tests_database_url, wait_until_ready

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config" / "gunicorn.py"
SITE = "https://blueheart.example.org"
EXPORT_TOKEN = "q3Vt8Z-xK2mW9rT4yP7nL0sA1dF6gH5jC8vB3nM2kQ"


class Server:
    """gunicorn with config/gunicorn.py: one worker on a free loopback port.
    `stop()` waits for it to exit and reads its access log (stdout) and its error
    log (stderr), every line written."""

    def __init__(self, tmp_path: Path):
        self.port = free_port()
        env = {
            **{
                k: v
                for k, v in os.environ.items()
                if k not in {"GUNICORN_CMD_ARGS", "WEB_CONCURRENCY"}
            },
            "DATABASE_URL": this_tests_database_url(),
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
        self.access_path, self.errors_path = tmp_path / "access.log", tmp_path / "error.log"
        with self.access_path.open("w") as stdout, self.errors_path.open("w") as stderr:
            self.process = subprocess.Popen(  # noqa: S603 - this interpreter, our own arguments
                [
                    *(sys.executable, "-m", "gunicorn", "--config", str(CONFIG)),
                    # Only where it listens differs from production.
                    *("--bind", f"127.0.0.1:{self.port}", "--workers", "1"),
                    "--no-control-socket",
                    "config.wsgi",
                ],
                cwd=ROOT,
                env=env,
                stdout=stdout,
                stderr=stderr,
            )
        self.access = self.errors = ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.access, self.errors = self.access_path.read_text(), self.errors_path.read_text()


@pytest.fixture
def gunicorn(tmp_path):
    server = Server(tmp_path)
    try:
        wait_until_ready(server.process, f"http://127.0.0.1:{server.port}", server.errors_path)
        yield server
    finally:
        server.stop()


def get(port: int, path: str, headers: dict | None = None) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    opener = urllib.request.build_opener(NoRedirects)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.django_db(transaction=True)
def test_it_logs_requests_without_tokens_addresses_or_credentials(gunicorn):
    ana = make_pledge("ana@example.org", "PT")
    subscription = subscribe("ana@example.org", upcoming_country("ES"), confirmed=False)
    confirm, preferences = make_confirm_token(ana.public_id), make_token(ana.public_id)
    launch = make_launch_token(subscription.public_id)
    credentials = base64.b64encode(b"hookuser:hooksecret").decode()
    requests = [
        (f"/pt/confirm/{confirm}/", {}, 200),
        # Her browser's next request names the page it came from.
        ("/robots.txt", {"Referer": f"{SITE}/pt/confirm/{confirm}/"}, 200),
        (f"/unsubscribe/{preferences}/", {}, 200),
        (f"/email-preferences/{preferences}/", {}, 200),
        (f"/countries/notify/{launch}/", {}, 200),
        (f"/staff/exports/{EXPORT_TOKEN}/", {}, 404),
        ("/accounts/password/reset/key/1-cfx-9a8b7c6d5e/", {}, 200),
        (f"/accounts/login/?next=/pt/confirm/{confirm}/", {}, 200),
        ("/accounts/signup/?email=ana%40example.org", {}, 200),
        ("/admin/accounts/user/?q=ana%40example.org", {}, 302),
        ("/webhooks/email/mailgun/tracking/", {"Authorization": f"Basic {credentials}"}, 404),
    ]
    for path, headers, status in requests:
        assert get(gunicorn.port, path, headers) == status, path
    with socket.create_connection(("127.0.0.1", gunicorn.port), timeout=10) as mallory:
        mallory.sendall(b"NONSENSE\x00 / HTTP/1.1\r\n\r\n")
        mallory.recv(1024)
    gunicorn.stop()

    access = gunicorn.access.splitlines()
    # One line per request, each as the format says: no address, no user first.
    assert len(access) >= len(requests)
    assert all(line.startswith("[") for line in access), access
    logged = "\n".join(access)
    for line in [
        f'"GET /pt/confirm/{REDACTED}/ HTTP/1.1" 200',
        '"GET /robots.txt HTTP/1.1" 200',
        f'"{SITE}/pt/confirm/{REDACTED}/"',
        f'"GET /unsubscribe/{REDACTED}/ HTTP/1.1" 200',
        f'"GET /email-preferences/{REDACTED}/ HTTP/1.1" 200',
        f'"GET /countries/notify/{REDACTED}/ HTTP/1.1" 200',
        f'"GET /staff/exports/{REDACTED}/ HTTP/1.1" 404',
        f'"GET /accounts/password/reset/key/{REDACTED}/ HTTP/1.1" 200',
        f'"GET /accounts/login/?next=/pt/confirm/{REDACTED}/ HTTP/1.1" 200',
        f'"GET /accounts/signup/?email={REDACTED} HTTP/1.1" 200',
        f'"GET /admin/accounts/user/?q={REDACTED} HTTP/1.1" 302',
    ]:
        assert line in logged
    # The error log: Django's "Not Found: <path>", gunicorn's warning about Mallory.
    assert f"Not Found: /staff/exports/{REDACTED}/" in gunicorn.errors
    assert "Invalid request from ip=[redacted]: " in gunicorn.errors
    everything = logged + gunicorn.errors
    for secret in (confirm, preferences, launch, EXPORT_TOKEN, "cfx-9a8b7c6d5e"):
        assert secret not in everything
    assert "ana%40example.org" not in everything and "ana@example.org" not in everything
    assert "hookuser" not in everything
    assert "ip=127.0.0.1" not in everything
    assert "127.0.0.1" not in logged  # whoever asked: not in the access log at all


def test_no_format_can_bring_back_an_address_a_header_or_a_secret():
    """A deployment may change access_log_format; the atoms it could ask for that
    carry an address, credentials, cookies or a token stay "-" or redacted."""
    namespace: dict = {}
    exec(compile(CONFIG.read_text(), str(CONFIG), "exec"), namespace)  # noqa: S102 - our own file
    config = Config()
    for name in ("access_log_format", "accesslog", "logger_class"):
        config.set(name, namespace[name])
    config.set(
        "access_log_format",
        '%(h)s %(u)s "%(r)s" %(U)s %(q)s "%(f)s" %({cookie}i)s %({x-forwarded-for}i)s '
        "%({remote_addr}e)s %({set-cookie}o)s",
    )
    logger = config.logger_class(config)
    stream = StringIO()
    handler = logging.StreamHandler(stream)
    logger.access_log.addHandler(handler)
    try:
        environ = {
            "REQUEST_METHOD": "GET",
            "RAW_URI": f"/confirm/{EXPORT_TOKEN}/?email=ana%40example.org",
            "PATH_INFO": f"/confirm/{EXPORT_TOKEN}/",
            "QUERY_STRING": "email=ana%40example.org",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "203.0.113.7",
            "HTTP_REFERER": f"{SITE}/unsubscribe/{EXPORT_TOKEN}/",
            "HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"hookuser:hooksecret").decode(),
        }
        request = SimpleNamespace(
            headers=[("COOKIE", "sessionid=s3cr3t"), ("X-FORWARDED-FOR", "198.51.100.9")]
        )
        response = SimpleNamespace(
            status="200 OK", sent=10, headers=[("Set-Cookie", "sessionid=s3cr3t")]
        )
        logger.access(response, request, environ, timedelta(milliseconds=12))
    finally:
        logger.access_log.removeHandler(handler)
    line = stream.getvalue()
    assert line.strip() == (
        f'- - "GET /confirm/{REDACTED}/?email={REDACTED} HTTP/1.1" /confirm/{REDACTED}/ '
        f'email={REDACTED} "{SITE}/unsubscribe/{REDACTED}/" - - - -'
    )


def test_production_runs_gunicorn_with_this_configuration():
    dockerfile = (ROOT / "Dockerfile").read_text()
    compose = (ROOT / "docker-compose.yml").read_text()
    assert 'CMD ["gunicorn", "--config", "config/gunicorn.py", "config.wsgi"]' in dockerfile
    command = ["gunicorn", "--config", "config/gunicorn.py", "config.wsgi"]
    assert yaml.safe_load(compose)["services"]["web"]["command"] == command
    readme = (ROOT / "README.md").read_text()
    assert "`gunicorn --config config/gunicorn.py config.wsgi`" in readme
