"""What every open data API response carries, whichever endpoint answers.

Applied once to every URL of the API (api.v1.urlpatterns), so an endpoint added
later gets it without a line of its own:

- Cache-Control: public; max-age 60 s unless the endpoint set its own (the
  counts set their freshness), and stale-while-revalidate so a cache may answer
  at once while it asks again.
- ETag, computed from the body, and If-None-Match answered with 304: a client
  polling an unchanged figure gets no body.
- CORS open to any origin for reading. No credentials are ever involved (no
  login, no cookie), so "*" is safe and Allow-Credentials is never sent; and
  Cross-Origin-Resource-Policy: cross-origin (core/headers.py).
- HEAD answers as GET does (uptime monitors, tests/test_head.py).
- No Vary: Accept-Language: the API is not translated, so a shared cache keeps
  one copy for every reader (core.languages.same_in_every_language).
"""

from functools import wraps

from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag

from core.headers import allow_other_sites
from core.languages import same_in_every_language

CACHE_CONTROL = {"public": True, "max_age": 60, "stale_while_revalidate": 60}
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
# A preflight is asked for only when a script sends a header outside the
# CORS-safelisted ones; If-None-Match (its own conditional requests) is the one
# a reader of this API has reason to send.
ALLOWED_REQUEST_HEADERS = "If-None-Match, If-Modified-Since"
PREFLIGHT_MAX_AGE = 86400


def open_data(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "OPTIONS":
            return _preflight()
        head = request.method == "HEAD"
        if head:
            # The endpoints are declared for GET only; HEAD is the same answer.
            request.method = "GET"
        try:
            response = view(request, *args, **kwargs)
        finally:
            # Also when the view raised (Http404 at /api/v1/ itself): the error
            # page must know it answers HEAD.
            if head:
                request.method = "HEAD"
        if request.method in ("GET", "HEAD"):
            if "Cache-Control" not in response.headers:
                patch_cache_control(response, **CACHE_CONTROL)
            set_response_etag(response)
            response = get_conditional_response(
                request, etag=response.headers.get("ETag"), response=response
            )
        else:
            response["Allow"] = ALLOWED_METHODS
        _allow_any_origin(response)
        return same_in_every_language(response)

    return wrapper


def _allow_any_origin(response: HttpResponse) -> None:
    response["Access-Control-Allow-Origin"] = "*"
    # Also for pages that load it without CORS, or under Cross-Origin-Embedder-Policy.
    allow_other_sites(response)
    # So a script may read the validator it will send back as If-None-Match.
    response["Access-Control-Expose-Headers"] = "ETag"


def _preflight() -> HttpResponse:
    response = HttpResponse(status=204)
    response["Allow"] = ALLOWED_METHODS
    response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
    response["Access-Control-Allow-Headers"] = ALLOWED_REQUEST_HEADERS
    response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
    _allow_any_origin(response)
    return response
