"""Typed readers for the environment variables in PRODUCT.md.

Every reader refuses a malformed value with a message that names the variable,
so a typo stops start-up instead of silently running on a default.
"""

import os
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


def parse_email_url(name: str, value: str, *, production: bool = False) -> dict:
    """smtp://user:pass@host:port, smtps:// (implicit TLS), ?tls=1 for STARTTLS,
    console:// and memory:// for development and tests (refused in production)."""
    parts = urlsplit(value)
    if production and parts.scheme in ("console", "memory"):
        raise ImproperlyConfigured(
            f"{name} must name a mail server (smtp:// or smtps://) when DEBUG is off "
            f"(production): {parts.scheme}:// is for development and tests."
        )
    if parts.scheme == "console":
        return dict(CONSOLE_MAILER)
    if parts.scheme == "memory":
        return {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ImproperlyConfigured(
            f"{name} must look like smtp://user:password@host:587?tls=1, not {value!r}."
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
