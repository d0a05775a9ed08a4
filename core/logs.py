"""Secrets in addresses never reach a log.

A confirmation, unsubscribe, email-preferences or launch sign-up link carries
a signed token that acts for its owner; an export's link opens the export;
allauth's key links reset a password or verify an address. Whoever reads a log
holding one could act as that person. Yet the logs name paths: Django's
`django.request` writes "Not Found: /confirm/<token>/" for every 404 and 410,
`django.security.csrf` the path of a refused form, runserver (`django.server`)
and gunicorn's access log every request line, and a browser's Referer repeats
the page it came from.

`redact(text)` cuts those tokens out of any text, as well as the values of
query parameters that carry a secret or an address (`?token=`, `?code=`,
`?email=`, `?q=` of an admin search…). `RedactSecrets` applies it to log
records, wired in LOGGING (config/settings.py); config/gunicorn.py applies it to
the access log. Plain standard library: gunicorn's master imports it before
Django is set up.

`WithoutTemplateContext` keeps the whole template context out of
`django.template`'s debug lines (see there).
"""

import logging
import re

REDACTED = "[redacted]"

# The paths whose next segment is a secret, with or without a language prefix.
# "/" may come percent-encoded, as in a ?next= parameter.
_SLASH = r"(?:/|%2[fF])"
_SECRET_PATHS = "|".join(
    [
        "confirm",
        "unsubscribe",
        "email-preferences",
        "countries" + _SLASH + "notify",
        "staff" + _SLASH + "exports",
        "accounts" + _SLASH + "confirm-email",
        "accounts" + _SLASH + "password" + _SLASH + "reset" + _SLASH + "key",
    ]
)
# Pages beside the links, named: kept, so the logs still tell them apart.
_NOT_SECRETS = "new-link|wall-choice|weekly|download|done"
TOKEN_IN_PATH = re.compile(
    rf"(?P<path>{_SLASH}(?:{_SECRET_PATHS}){_SLASH})"
    rf"(?!(?:{_NOT_SECRETS})(?:{_SLASH}|[?#&;\s\"']|$))"
    rf"(?:(?!{_SLASH})[^?#&;\s\"'])+"
)
# Query parameters whose value is a secret, an address or what someone searched for.
SECRET_PARAMETERS = ("token", "key", "code", "signature", "password", "email", "q")
SECRET_IN_QUERY = re.compile(
    rf"(?P<name>(?:^|[?&;])(?:{'|'.join(SECRET_PARAMETERS)})=)[^&;#\s\"']*", re.IGNORECASE
)


def redact(text: str) -> str:
    """The text with the secrets of any address in it replaced by [redacted]."""
    text = TOKEN_IN_PATH.sub(rf"\g<path>{REDACTED}", text)
    return SECRET_IN_QUERY.sub(rf"\g<name>{REDACTED}", text)


def redact_query(query: str) -> str:
    """A query string without its leading "?", its secrets redacted."""
    return SECRET_IN_QUERY.sub(rf"\g<name>{REDACTED}", query)


class RedactSecrets(logging.Filter):
    """Redacts a record's message and its text arguments in place, so every
    handler after it (and a logger's, before any handler) writes no secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, dict):
            record.args = {key: _redacted(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(_redacted(value) for value in record.args)
        return True


def _redacted(value):
    return redact(value) if isinstance(value, str) else value


class WithoutTemplateContext(logging.Filter):
    """`django.template` logs, at DEBUG, each variable a template could not
    resolve, with the exception, whose message repeats the whole context: the
    request, the form, and on allauth's code page the address the code went to.
    The line stays (which variable, which template); the exception goes."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return True
