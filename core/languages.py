"""The same page in every language: the layout's switcher, the hreflang
alternates, and the first visit's language.

Our paths are not translated, only prefixed (/fr/, /ar/, /zh-hans/…; none for
English), so every public page exists in the seven languages at addresses that
differ by their prefix alone.

A first visit follows the browser: someone whose browser prefers French and who
opens https://…/countries/es/ from a search result or a shared link is sent (302)
to /fr/countries/es/. Only then, and only for pages (not images, the API, the
widgets other sites frame, health checks, webhooks…): once on the site, the
address decides. A visitor who clicks "English" in the switcher comes from one of
our pages (Sec-Fetch-Site: same-origin, or a Referer on our host from a browser
too old to send Sec-Fetch-Site), and stays in English; so does anyone who carries
Django's language cookie, a choice already made.

Caches. An unprefixed page's answer depends on Accept-Language and on the cookie,
so it says `Vary: Accept-Language, Cookie`. It also depends on Sec-Fetch-Site and
the Referer, but varying on them would cost more than it saves: a Referer is
different on nearly every request, so a cache could keep nothing. Instead the
redirect itself is `Cache-Control: private`, so no shared cache replays it to a
visitor who just chose English. The worst a shared cache can then do is serve
the English page to a first visit owed a redirect, which the switcher mends in
one click.
"""

from collections.abc import Callable
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import LocalePrefixPattern, Resolver404, URLResolver, get_resolver
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import (
    get_language_from_path,
    get_language_from_request,
    get_language_info,
)

# What a first visit's unprefixed page varies on (see the module's docstring).
VARY = ("Accept-Language", "Cookie")


def path_in_language(path: str, code: str) -> str:
    """The same page in another language. Changing the prefix is enough, and it
    works for a page that does not exist too: a 404's language links lead to the
    same address in each language."""
    first = path.split("/", 2)[1] if path.startswith("/") else ""
    prefixed = {code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE}
    rest = path[len(first) + 1 :] if first in prefixed else path
    return rest if code == settings.LANGUAGE_CODE else f"/{code}{rest}"


@lru_cache(maxsize=4096)
def _language_links(path: str) -> tuple[dict, ...]:
    return tuple(
        {
            "code": code,
            "name_local": get_language_info(code)["name_local"],
            "url": path_in_language(path, code),
            "absolute_url": f"{settings.SITE_URL}{path_in_language(path, code)}",
        }
        for code, _name in settings.LANGUAGES
    )


def _alternates(path: str) -> tuple[dict, ...]:
    """The page's <link rel="alternate" hreflang> list: the seven, and the
    unprefixed address as x-default. None for pages no crawler should list."""
    if path_in_language(path, settings.LANGUAGE_CODE).startswith(tuple(settings.NOT_FOR_CRAWLERS)):
        return ()
    links = _language_links(path)
    default = next(link for link in links if link["code"] == settings.LANGUAGE_CODE)
    return (*links, {**default, "code": "x-default"})


def languages(request: HttpRequest) -> dict:
    """Links to this page in every language (plain links, so no JavaScript), for
    the layout's switcher and its hreflang alternates."""
    return {
        "language_links": lambda: _language_links(request.path),
        "hreflang_alternates": lambda: _alternates(request.path),
    }


def keeps_its_language(view: Callable) -> Callable:
    """For views under i18n_patterns that answer with something other than a
    page (an image): their unprefixed address is never redirected to a language."""
    view.keeps_its_language = True
    return view


def _from_our_pages(request: HttpRequest) -> bool:
    """Whether the visitor came here by following a link on our own pages."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site == "same-origin"
    referer = urlsplit(request.headers.get("Referer", ""))
    return bool(referer.netloc) and referer.netloc in {
        request.get_host(),
        urlsplit(settings.SITE_URL).netloc,
    }


@lru_cache(maxsize=8)
def _language_patterns(urlconf: str) -> URLResolver | None:
    """The part of the URL configuration under i18n_patterns."""
    for entry in get_resolver(urlconf).url_patterns:
        if isinstance(entry, URLResolver) and isinstance(entry.pattern, LocalePrefixPattern):
            return entry
    return None


def _page_in_every_language(request: HttpRequest) -> bool:
    """Whether this unprefixed address is a page under i18n_patterns."""
    urlconf = getattr(request, "urlconf", None) or settings.ROOT_URLCONF
    return _is_page(urlconf, request.path_info)


@lru_cache(maxsize=4096)
def _is_page(urlconf: str, path_info: str) -> bool:
    # Kept per address: the same few (/, /pledge/…) take nearly every visit, and
    # Django resolves them again for the view; this need not on every request.
    patterns = _language_patterns(urlconf)
    if patterns is None:
        return False
    try:
        # The root resolver has taken the leading slash off before its parts see a path.
        match = patterns.resolve(path_info.removeprefix("/"))
    except Resolver404:
        return False
    return not getattr(match.func, "keeps_its_language", False)


def first_visit_language(get_response: Callable) -> Callable:
    """Sends a first visit to an unprefixed page to the same page in the browser's
    language (see the module's docstring). After LocaleMiddleware."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if (
            request.method not in ("GET", "HEAD")
            or get_language_from_path(request.path_info) is not None
            or not _page_in_every_language(request)
        ):
            return get_response(request)
        if (
            settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            # Without the cookie, Django's choice is the browser's: the first of
            # our languages in Accept-Language by q-value, or the default.
            and (language := get_language_from_request(request)) != settings.LANGUAGE_CODE
            # An image or a fetch names its destination; a page is a "document".
            and request.headers.get("Sec-Fetch-Dest", "document") == "document"
            and not _from_our_pages(request)
        ):
            location = path_in_language(request.path, language)
            if query := request.META.get("QUERY_STRING"):
                location = f"{location}?{query}"
            response = HttpResponseRedirect(location)
            patch_cache_control(response, private=True)
        else:
            response = get_response(request)
        patch_vary_headers(response, VARY)
        return response

    return middleware


def same_in_every_language(response: HttpResponse) -> HttpResponse:
    """Marks an answer the visitor's language never changes: the open data API
    (not translated) and the widgets (their language is their ?lang=).
    `unvary_language` then takes Accept-Language out of its Vary, so a shared
    cache (the proxy's micro-cache, deploy/nginx/; a CDN) keeps one copy for every
    reader rather than one per Accept-Language header a browser sends."""
    response.same_in_every_language = True
    return response


def unvary_language(get_response: Callable) -> Callable:
    """Drops Accept-Language from the Vary of answers marked
    `same_in_every_language`: LocaleMiddleware adds it to every unprefixed
    answer. Listed before LocaleMiddleware, so it sees the response after it."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if getattr(response, "same_in_every_language", False) and response.has_header("Vary"):
            kept = [
                header.strip()
                for header in response["Vary"].split(",")
                if header.strip() and header.strip().lower() != "accept-language"
            ]
            if kept:
                response["Vary"] = ", ".join(kept)
            else:
                del response["Vary"]
        return response

    return middleware
