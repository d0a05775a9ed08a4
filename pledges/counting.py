"""The live count of confirmed supporters (counted ones: Pledge.objects.counted()).

Confirmations add to sharded counter rows (see CountShard); readers get a
snapshot cached for a few seconds, so a page view never scans the pledge table
and a rush of readers costs one small aggregate every COUNTS_TTL seconds. A
periodic reconciliation proves the shards against the pledge rows.
"""

import logging

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from pledges.models import COUNT_SHARDS, CountShard, Pledge

logger = logging.getLogger(__name__)

COUNTS_CACHE_KEY = "pledges:counts:v1"
# Counts may lag a confirmation by at most this long (the contract says 5 s).
COUNTS_TTL = 2


def compute_counts() -> dict:
    countries = {code: n for code, n in CountShard.objects.totals().items() if n}
    return {
        "total": sum(countries.values()),
        "countries": countries,
        "updated_at": timezone.now().isoformat(timespec="seconds"),
    }


def current_counts() -> dict:
    try:
        snapshot = cache.get(COUNTS_CACHE_KEY)
    except Exception:  # a cache outage must not take the pages down with it
        logger.warning("count cache unavailable; counting from the database", exc_info=True)
        return compute_counts()
    if snapshot is None:
        snapshot = compute_counts()
        try:
            cache.set(COUNTS_CACHE_KEY, snapshot, COUNTS_TTL)
        except Exception:
            logger.warning("count cache unavailable; not caching", exc_info=True)
    return snapshot


def reconcile_counts() -> dict[str, int]:
    """Repair any drift between the shards and the counted pledges.

    Returns the corrections made, by country. A cheap unlocked comparison finds
    the suspects; each suspect is then recounted under a lock on all its shards,
    so confirmations that land meanwhile are neither lost nor counted twice.
    """
    actual = dict(
        Pledge.objects.counted().values_list("country").annotate(n=Count("id")).order_by()
    )
    actual = {str(code): n for code, n in actual.items()}
    recorded = CountShard.objects.totals()
    repairs = {}
    for country in sorted(set(actual) | set(recorded)):
        if actual.get(country, 0) != recorded.get(country, 0):
            delta = recount(country)
            if delta:
                repairs[country] = delta
    if repairs:
        logger.warning("count drift repaired: %s", repairs)
        cache.delete(COUNTS_CACHE_KEY)
    return repairs


def recount(country: str) -> int:
    """Make the country's shards equal its counted pledges; returns the change.

    The shards are locked before the pledges are counted, so a confirmation in
    flight (it holds a shard row until it commits) is either counted in both or
    in neither: the repair is exact while confirmations land.
    """
    # Every shard must exist to be locked. Created (if missing) before the
    # transaction, and only if missing, as inserting over a shard that a
    # confirmation holds would wait for it anyway.
    if CountShard.objects.filter(country=country).count() < COUNT_SHARDS:
        CountShard.objects.ensure_shards(country)
    with transaction.atomic():
        shards = list(
            CountShard.objects.select_for_update().filter(country=country).order_by("shard")
        )
        # Counted after the locks: a confirmation either committed before (seen
        # here and in the shards) or waits for us (seen in neither).
        actual = Pledge.objects.counted().filter(country=country).count()
        delta = actual - sum(shard.count for shard in shards)
        if delta:
            shards[0].count += delta
            shards[0].save(update_fields=["count"])
    return delta
