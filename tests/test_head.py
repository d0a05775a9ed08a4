"""Every URL that answers GET answers HEAD the same way, without a body
(uptime monitors and link checkers use HEAD). The URLs come from the URL
configuration, so a new page cannot be left out."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import LocalePrefixPattern

from pledges.tokens import make_confirm_token
from tests.conftest import make_pledge

pytestmark = pytest.mark.django_db


def routes(patterns=None, prefix="", translated=False):
    """(route, whether it also lives under a language prefix)."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            route = prefix + str(entry.pattern)
            if route.startswith("admin/"):
                continue  # Django's own admin
            in_language = translated or isinstance(entry.pattern, LocalePrefixPattern)
            yield from routes(entry.url_patterns, route, in_language)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), translated


def test_it_answers_head_wherever_it_answers_get(client):
    pledge = make_pledge("ana@example.org", "PT", confirmed=False)
    token = make_confirm_token(pledge.public_id)
    paths = []
    for route, translated in routes():
        path = "/" + route.replace("<str:token>", token)
        paths += [path, "/pt" + path] if translated else [path]
    assert {"/", "/pt/", "/pledge/", f"/pt/confirm/{token}/", "/healthz"} <= set(paths)
    for path in paths:
        get = client.get(path)
        if get.status_code == 405:
            continue
        head = client.head(path)
        assert head.status_code == get.status_code, path
        assert head.content == b"", path
