"""The tokens of links never reach Django's logs (core/logs.py, LOGGING).

Ana's confirmation link has expired and her unsubscribe link was mangled by
her mail client: Django logs each answer, 410 or 404, with its path, and
whoever reads the logs must not be able to confirm or unsubscribe for them.
Mallory posts a form without its CSRF token to an export's link: refused, and
logged without the link's token. The development server (runserver) logs every
request line the same way."""

import contextlib
import logging
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from campaign.tokens import make_launch_token
from core.logs import REDACTED, redact
from mailings.tokens import make_token
from pledges.tokens import make_confirm_token
from tests.conftest import free_port, make_pledge
from tests.launch import upcoming_country
from tests.test_log_privacy import message_of

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "ImFiYzEyMyI:1vY8Vx:Qm9ndXMtc2lnbmF0dXJlLWZvci10ZXN0cw"


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        (f"/confirm/{TOKEN}/", "/confirm/[redacted]/"),
        (f"/pt/confirm/{TOKEN}/", "/pt/confirm/[redacted]/"),
        (f"/es/unsubscribe/{TOKEN}/", "/es/unsubscribe/[redacted]/"),
        (f"/email-preferences/{TOKEN}/", "/email-preferences/[redacted]/"),
        (f"/countries/notify/{TOKEN}/", "/countries/notify/[redacted]/"),
        ("/staff/exports/4bX_Tq-9zK2/", "/staff/exports/[redacted]/"),
        ("/accounts/confirm-email/MQ:1vY8Vx:abc/", "/accounts/confirm-email/[redacted]/"),
        ("/accounts/password/reset/key/1-cfx-9a8b7c/", "/accounts/password/reset/key/[redacted]/"),
        # In a request line, a referrer, a message.
        (
            f'"GET /confirm/{TOKEN}/?x=1 HTTP/1.1" 404',
            '"GET /confirm/[redacted]/?x=1 HTTP/1.1" 404',
        ),
        (f"https://example.org/pt/confirm/{TOKEN}/", "https://example.org/pt/confirm/[redacted]/"),
        (f"Not Found: /confirm/{TOKEN}", "Not Found: /confirm/[redacted]"),
        # Query values that carry a secret, an address or a search.
        (
            f"/accounts/login/?next=/staff/exports/{TOKEN}/",
            "/accounts/login/?next=/staff/exports/[redacted]/",
        ),
        (
            f"/accounts/login/?next=%2Fpt%2Fconfirm%2F{TOKEN}%2F",
            "/accounts/login/?next=%2Fpt%2Fconfirm%2F[redacted]%2F",
        ),
        ("/accounts/signup/?email=ana%40example.org", "/accounts/signup/?email=[redacted]"),
        ("/admin/accounts/user/?q=ana@example.org&o=1", "/admin/accounts/user/?q=[redacted]&o=1"),
        ("/x/?lang=pt&token=abc&code=ABCD-EFGH", "/x/?lang=pt&token=[redacted]&code=[redacted]"),
        # The pages beside the links keep their names.
        ("/confirm/new-link/", "/confirm/new-link/"),
        ("/pt/confirm/wall-choice/", "/pt/confirm/wall-choice/"),
        ("/staff/exports/weekly/", "/staff/exports/weekly/"),
        ("/staff/exports/download?from=2026-01-01", "/staff/exports/download?from=2026-01-01"),
        ("/accounts/password/reset/key/done/", "/accounts/password/reset/key/done/"),
        ("/countries/pt/notify/", "/countries/pt/notify/"),
        ("/embed/counter/?country=PT&lang=pt", "/embed/counter/?country=PT&lang=pt"),
    ],
)
def test_it_redacts_the_secrets_of_an_address_and_nothing_else(text, redacted):
    assert redact(text) == redacted


class Collect(logging.Handler):
    """Keeps each message as written at that point: a handler further up may
    still change the record itself."""

    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(f"{record.name} {message_of(record)}")


@pytest.fixture
def django_logs():
    """The records of the loggers that name paths, as they leave those loggers:
    before any handler above them, Django's own (in DEBUG) or a deployment's."""
    collect = Collect()
    loggers = [logging.getLogger(name) for name in ("django.request", "django.security.csrf")]
    for logger in loggers:
        logger.addHandler(collect)
    yield collect
    for logger in loggers:
        logger.removeHandler(collect)


def written(logs) -> str:
    return "\n".join(logs.lines)


def test_a_404_or_410_logs_the_path_without_its_token(client, django_logs):
    upcoming_country("PT")
    pledge = make_pledge("ana@example.org", "PT", confirmed=False)
    with time_machine.travel(timezone.now() - timedelta(days=30)):
        expired = make_confirm_token(pledge.public_id)
    unknown_launch = make_launch_token("00000000-0000-0000-0000-000000000000")
    mangled = make_token(pledge.public_id)[:-3] + "xyz"
    answers = {
        f"/confirm/{expired}/": 410,
        f"/pt/confirm/{expired}/": 410,
        f"/unsubscribe/{mangled}/": 404,
        f"/email-preferences/{mangled}/": 404,
        f"/countries/notify/{unknown_launch}/": 404,
        f"/staff/exports/{TOKEN}/": 404,
    }
    for path, status in answers.items():
        assert client.get(path).status_code == status, path
    logged = written(django_logs)
    for path in answers:
        # Logged, as Django does, and without the token.
        assert redact(path) in logged, path
    for token in (expired, mangled, unknown_launch, TOKEN):
        assert token not in logged
    assert logged.count(REDACTED) >= len(answers)


def test_a_refused_form_logs_the_path_without_its_token(django_logs):
    mallory = Client(enforce_csrf_checks=True)
    assert mallory.post(f"/staff/exports/{TOKEN}/").status_code == 403
    logged = written(django_logs)
    assert f"/staff/exports/{REDACTED}/" in logged
    assert TOKEN not in logged


def test_every_handler_of_ours_redacts_too():
    for name, handler in settings.LOGGING["handlers"].items():
        assert "redact_secrets" in handler.get("filters", []), name


@pytest.fixture
def runserver(tmp_path):
    """`manage.py runserver` on a free loopback port (its own SQLite database,
    DEBUG on, as in development); yields its address and its log file."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'dev.sqlite3'}", "DEBUG": "true"}
    log_path = tmp_path / "runserver.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(  # noqa: S603 - this interpreter and our own arguments, no shell
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert server.poll() is None, log_path.read_text()
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", log_path
    finally:
        server.terminate()
        server.wait(timeout=15)


def test_the_development_server_logs_request_lines_without_tokens(runserver):
    base_url, log_path = runserver
    for path in (f"/confirm/{TOKEN}/", f"/unsubscribe/{TOKEN}/", "/accounts/signup/?email=a%40b.c"):
        # A 404 for most: what matters is the line each leaves.
        with contextlib.suppress(urllib.error.HTTPError):
            urllib.request.urlopen(base_url + path, timeout=10)
    deadline = time.monotonic() + 10
    while "signup" not in log_path.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    log = log_path.read_text()
    assert f'"GET /confirm/{REDACTED}/ HTTP/1.1" 404' in log
    assert f'"GET /unsubscribe/{REDACTED}/ HTTP/1.1" 404' in log
    assert f'"GET /accounts/signup/?email={REDACTED} HTTP/1.1"' in log
    assert TOKEN not in log
    assert "a%40b.c" not in log
