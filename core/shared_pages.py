"""Pages that are the same for every visitor but for the CSRF token.

The home page and the pledge form are the pages a launch-day crowd hits; they
show nothing about an anonymous visitor, so each worker renders them once per
path and language and serves copies carrying the visitor's own token. Only for
pages that show nothing about who is asking (no names, no messages, no errors).

A signed-in visitor, or one with a message waiting, gets the page rendered for
them alone, and that render is never kept: the layout then shows who is signed
in, and no copy may ever carry it to someone else.
"""

import secrets
from collections.abc import Callable

from django.contrib import messages
from django.core.cache import caches
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import get_language

# Random per process, so no page text can ever contain it by chance.
CSRF_SLOT = f"csrf-slot-{secrets.token_hex(16)}"


def render_shared_page(
    request, template_name: str, context: Callable[[], dict], *, timeout: int
) -> HttpResponse:
    # len() looks at waiting messages without marking them read.
    if request.user.is_authenticated or len(messages.get_messages(request)):
        return render(request, template_name, context())
    key = f"shared-page:{get_language()}:{request.path}"
    cache = caches["local"]
    html = cache.get(key)
    if html is None:
        html = render_to_string(template_name, {**context(), "csrf_token": CSRF_SLOT}, request)
        cache.set(key, html, timeout)
    return HttpResponse(html.replace(CSRF_SLOT, get_token(request)))
