"""Pages that are the same for every visitor but for the CSRF token.

The home page and the pledge form are the pages a launch-day crowd hits; they
show nothing about an anonymous visitor, so each worker renders them once per
path and language and serves copies carrying the visitor's own token. Only for
pages that show nothing about who is asking (no names, no messages, no errors).

Every copy's key carries the content version, kept in the shared cache
(Redis): publishing bumps it, so every worker stops serving its old copies at
once, within a request, not when they expire.

A signed-in visitor, or one with a message waiting, gets the page rendered for
them alone, and that render is never kept: the layout then shows who is signed
in, and no copy may ever carry it to someone else.
"""

import logging
import secrets
from collections.abc import Callable

from django.contrib import messages
from django.core.cache import cache, caches
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import get_language

logger = logging.getLogger(__name__)

# Random per process, so no page text can ever contain it by chance.
CSRF_SLOT = f"csrf-slot-{secrets.token_hex(16)}"
CONTENT_VERSION_KEY = "content-version"
# Seconds within which every worker serves newly published content.
PUBLISH_REACHES_ALL_WITHIN = 5


def content_version() -> str | None:
    """The current content version, or None when the shared cache is unreachable."""
    try:
        version = cache.get(CONTENT_VERSION_KEY)
        if version is None:
            # First reader after a cache flush: any fresh value will do, as long
            # as every worker then agrees on it (add() keeps the first one set).
            cache.add(CONTENT_VERSION_KEY, secrets.token_hex(8), timeout=None)
            version = cache.get(CONTENT_VERSION_KEY)
        return version
    except Exception:
        logger.warning("content version unavailable; keeping copies briefly", exc_info=True)
        return None


def content_changed() -> None:
    """Call when published content changes: once the transaction commits, every
    worker's copies are out of date."""

    def bump():
        try:
            cache.set(CONTENT_VERSION_KEY, secrets.token_hex(8), timeout=None)
        except Exception:
            # Copies then expire on their own timeout; say so loudly.
            logger.error("content version not bumped; pages may be stale", exc_info=True)

    transaction.on_commit(bump)


def render_shared_page(
    request, template_name: str, context: Callable[[], dict], *, timeout: int
) -> HttpResponse:
    # len() looks at waiting messages without marking them read.
    if request.user.is_authenticated or len(messages.get_messages(request)):
        return render(request, template_name, context())
    version = content_version()
    if version is None:
        # No version to trust: keep copies no longer than the publish promise.
        version, timeout = "unversioned", min(timeout, PUBLISH_REACHES_ALL_WITHIN)
    key = f"shared-page:{version}:{get_language()}:{request.path}"
    copies = caches["local"]
    html = copies.get(key)
    if html is None:
        html = render_to_string(template_name, {**context(), "csrf_token": CSRF_SLOT}, request)
        copies.set(key, html, timeout)
    if CSRF_SLOT not in html:  # no form on it: no token, and no CSRF cookie set
        return HttpResponse(html)
    return HttpResponse(html.replace(CSRF_SLOT, get_token(request)))
