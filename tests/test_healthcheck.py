"""The web container's health check passes against a server with production settings.

It runs the exact command of docker-compose.yml's web health check (only the port
differs) against gunicorn started with a real ALLOWED_HOSTS and an https SITE_URL,
where a plain GET of /readyz gets 400 (unknown Host) or 301 (the TLS redirect).
"""

import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_PORT = "127.0.0.1:8000"


def compose_web_healthcheck() -> list[str]:
    """The web service's health check command, from docker-compose.yml."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    test = compose["services"]["web"].get("healthcheck", {}).get("test")
    assert test, "no health check test in the web service"
    return test


@pytest.fixture
def production_server(tmp_path):
    """gunicorn serving config.wsgi with production settings on a free loopback port."""
    assert settings.REDIS_URL, "readiness needs the test Redis (REDIS_URL)"
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"GUNICORN_CMD_ARGS", "WEB_CONCURRENCY", "DJANGO_SETTINGS_MODULE"}
    }
    env |= {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "blueheart.example.org",
        "SITE_URL": "https://blueheart.example.org",
        # Readiness runs SELECT 1: an empty SQLite file answers it like PostgreSQL.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'ready.sqlite3'}",
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_URL": "smtp://mail.example.org:587?tls=1",  # never contacted by /readyz
    }
    log = (tmp_path / "gunicorn.log").open("w")
    # No control socket: it would be shared with every other gunicorn on the machine.
    options = ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--no-control-socket"]
    server = subprocess.Popen(  # noqa: S603 - this interpreter and our own arguments, no shell
        [sys.executable, "-m", "gunicorn", "config.wsgi", *options],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_listening(server, port, tmp_path / "gunicorn.log")
        yield port, env
    finally:
        server.terminate()
        server.wait(timeout=15)
        log.close()


def wait_until_listening(server, port, log_path, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, f"gunicorn exited:\n{log_path.read_text()}"
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
        except urllib.error.HTTPError:
            return  # it answers (400: a Host it does not serve)
        except OSError:
            time.sleep(0.1)
        else:
            return
    pytest.fail(f"gunicorn did not listen on {port}:\n{log_path.read_text()}")


def status_of(url: str, headers: dict) -> int:
    request = urllib.request.Request(url, headers=headers)
    opener = urllib.request.build_opener(NoRedirects)
    try:
        with opener.open(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_it_is_the_healthcheck_script_in_the_compose_file():
    assert compose_web_healthcheck() == [
        "CMD",
        "python",
        "config/healthcheck.py",
        f"http://{COMPOSE_PORT}/readyz",
    ]


def test_a_plain_get_of_readyz_fails_with_production_settings(production_server):
    port, _ = production_server
    url = f"http://127.0.0.1:{port}/readyz"
    # What the old health check sent: Host 127.0.0.1, plain http. Refused as a
    # DisallowedHost: 400, or 500 where the 400 page's static files were never collected.
    assert status_of(url, {}) >= 400
    assert status_of(url, {"Host": "blueheart.example.org"}) == 301


def test_the_compose_health_check_passes_with_production_settings(production_server):
    port, env = production_server
    command = compose_web_healthcheck()[1:]  # after "CMD"
    command = [sys.executable if part == "python" else part for part in command]
    command = [part.replace(COMPOSE_PORT, f"127.0.0.1:{port}") for part in command]
    result = subprocess.run(  # noqa: S603 - the compose file's own command, no shell
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stderr
