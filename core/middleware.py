"""While the database is unreachable, a page that says so instead of the 500 page.

A restart or failover of PostgreSQL takes seconds. A request that needs the
database meanwhile gets a short page in the visitor's language, status 503 with
Retry-After: the visitor knows to try again, and a proxy or monitor sees an
outage, not a bug. The page is a standalone template rendered without a request
context (no context processors, no session, no user), so nothing in it needs
the database. What the request was writing is not half-saved: each write is one
statement or one transaction, and the one that failed is rolled back.

Only the errors by which PostgreSQL or its client library say "unreachable" are
answered so: any other error (a deadlock, a timeout, a bug, SQLite's own) is
still a 500, logged as one. The same holds for the shared cache (Redis): our own
code goes on without it (the rate limits fail open, the counts are read from the
database), but a library that needs it (allauth's rate limits on signing in)
raises, and its visitor gets the same 503 rather than the 500 page.
"""

import logging

import redis
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)

# Seconds a visitor (or a proxy) is asked to wait: about what a restart takes.
RETRY_AFTER = 30
# PostgreSQL's SQLSTATEs for "cannot serve you now": connection exceptions (class
# 08), the server shutting down, crashed or starting up (57P01-57P03), and no
# connection slot left (53300). A failure inside the client library (refused,
# reset, closed) has no SQLSTATE: None.
_UNREACHABLE_CLASSES = ("08",)
_UNREACHABLE_STATES = {"57P01", "57P02", "57P03", "53300"}
_NOT_PSYCOPG = "not psycopg"


def database_unreachable(error: BaseException) -> bool:
    """Whether `error` says the database cannot be reached (see the module)."""
    if not isinstance(error, (OperationalError, InterfaceError)):
        return False
    # Django raises its own class from psycopg's, which carries the SQLSTATE.
    state = getattr(error.__cause__, "sqlstate", _NOT_PSYCOPG)
    if state == _NOT_PSYCOPG:
        return False
    return state is None or state.startswith(_UNREACHABLE_CLASSES) or state in _UNREACHABLE_STATES


def cache_unreachable(error: BaseException) -> bool:
    """Whether `error` says the shared cache (Redis) cannot be reached."""
    return isinstance(error, (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError))


def unavailable_response() -> HttpResponse:
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    # An outage must not be kept by a cache and served once it is over.
    add_never_cache_headers(response)
    return response


class DatabaseUnavailableMiddleware:
    """Answers a view's "database unreachable" error with the 503 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if database_unreachable(exception):
            # The kind of failure only: the path may hold a token, the error a host.
            logger.warning(
                "database unreachable (%s): answered 503", type(exception.__cause__).__name__
            )
            return unavailable_response()
        if cache_unreachable(exception):
            logger.warning("cache unreachable (%s): answered 503", type(exception).__name__)
            return unavailable_response()
        return None
