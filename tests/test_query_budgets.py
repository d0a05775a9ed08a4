"""Each public view's query budget: the most SQL queries one request may make,
with a cold cache (the first visitor after a publish or a restart; the test
starts with both caches empty), on a site with content and supporters.

The budgets are the numbers measured when they were set, not loose bounds: a
new query on any of these paths fails here, and is then either removed or
budgeted on purpose. Each view is also asked with more supporters on the wall
and in the counts, with the same budget: nothing may cost a query per row.
"""

import pytest
from django.core.cache import cache, caches
from django.core.signals import request_started
from django.db import connection
from django.utils import timezone

from pledges.models import Pledge
from pledges.tokens import make_confirm_token
from tests import published
from tests.conftest import ANA, make_pledge

pytestmark = pytest.mark.django_db

LEARN = {"en": {"title": "Get help", "summary": "Where to turn.", "body": "Call a helpline."}}


def supporters(n: int, country: str = "ES"):
    for i in range(n):
        pledge = make_pledge(f"s{i}-{country}@example.org", country, display_name=f"Supporter {i}")
        pledge.choose_wall(on_wall=True, show_publicly=True, now=timezone.now())
    return pledge


@pytest.fixture(params=[2, 12], ids=["few", "more"])
def site(request):
    """Two published countries, an information page, supporters on the wall."""
    published.spain()
    published.portugal()
    published.page("get-help", texts=LEARN)
    last = supporters(request.param)
    supporters(request.param // 2, "PT")
    return {"badge": f"/badge/{last.public_id}/"}


def unconfirmed() -> str:
    """Ana signed and has not confirmed yet: the path of her confirmation link."""
    pledge = Pledge.objects.create(
        display_name="Ana Silva",
        email="ana@example.org",
        country="PT",
        language="en",
        signed_at=timezone.now(),
    )
    return f"/confirm/{make_confirm_token(pledge.public_id)}/"


CONFIRMED = {"display_name": "Ana Silva", "country": "PT"}

# view: (budget, how to ask it). Measured with both caches empty; the same with
# 3 or 18 supporters. `site` is the fixture's paths, `client` the test client.
# The confirm POST's 17 are 11 statements and, inside the test's transaction, the
# 6 SAVEPOINT/RELEASE of its three atomic blocks: it fetches the pledge by its
# token, confirms it (UPDATE, its standing read under the row lock, the counter
# shard's upsert, the pledge read back), owes the welcome (the mailing, the
# delivery row) and makes the supporter's account (look-ups and two INSERTs).
# Reads are cached: a kept copy of any GET page costs 0 (the budgets here are the
# first visitor's); the sign POST is one INSERT for a new and a known address alike.
BUDGETS = {
    "home": (3, lambda client, site: client.get("/")),
    "pledge GET": (0, lambda client, site: client.get("/pledge/")),
    "pledge POST new": (1, lambda client, site: client.post("/pledge/", ANA)),
    "pledge POST known": (1, lambda client, site: client.post("/pledge/", ANA)),
    "confirm GET": (1, lambda client, site: client.get(site["confirm"])),
    "confirm POST": (17, lambda client, site: client.post(site["confirm"], CONFIRMED)),
    "country page": (4, lambda client, site: client.get("/countries/es/")),
    "countries index": (2, lambda client, site: client.get("/countries/")),
    "learn index": (2, lambda client, site: client.get("/learn/")),
    "learn page": (4, lambda client, site: client.get("/learn/get-help/")),
    "wall": (1, lambda client, site: client.get("/wall/")),
    "badge page": (1, lambda client, site: client.get(site["badge"])),
    "api counts": (1, lambda client, site: client.get("/api/v1/counts")),
    "embed counter": (2, lambda client, site: client.get("/embed/counter/?country=PT&lang=pt")),
    "embed count.svg": (2, lambda client, site: client.get("/embed/count.svg?country=PT&lang=pt")),
    "widgets page": (0, lambda client, site: client.get("/widgets/")),
    "privacy": (0, lambda client, site: client.get("/privacy/")),
}


def prepare(view, client, site):
    """What must be there before the measured request (outside the budget)."""
    if view == "pledge POST known":
        assert client.post("/pledge/", {**ANA, "display_name": "Ana"}).status_code == 302
    if view.startswith("confirm"):
        site["confirm"] = unconfirmed()
    if view == "confirm POST":
        assert client.get(site["confirm"]).status_code == 200  # a browser opens it first
    # Whatever preparing left in the caches is not the measured request's.
    cache.clear()
    caches["local"].clear()


@pytest.mark.parametrize("view", BUDGETS)
def test_each_public_view_keeps_to_its_query_budget(
    view, client, site, django_assert_max_num_queries
):
    budget, ask = BUDGETS[view]
    prepare(view, client, site)
    with django_assert_max_num_queries(budget):
        response = ask(client, site)
    assert response.status_code in {200, 302}, response.status_code


def one_more_query(**kwargs):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


@pytest.mark.parametrize("view", ["home", "pledge POST new", "confirm POST", "privacy"])
def test_a_budget_fails_when_a_view_makes_one_query_more(
    view, client, site, django_assert_max_num_queries
):
    budget, ask = BUDGETS[view]
    prepare(view, client, site)
    request_started.connect(one_more_query)
    try:
        with (
            pytest.raises(pytest.fail.Exception, match="queries or less but"),
            django_assert_max_num_queries(budget),
        ):
            ask(client, site)
    finally:
        request_started.disconnect(one_more_query)
