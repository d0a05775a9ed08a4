"""Configuration from the environment: defaults, production rules, bad values."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    anymail_settings,
    mail_provider,
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
    "EMAIL_WEBHOOK_SECRET",
    "EMAIL_WEBHOOK_SIGNING_KEY",
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
    import django.conf.global_settings as django_defaults

    import config.settings as project_settings

    assert "default" in project_settings.MAILERS
    deprecated = {name for name in vars(django_defaults) if name.startswith("EMAIL_")}
    assert "EMAIL_BACKEND" in deprecated
    assert deprecated & set(vars(project_settings)) == set()


# -- mail providers (django-anymail) ------------------------------------------


@pytest.mark.parametrize(
    ("url", "backend", "options"),
    [
        (
            "mailgun://key-3ax6%2Bxyz@api.eu.mailgun.net?sender_domain=mg.example.org",
            "anymail.backends.mailgun.EmailBackend",
            {
                "api_key": "key-3ax6+xyz",
                "api_url": "https://api.eu.mailgun.net/v3/",
                "sender_domain": "mg.example.org",
            },
        ),
        ("mailgun://key-abc@", "anymail.backends.mailgun.EmailBackend", {"api_key": "key-abc"}),
        (
            "postmark://0f2c-server-token@",
            "anymail.backends.postmark.EmailBackend",
            {"server_token": "0f2c-server-token"},
        ),
        (
            "postmark://tok@?message_stream=broadcast",
            "anymail.backends.postmark.EmailBackend",
            {"server_token": "tok", "message_stream": "broadcast"},
        ),
        (
            "sendgrid://SG.ab_c.d-e@",
            "anymail.backends.sendgrid.EmailBackend",
            {"api_key": "SG.ab_c.d-e"},
        ),
        (
            "ses://?region=eu-west-1",
            "anymail.backends.amazon_ses.EmailBackend",
            {"client_params": {"region_name": "eu-west-1"}},
        ),
        (
            "ses://?region=eu-west-1&configuration_set=blueheart",
            "anymail.backends.amazon_ses.EmailBackend",
            {"client_params": {"region_name": "eu-west-1"}, "configuration_set_name": "blueheart"},
        ),
    ],
)
def test_it_reads_mail_provider_urls_into_anymail_mailers(url, backend, options):
    mailer = parse_email_url("EMAIL_URL", url, production=True)
    assert mailer == {"BACKEND": backend, "OPTIONS": options}
    assert mail_provider(mailer) == url.split(":", 1)[0]


def test_smtp_and_the_console_are_no_mail_provider():
    assert mail_provider(parse_email_url("EMAIL_URL", "smtp://mail.example.org")) is None
    assert mail_provider(parse_email_url("EMAIL_URL", "console://")) is None


@pytest.mark.parametrize(
    "url",
    [
        "mailgun://",  # no key
        "mailgun://@",  # an empty key
        "mailgun://topsecret",  # the key where the host goes: no @
        "mailgun://user:topsecret@",  # a colon: which one is the key?
        "mailgun://topsecret@api.mailgun.net:8080",  # a port
        "mailgun://topsecret@api.mailgun.net/v3",  # a path
        "mailgun://topsecret@?domain=mg.example.org",  # an unknown parameter
        "mailgun://topsecret@?sender_domain=",  # an empty one
        "mailgun://topsecret@?sender_domain=a&sender_domain=b",  # twice
        "postmark://topsecret@api.postmarkapp.com",  # no host for Postmark
        "postmark://top%20secret@",  # a space in the token
        "sendgrid://topsecret@?region=eu",
        "ses://",  # no region
        "ses://AKIAtopsecret:topsecret@?region=eu-west-1",  # credentials in the URL
        "ses://email.eu-west-1.amazonaws.com?region=eu-west-1",
        "sparkpost://topsecret@",  # not a provider we set up
    ],
)
def test_it_refuses_a_malformed_provider_url_without_showing_the_secret(url):
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL") as refused:
        parse_email_url("EMAIL_URL", url)
    assert "topsecret" not in str(refused.value)


def test_it_refuses_a_malformed_smtp_url_without_showing_the_password():
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL") as refused:
        parse_email_url("EMAIL_URL", "smtp://me:topsecret@")
    assert "topsecret" not in str(refused.value)


def test_the_webhook_settings_go_where_anymail_reads_them():
    assert anymail_settings(
        "mailgun", secret="hooks:pa:ss", signing_key="mg-key", production=True
    ) == {"WEBHOOK_SECRET": "hooks:pa:ss", "MAILGUN_WEBHOOK_SIGNING_KEY": "mg-key"}
    assert anymail_settings(
        "sendgrid", secret="hooks:pass", signing_key="MFkwEwYH+/==", production=True
    ) == {
        "WEBHOOK_SECRET": "hooks:pass",
        "SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY": "MFkwEwYH+/==",
    }
    assert anymail_settings("postmark", secret="hooks:pass", signing_key=None, production=True) == {
        "WEBHOOK_SECRET": "hooks:pass"
    }
    # No provider, no webhook: nothing to guard.
    assert anymail_settings(None, secret=None, signing_key=None, production=True) == {}


@pytest.mark.parametrize(
    ("provider", "secret", "signing_key", "named"),
    [
        ("postmark", "topsecret", None, "EMAIL_WEBHOOK_SECRET"),  # no user:
        ("postmark", ":topsecret", None, "EMAIL_WEBHOOK_SECRET"),
        ("postmark", "hooks:", None, "EMAIL_WEBHOOK_SECRET"),
        ("postmark", "hooks:top secret", None, "EMAIL_WEBHOOK_SECRET"),
        ("postmark", "hooks:pass", "topsecret", "EMAIL_WEBHOOK_SIGNING_KEY"),  # unsigned
        ("ses", "hooks:pass", "topsecret", "EMAIL_WEBHOOK_SIGNING_KEY"),
        ("sendgrid", "hooks:pass", "-----BEGIN topsecret", "EMAIL_WEBHOOK_SIGNING_KEY"),
    ],
)
def test_it_refuses_malformed_webhook_secrets_without_showing_them(
    provider, secret, signing_key, named
):
    with pytest.raises(ImproperlyConfigured, match=named) as refused:
        anymail_settings(provider, secret=secret, signing_key=signing_key, production=False)
    assert "topsecret" not in str(refused.value)


PROVIDER = PRODUCTION | {
    "EMAIL_URL": "mailgun://key-topsecret@api.eu.mailgun.net?sender_domain=mg.example.org",
    "EMAIL_WEBHOOK_SECRET": "hooks:topsecret",
    "EMAIL_WEBHOOK_SIGNING_KEY": "topsecret-signing-key",
}


@pytest.mark.parametrize(
    ("email_url", "missing"),
    [
        ("postmark://token@", {"EMAIL_WEBHOOK_SECRET"}),
        ("ses://?region=eu-west-1", {"EMAIL_WEBHOOK_SECRET"}),
        ("mailgun://key@", {"EMAIL_WEBHOOK_SECRET"}),
        ("mailgun://key@", {"EMAIL_WEBHOOK_SIGNING_KEY"}),
    ],
)
def test_production_refuses_a_provider_without_its_webhook_credentials(email_url, missing):
    env = {k: v for k, v in PROVIDER.items() if k not in missing} | {"EMAIL_URL": email_url}
    result = start(**env)
    assert result.returncode != 0
    last_line = result.stderr.splitlines()[-1]
    assert "ImproperlyConfigured" in last_line
    assert f"so {' and '.join(missing)} must be set" in last_line


def test_development_takes_a_provider_without_webhook_credentials():
    result = start_and_print("settings.MAIL_PROVIDER, settings.ANYMAIL", EMAIL_URL="postmark://t@")
    assert result.stdout.split() == ["postmark", "{}"]


def test_production_with_a_provider_starts_and_passes_the_deploy_checks():
    # Not this test process's own flags either: the browser tests set
    # DJANGO_ALLOW_ASYNC_UNSAFE, which the deploy checks rightly refuse.
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in _CONTRACT and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            **PROVIDER,
            "SECRET_KEY": "q8V2-" * 12,
            "SITE_URL": "https://example.org",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
    assert "topsecret" not in result.stdout + result.stderr
