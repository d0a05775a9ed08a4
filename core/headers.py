"""The security headers Django has no setting for, on every response.

- Permissions-Policy: the powerful features no page of ours uses (camera,
  microphone, geolocation, payment…, settings.PERMISSIONS_POLICY) are refused
  to our pages and to anything they might frame, so neither an injected script
  nor a framed page can ever ask a visitor for them.
- Cross-Origin-Resource-Policy: same-origin unless a view says otherwise, so a
  browser hands our responses to our own pages only, never to another site's
  <img>, <script> or no-cors fetch (which would let it read, or time, what a
  visitor's cookies show). The views other sites load on purpose (widgets,
  badge and share images, the open data API) say so with `other_sites_may_load`.

Listed before WhiteNoise in MIDDLEWARE, so static files carry them too.
"""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse

RESOURCE_POLICY = "Cross-Origin-Resource-Policy"


def security_headers(get_response: Callable) -> Callable:
    permissions = ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY)

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", permissions)
        response.headers.setdefault(RESOURCE_POLICY, settings.CROSS_ORIGIN_RESOURCE_POLICY)
        return response

    return middleware


def allow_other_sites(response: HttpResponse) -> HttpResponse:
    """Any site's page may load this response (an image, a frame, a fetch)."""
    response.headers[RESOURCE_POLICY] = "cross-origin"
    return response


def other_sites_may_load(view: Callable) -> Callable:
    """For views whose answers other sites load on purpose: cross-origin."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return allow_other_sites(view(request, *args, **kwargs))

    return wrapper
