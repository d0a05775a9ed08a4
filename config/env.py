"""Typed readers for the environment variables in PRODUCT.md.

Every reader refuses a malformed value with a message that names the variable,
so a typo stops start-up instead of silently running on a default.
"""

import base64
import binascii
import ipaddress
import os
import re
from typing import NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return None if value is None else value.strip()


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in TRUE_WORDS:
        return True
    if value.lower() in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_str(name: str, default: str | None = None) -> str | None:
    value = _raw(name)
    return value or default


def env_list(name: str) -> list[str] | None:
    value = _raw(name)
    if not value:
        return None
    items = [item.strip() for item in value.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(
            f"{name} must be a comma-separated list without empty items, not {value!r}."
        )
    return items


def env_networks(name: str) -> list[str]:
    """A comma-separated list of IP addresses or networks, checked at start-up."""
    items = env_list(name) or []
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must list IP addresses or networks (e.g. 10.0.0.0/8), not {item!r}."
            ) from None
    return items


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    value = _raw(name)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or number < minimum:
        raise ImproperlyConfigured(f"{name} must be a whole number from {minimum}, not {value!r}.")
    return number


def env_int_list(name: str, default: list[int]) -> list[int]:
    items = env_list(name)
    if items is None:
        return default
    try:
        numbers = sorted({int(item) for item in items})
    except ValueError:
        numbers = []
    if not numbers or numbers[0] < 1:
        raise ImproperlyConfigured(
            f"{name} must be a comma-separated list of whole numbers from 1, not {_raw(name)!r}."
        )
    return numbers


class Rate(NamedTuple):
    """So many requests per so many seconds (abuse/limits.py)."""

    count: int
    seconds: int


_RATE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def env_rate(name: str, default: str) -> Rate:
    """A rate written as COUNT/PERIOD: 100/h, 5/d, 30/10m (units s, m, h, d)."""
    value = _raw(name) or default
    match = re.fullmatch(r"([0-9]+)\s*/\s*([0-9]*)\s*([smhd])", value)
    rate = match and Rate(int(match[1]), int(match[2] or 1) * _RATE_UNITS[match[3]])
    if not rate or rate.count < 1 or rate.seconds < 1:
        raise ImproperlyConfigured(
            f"{name} must be a count per period such as 100/h, 5/d or 30/10m "
            f"(at least 1, units s, m, h, d), not {value!r}."
        )
    return rate


def env_site_url(name: str, default: str) -> str:
    value = env_str(name, default)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImproperlyConfigured(
            f"{name} must be an absolute http(s) URL such as "
            f"https://blueheart.example.org, not {value!r}."
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ImproperlyConfigured(f"{name} must not have a path or query: {value!r}.")
    return f"{parts.scheme}://{parts.netloc}"


def _port(name: str, parts) -> int | None:
    try:
        return parts.port
    except ValueError:
        raise ImproperlyConfigured(f"{name} has an invalid port: {parts.geturl()!r}.") from None


def parse_database_url(name: str, value: str) -> dict:
    parts = urlsplit(value)
    if parts.scheme in ("postgres", "postgresql"):
        db_name = unquote(parts.path.lstrip("/"))
        if not parts.hostname and not db_name:
            raise ImproperlyConfigured(
                f"{name} must name a host or a database, e.g. "
                f"postgres://postgres@127.0.0.1:5432/blueheart, not {value!r}."
            )
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": db_name or "blueheart",
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(_port(name, parts) or ""),
            "OPTIONS": query,
            # Sync workers keep one connection each instead of reconnecting per request.
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    if parts.scheme == "sqlite":
        # sqlite:///relative/path or sqlite:////absolute/path
        path = value[len("sqlite://") :].removeprefix("/")
        if not path:
            raise ImproperlyConfigured(f"{name} must name a file: sqlite:///var/db.sqlite3.")
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path}
    raise ImproperlyConfigured(f"{name} must start with postgres:// or sqlite:///, not {value!r}.")


def parse_redis_url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise ImproperlyConfigured(
            f"{name} must look like redis://127.0.0.1:6379/0, not {value!r}."
        )
    _port(name, parts)
    db = parts.path.lstrip("/")
    if db and not db.isdigit():
        raise ImproperlyConfigured(f"{name} must end with a database number: {value!r}.")
    if "db" in parse_qs(parts.query):
        # redis-py would let ?db= win over the path, and the cache's database is
        # derived from the path (redis_neighbour_url): one place for the number.
        raise ImproperlyConfigured(
            f"{name} must give its database number in the path (/0), not as ?db=: {value!r}."
        )
    return value


