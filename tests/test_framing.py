"""Only /embed/ may be framed by other sites; every other page refuses to be.

The rules per path: a table of representative pages, then every route of the
URL configuration, so that a new page cannot be left out."""

import re

import pytest

from pledges.tokens import make_confirm_token
from tests import published
from tests.conftest import make_pledge
from tests.test_head import routes

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy", "")
    directives = (part.strip().partition(" ") for part in header.split(";") if part.strip())
    return {name: value for name, _space, value in directives}


def refuses_framing(response) -> bool:
    return (
        response.headers.get("X-Frame-Options") == "DENY"
        and policy(response).get("frame-ancestors") == "'none'"
    )


def allows_any_site_to_frame(response) -> bool:
    return (
        "X-Frame-Options" not in response.headers and policy(response).get("frame-ancestors") == "*"
    )


FRAMABLE, REFUSED = "framable", "refused"

RULES = [
    ("/embed/counter/", 200, FRAMABLE),
    ("/embed/counter/?country=PT&lang=pt", 200, FRAMABLE),
    ("/embed/counter/?country=XX", 404, FRAMABLE),
    ("/embed/count.svg?country=PT", 200, FRAMABLE),
    ("/", 200, REFUSED),
    ("/pt/", 200, REFUSED),
    ("/pledge/", 200, REFUSED),
    ("/countries/", 200, REFUSED),
    ("/countries/pt/", 200, REFUSED),
    ("/learn/", 200, REFUSED),
    ("/learn/europe/", 200, REFUSED),
    ("/privacy/", 200, REFUSED),
    ("/widgets/", 200, REFUSED),
    ("/pt/widgets/?country=PT&lang=pt", 200, REFUSED),
    ("/accounts/login/", 200, REFUSED),
    ("/my-pledge/", 302, REFUSED),
    ("/staff/", 404, REFUSED),
    ("/admin/", 302, REFUSED),
    ("/api/v1/counts", 200, REFUSED),
    ("/sitemap.xml", 200, REFUSED),
    ("/nowhere/", 404, REFUSED),
    # Near misses: only the widgets themselves are framable.
    ("/embed/", 404, REFUSED),
    ("/pt/embed/counter/", 404, REFUSED),
]


@pytest.mark.parametrize(("path", "status", "framing"), RULES)
def test_the_rules_per_path(client, path, status, framing):
    published.portugal()
    published.page("europe", texts={"en": {"title": "Europe"}})
    response = client.get(path)
    assert response.status_code == status
    if framing == FRAMABLE:
        assert allows_any_site_to_frame(response), dict(response.headers)
    else:
        assert refuses_framing(response), dict(response.headers)


def test_every_other_route_refuses_framing(client):
    published.page("europe", texts={"en": {"title": "Europe"}})
    token = make_confirm_token(make_pledge("ana@example.org", "PT", confirmed=False).public_id)
    examples = {"<str:token>": token, "<iso2:iso2>": "pt", "<slug:slug>": "europe"}
    checked = []
    for route, translated in routes():
        if route.startswith("embed/"):
            continue
        path = "/" + re.sub(r"<[^>]+>", lambda m: examples.get(m.group(0), "x"), route)
        checked += [path, "/pt" + path] if translated else [path]
    assert {"/", "/pledge/", "/countries/pt/", "/learn/europe/", "/staff/"} <= set(checked)
    for path in checked:
        for method in (client.get, client.head):
            response = method(path)
            assert refuses_framing(response), (path, response.status_code, dict(response.headers))


def test_the_embed_routes_are_all_framable(client):
    embed = ["/" + route for route, _translated in routes() if route.startswith("embed/")]
    assert embed == ["/embed/counter/", "/embed/count.svg"]
    for path in embed:
        assert allows_any_site_to_frame(client.get(path + "?country=PT")), path
