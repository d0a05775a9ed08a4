"""Configuration from the environment: defaults, production rules, bad values."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    parse_database_url,
    parse_email_url,
    parse_redis_url,
    redis_neighbour_url,
)

ROOT = Path(__file__).resolve().parent.parent


def start(**env) -> subprocess.CompletedProcess:
    """Load the settings in a fresh interpreter, as start-up would."""
    clean = {k: v for k, v in os.environ.items() if k not in _CONTRACT}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def start_and_print(expression: str, **env) -> subprocess.CompletedProcess:
    """Print a settings expression from a fresh interpreter."""
    clean = {k: v for k, v in os.environ.items() if k not in _CONTRACT}
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    result = subprocess.run(  # noqa: S603 - this interpreter, our own expression, no shell
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result


_CONTRACT = {
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_URL",
    "SITE_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
}


def test_it_starts_with_no_environment_at_all():
    result = start()
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "mysql://root@localhost/db"),
        ("DATABASE_URL", "postgres://postgres@127.0.0.1:notaport/blueheart"),
        ("REDIS_URL", "127.0.0.1:6379"),
        ("REDIS_URL", "redis://127.0.0.1:6379/zero"),
        ("EMAIL_URL", "smtp:/mail.example.org"),
        ("SITE_URL", "blueheart.example.org"),
        ("SITE_URL", "https://blueheart.example.org/campaign"),
        ("DEBUG", "maybe"),
        ("ALLOWED_HOSTS", "example.org,,other.org"),
    ],
)
def test_it_refuses_a_malformed_value_naming_the_variable(name, value):
    result = start(**{name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert name in result.stderr.splitlines()[-1]


# Everything production needs; nothing here is contacted when the settings load.
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 50,
    "ALLOWED_HOSTS": "example.org",
    "EMAIL_URL": "smtp://blueheart:secret@mail.example.org:587?tls=1",
    "REDIS_URL": "redis://redis.example.org:6379/0",
}


def without(name: str) -> dict:
    return {key: value for key, value in PRODUCTION.items() if key != name}


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "EMAIL_URL", "REDIS_URL"])
def test_production_refuses_to_start_without_each_of_its_settings(missing):
    result = start(**without(missing))
    assert result.returncode != 0
    last_line = result.stderr.splitlines()[-1]
    assert "ImproperlyConfigured" in last_line
    assert f"so {missing} must be set" in last_line


@pytest.mark.parametrize("email_url", ["console://", "memory://"])
def test_production_refuses_console_or_memory_email(email_url):
    result = start(**PRODUCTION | {"EMAIL_URL": email_url})
    assert result.returncode != 0
    last_line = result.stderr.splitlines()[-1]
    assert "ImproperlyConfigured" in last_line
    assert "EMAIL_URL must name a mail server" in last_line


@pytest.mark.parametrize(
    "email_url", ["smtp://mail.example.org:587?tls=1", "smtps://mail.example.org"]
)
def test_production_starts_with_everything_set(email_url):
    result = start(**PRODUCTION | {"EMAIL_URL": email_url})
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_development_prints_emails_to_the_console():
    result = start_and_print("settings.MAILERS['default']['BACKEND']")
    assert result.stdout.strip() == "config.console_email.EmailBackend"


def test_it_reads_a_postgres_url():
    db = parse_database_url("DATABASE_URL", "postgres://user:p%40ss@db.internal:6543/campaign")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "user",
        "p@ss",
        "db.internal",
        "6543",
        "campaign",
    )


def test_it_reads_smtp_urls_into_mailers_options():
    mailer = parse_email_url("EMAIL_URL", "smtp://me:secret@mail.example.org:587?tls=1")
    assert mailer["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert mailer["OPTIONS"] | {"timeout": None} == {
        "host": "mail.example.org",
        "port": 587,
        "username": "me",
        "password": "secret",
        "use_tls": True,
        "use_ssl": False,
        "timeout": None,
    }
    assert parse_email_url("EMAIL_URL", "smtps://mail.example.org")["OPTIONS"]["port"] == 465


def test_it_refuses_a_redis_url_without_a_host():
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL"):
        parse_redis_url("REDIS_URL", "redis:///0")


def test_it_refuses_a_redis_database_given_as_a_query_parameter():
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL"):
        parse_redis_url("REDIS_URL", "redis://127.0.0.1:6379?db=3")


@pytest.mark.parametrize(
    ("broker", "cache"),
    [
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/1"),
        ("redis://127.0.0.1:6379/1", "redis://127.0.0.1:6379/0"),
        ("redis://127.0.0.1:6379/14", "redis://127.0.0.1:6379/15"),
        ("redis://127.0.0.1:6379/15", "redis://127.0.0.1:6379/14"),
        ("redis://127.0.0.1:6379", "redis://127.0.0.1:6379/1"),
        (
            "rediss://:p%40ss@redis.internal:6380/2?ssl_cert_reqs=required",
            "rediss://:p%40ss@redis.internal:6380/3?ssl_cert_reqs=required",
        ),
    ],
)
def test_the_cache_uses_the_neighbour_of_the_brokers_database(broker, cache):
    assert redis_neighbour_url(broker) == cache


def test_settings_put_broker_and_cache_in_different_databases():
    result = start_and_print(
        "settings.CELERY_BROKER_URL, settings.CACHES['default']['LOCATION']",
        REDIS_URL="redis://127.0.0.1:6379/6",
    )
    assert result.stdout.split() == ["redis://127.0.0.1:6379/6", "redis://127.0.0.1:6379/7"]


def test_it_uses_mailers_not_the_deprecated_email_settings():
    import config.settings as project_settings

    assert "default" in project_settings.MAILERS
    assert [name for name in vars(project_settings) if name.startswith("EMAIL_")] == []