def redis_neighbour_url(value: str) -> str:
    """The same Redis server, in the neighbouring database: n ^ 1 (0 <-> 1, 14 <-> 15).

    The broker uses the database REDIS_URL names and the cache this one, so
    clearing the cache (FLUSHDB) never drops a queued task. Pairing by the last
    bit keeps each pair apart from every other (0/1, 2/3, ...), so deployments
    or test runs given different even numbers never share a database, and the
    neighbour always exists on a server with the default 16 databases."""
    parts = urlsplit(value)
    db = int(parts.path.lstrip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{db ^ 1}"))


# Development only: prints each email with its text as written (see the module).
CONSOLE_MAILER = {"BACKEND": "config.console_email.EmailBackend"}


def _without_secrets(value: str) -> str:
    """The URL for an error message: whatever stands before @ (a password, an
    API key) is replaced by ***."""
    scheme, sep, rest = value.partition("://")
    if not sep:
        return "…" if "@" in value else value
    netloc, slash, tail = rest.partition("/")
    netloc, query_sep, query = netloc.partition("?")
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    return f"{scheme}://{netloc}{query_sep}{query}{slash}{tail}"


def parse_email_url(name: str, value: str, *, production: bool = False) -> dict:
    """smtp://user:pass@host:port, smtps:// (implicit TLS), ?tls=1 for STARTTLS,
    a mail provider (see MAIL_PROVIDERS), console:// and memory:// for
    development and tests (refused in production)."""
    try:
        parts = urlsplit(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} is not a URL: {_without_secrets(value)!r}.") from None
    if production and parts.scheme in ("console", "memory"):
        raise ImproperlyConfigured(
            f"{name} must name a mail server (smtp:// or smtps://) or a mail provider "
            f"({', '.join(f'{scheme}://' for scheme in MAIL_PROVIDERS)}) when DEBUG is off "
            f"(production): {parts.scheme}:// is for development and tests."
        )
    if parts.scheme == "console":
        return dict(CONSOLE_MAILER)
    if parts.scheme == "memory":
        return {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if parts.scheme in MAIL_PROVIDERS:
        return _parse_provider_url(name, parts)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ImproperlyConfigured(
            f"{name} must look like smtp://user:password@host:587?tls=1 or name a mail "
            f"provider ({', '.join(MAIL_PROVIDER_FORMS.values())}), "
            f"not {_without_secrets(value)!r}."
        )
    query = parse_qs(parts.query)
    options = {
        "host": parts.hostname,
        "port": _port(name, parts) or (465 if parts.scheme == "smtps" else 25),
        "username": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "use_ssl": parts.scheme == "smtps",
        "use_tls": query.get("tls", ["0"])[-1].lower() in TRUE_WORDS,
        "timeout": 20,
    }
    return {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": options}


# -- mail providers (django-anymail) ------------------------------------------

# EMAIL_URL's scheme: the anymail backend, the name of the anymail option that
# takes the secret before @ (None: no secret in the URL), and the query
# parameters it takes, each with its anymail option (required ones marked *).
MAIL_PROVIDERS = {
    "mailgun": ("mailgun", "api_key", {"sender_domain": "sender_domain"}),
    "postmark": ("postmark", "server_token", {"message_stream": "message_stream"}),
    "sendgrid": ("sendgrid", "api_key", {}),
    "ses": (
        "amazon_ses",
        None,
        {"region*": "region_name", "configuration_set": "configuration_set_name"},
    ),
}
# How each is written, for the messages. Mailgun's host is its API's:
# api.mailgun.net (the default) or api.eu.mailgun.net for an EU account. SES
# takes boto3's own credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or
# the instance's role.
MAIL_PROVIDER_FORMS = {
    "mailgun": "mailgun://API_KEY@[api.eu.mailgun.net][?sender_domain=mg.example.org]",
    "postmark": "postmark://SERVER_TOKEN@[?message_stream=broadcast]",
    "sendgrid": "sendgrid://API_KEY@",
    "ses": "ses://?region=eu-west-1[&configuration_set=NAME]",
}


def mail_provider(mailer: dict) -> str | None:
    """The EMAIL_URL scheme of a mailer that sends through a provider, else None."""
    for scheme, (module, _, _) in MAIL_PROVIDERS.items():
        if mailer.get("BACKEND") == f"anymail.backends.{module}.EmailBackend":
            return scheme
    return None


def _parse_provider_url(name: str, parts) -> dict:
    scheme = parts.scheme
    module, secret_option, parameters = MAIL_PROVIDERS[scheme]
    form = MAIL_PROVIDER_FORMS[scheme]

    def refuse(problem: str) -> ImproperlyConfigured:
        # Never the value: it holds the provider's secret.
        return ImproperlyConfigured(f"{name} must look like {form}: {problem}.")

    if parts.path not in ("", "/") or parts.fragment:
        raise refuse("it has a path")
    options: dict = {}
    has_user = "@" in parts.netloc
    host = parts.netloc.rsplit("@", 1)[1] if has_user else parts.netloc
    if secret_option is None:
        if has_user:
            raise refuse("credentials come from the AWS environment, not the URL")
    else:
        if not has_user:
            raise refuse("the secret goes before @")
        if parts.password is not None:
            raise refuse("the secret goes before @ alone, without a colon")
        secret = unquote(parts.username or "")
        if not secret or any(char.isspace() or ord(char) < 32 for char in secret):
            raise refuse("the secret before @ is empty or holds spaces")
        options[secret_option] = secret
    if host:
        if scheme != "mailgun":
            raise refuse("it takes no host")
        if not re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?", host.lower()):
            raise refuse("the API host must be a host name alone, such as api.eu.mailgun.net")
        options["api_url"] = f"https://{host.lower()}/v3/"
    try:
        query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        raise refuse("its query after ? is malformed") from None
    known = {parameter.rstrip("*"): option for parameter, option in parameters.items()}
    unknown = sorted(set(query) - set(known))
    if unknown:
        takes = ", ".join(known) or "nothing"
        raise refuse(f"it takes {takes} after ?, not {', '.join(unknown)}")
    for parameter, option in parameters.items():
        values = query.get(parameter.rstrip("*"), [])
        if len(values) > 1 or values == [""]:
            raise refuse(f"{parameter.rstrip('*')} must be given once, not empty")
        if values:
            options[option] = values[0]
        elif parameter.endswith("*"):
            raise refuse(f"{parameter.rstrip('*')} is required")
    if scheme == "ses":
        options = {
            "client_params": {"region_name": options.pop("region_name")},
            **options,
        }
    return {"BACKEND": f"anymail.backends.{module}.EmailBackend", "OPTIONS": options}


# What each provider's tracking webhook checks besides EMAIL_WEBHOOK_SECRET's
# basic auth: the anymail setting that takes EMAIL_WEBHOOK_SIGNING_KEY, or None
# where the provider signs nothing that anymail checks.
WEBHOOK_SIGNING_KEYS = {
    # Mailgun's "HTTP webhook signing key" (an HMAC over every event).
    "mailgun": "MAILGUN_WEBHOOK_SIGNING_KEY",
    # SendGrid's Signed Event Webhook "verification key" (an ECDSA public key, base64).
    "sendgrid": "SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY",
    "postmark": None,
    "ses": None,
}


def anymail_settings(
    provider: str | None,
    *,
    secret: str | None,
    signing_key: str | None,
    production: bool,
) -> dict:
    """settings.ANYMAIL for the provider's tracking webhook: basic auth with
    `secret` ("user:password"), and the provider's signing key where it signs.
    Production refuses a provider without them: an open webhook would let
    anyone mark any address undeliverable. Messages never show either value."""
    if provider is None:
        return {}
    key_setting = WEBHOOK_SIGNING_KEYS[provider]
    if production:
        missing = [] if secret else ["EMAIL_WEBHOOK_SECRET"]
        if provider == "mailgun" and not signing_key:
            missing.append("EMAIL_WEBHOOK_SIGNING_KEY")
        if missing:
            raise ImproperlyConfigured(
                f"DEBUG is off (production) and EMAIL_URL names {provider}://, so "
                f"{' and '.join(missing)} must be set (the tracking webhook's "
                "credentials: without them anyone could report bounces and complaints)."
            )
    settings: dict = {}
    if secret:
        user, colon, password = secret.partition(":")
        if not (user and colon and password) or any(c.isspace() for c in secret):
            raise ImproperlyConfigured(
                "EMAIL_WEBHOOK_SECRET must be user:password (the webhook's basic auth, "
                "without spaces); its value is not shown."
            )
        settings["WEBHOOK_SECRET"] = secret
    if signing_key:
        if key_setting is None:
            raise ImproperlyConfigured(
                "EMAIL_WEBHOOK_SIGNING_KEY is for Mailgun and SendGrid, which sign their "
                f"webhooks; {provider} does not: leave it unset (EMAIL_WEBHOOK_SECRET guards it)."
            )
        if provider == "sendgrid":
            try:
                base64.b64decode(signing_key, validate=True)
            except binascii.Error:
                raise ImproperlyConfigured(
                    "EMAIL_WEBHOOK_SIGNING_KEY must be SendGrid's verification key as it shows it "
                    "(base64, without the BEGIN/END lines); its value is not shown."
                ) from None
        settings[key_setting] = signing_key
    return settings
