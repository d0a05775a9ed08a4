"""Pages that are the same for every visitor but for the CSRF token.

The home page and the pledge form are the pages a launch-day crowd hits; they
show nothing about the visitor, so each worker renders them once per path and
language and serves copies carrying the visitor's own token. Only for pages
that show nothing about who is asking (no names, no messages, no errors).
"""

import secrets
from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.translation import get_language

# Random per process, so no page text can ever contain it by chance.
CSRF_SLOT = f"csrf-slot-{secrets.token_hex(16)}"


def render_shared_page(
    request, template_name: str, context: Callable[[], dict], *, timeout: int
) -> HttpResponse:
    key = f"shared-page:{get_language()}:{request.path}"
    cache = caches["local"]
    html = cache.get(key)
    if html is None:
        # Rendered as for an anonymous visitor, whoever happens to ask first: the
        # header shows who is signed in, and a copy serves everyone.
        shared = {**context(), "csrf_token": CSRF_SLOT, "user": AnonymousUser()}
        html = render_to_string(template_name, shared, request)
        cache.set(key, html, timeout)
    return HttpResponse(html.replace(CSRF_SLOT, get_token(request)))
