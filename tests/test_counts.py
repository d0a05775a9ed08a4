"""GET /api/v1/counts and the counters behind it."""

import time
from datetime import datetime

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pledges import counting
from pledges.models import COUNT_SHARDS, CountShard, Pledge
from tests.conftest import make_pledge

pytestmark = pytest.mark.django_db


def test_it_returns_confirmed_totals_by_country(client):
    make_pledge("a@example.org", "PT")
    make_pledge("b@example.org", "PT")
    make_pledge("c@example.org", "ES")
    make_pledge("d@example.org", "ES", confirmed=False)
    response = client.get("/api/v1/counts")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 3
    assert body["countries"] == {"ES": 1, "PT": 2}
    assert datetime.fromisoformat(body["updated_at"]).tzinfo is not None


def test_it_answers_from_the_counters_without_touching_the_pledge_table(client):
    make_pledge("a@example.org", "PT")
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/counts")
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "pledges_countshard" in sql
    assert "pledges_pledge" not in sql


def test_it_serves_cached_counts_for_a_few_seconds_at_most(client):
    client.get("/api/v1/counts")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/counts")
    assert len(queries) == 0
    key = cache.make_and_validate_key(counting.COUNTS_CACHE_KEY)
    cache_url = settings.CACHES["default"]["LOCATION"]
    assert 0 < redis.Redis.from_url(cache_url).pttl(key) <= 5000
    assert "max-age=2" in response.headers["Cache-Control"]


def test_it_shows_a_confirmation_within_five_seconds(client):
    assert client.get("/api/v1/counts").json()["total"] == 0
    confirmed_at = time.monotonic()
    make_pledge("a@example.org", "PT")
    while client.get("/api/v1/counts").json()["total"] == 0:
        assert time.monotonic() - confirmed_at < 5
        time.sleep(0.25)


def test_it_spreads_confirmations_over_shards(client):
    for n in range(60):
        make_pledge(f"s{n}@example.org", "PT")
    shards = CountShard.objects.filter(country="PT")
    assert 1 < shards.count() <= COUNT_SHARDS
    assert sum(s.count for s in shards) == 60


def test_reconciliation_changes_nothing_when_exact():
    make_pledge("a@example.org", "PT")
    assert counting.reconcile_counts() == {}


def test_reconciliation_repairs_drift_both_ways():
    make_pledge("a@example.org", "PT")
    make_pledge("b@example.org", "PT")
    make_pledge("c@example.org", "ES")
    CountShard.objects.filter(country="PT").update(count=0)  # lost increments
    CountShard.objects.add("FR", 5)  # phantom ones
    repairs = counting.reconcile_counts()
    assert repairs == {"FR": -5, "PT": 2}
    assert CountShard.objects.totals() == {"ES": 1, "FR": 0, "PT": 2}
    assert counting.reconcile_counts() == {}


def test_reconciliation_counts_pledges_that_never_reached_a_shard():
    p = make_pledge("a@example.org", "PT", confirmed=False)
    Pledge.objects.filter(pk=p.pk).update(confirmed_at=timezone.now())
    assert counting.reconcile_counts() == {"PT": 1}
    assert counting.compute_counts()["total"] == 1


def test_it_refuses_other_methods(client):
    assert client.post("/api/v1/counts").status_code == 405


def test_it_still_counts_when_the_cache_is_down(client, settings):
    make_pledge("a@example.org", "PT")
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            **settings.CACHES["default"],
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens there
        },
    }
    response = client.get("/api/v1/counts")
    assert response.status_code == 200
    assert response.json()["countries"] == {"PT": 1}
