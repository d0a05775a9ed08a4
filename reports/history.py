"""Counts over time: confirmed pledges by country and UTC day, read from the rows.

Only counted ones (Pledge.objects.counted()): a pledge held as suspect or found
invalid (abuse/suspicion.py) is in no figure, as it is in no live count.

Why from the rows and not from a rollup table (bench/daily_counts.py measures
both on 1,000,000 pledges; the figures are in the README, "Counts over time"):
the index pledges_pledge_country_day_idx (country, confirmed_at, partial on
counted pledges) replaced one on country alone, so confirming pays nothing it
did not pay before; and the figures are the rows by construction. A supporter
who moves country on "My pledge" moves their day with them, whatever day it
was, which a rollup of recent days would miss; an erased pledge keeps its
country and the UTC day of its confirmation (Pledge.erase), so nothing here
changes when someone is forgotten.

Days are UTC days, the days erasure keeps: a local day would need the hour it
throws away. Nothing here returns anything about a person: counts only.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count
from django.db.models.functions import TruncDate

from pledges.models import Pledge


def _range(start: date, end: date):
    """Counted pledges in [start, end], whole UTC days: a range on confirmed_at
    itself (not on its day), so the index's second column serves it."""
    if end < start:
        raise ValueError("end is before start")
    return Pledge.objects.counted().filter(
        confirmed_at__gte=datetime.combine(start, time.min, tzinfo=UTC),
        confirmed_at__lt=datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC),
    )


def daily_confirmed(
    *,
    start: date,
    end: date,
    country: str | None = None,
    countries: Iterable[str] | None = None,
) -> list[dict]:
    """Confirmations by country and UTC day in [start, end]: one row
    {"day", "country", "confirmed"} for each day and country with at least one,
    ordered by day, then country. `countries` limits it to several countries
    in the same one query (a moderator's, say)."""
    # COUNT(*), not of a column: every column read is in the index, so
    # PostgreSQL can answer from the index alone (an index-only scan).
    pledges = _range(start, end)
    if country is not None:
        pledges = pledges.filter(country=country)
    if countries is not None:
        pledges = pledges.filter(country__in=sorted(countries))
    rows = (
        pledges.annotate(day=TruncDate("confirmed_at", tzinfo=UTC))
        .values("day", "country")
        .annotate(confirmed=Count("*"))
        .order_by("day", "country")
    )
    return [
        {"day": row["day"], "country": str(row["country"]), "confirmed": row["confirmed"]}
        for row in rows
    ]


def daily_totals(*, start: date, end: date) -> list[dict]:
    """Confirmations worldwide by UTC day in [start, end]: {"day", "confirmed"}
    for each day with at least one, in order."""
    rows = (
        _range(start, end)
        .annotate(day=TruncDate("confirmed_at", tzinfo=UTC))
        .values("day")
        .annotate(confirmed=Count("*"))
        .order_by("day")
    )
    return [{"day": row["day"], "confirmed": row["confirmed"]} for row in rows]


def pending_by_country(countries: Iterable[str] | None = None) -> dict[str, int]:
    """Pledges signed but not (yet) confirmed, by country, as of now (only
    `countries`, if given). Only a present figure: a pending pledge is deleted
    30 days after its last signature (or when its owner erases it), so it has
    no history to keep."""
    pledges = Pledge.objects.pending()
    if countries is not None:
        pledges = pledges.filter(country__in=sorted(countries))
    rows = pledges.values_list("country").annotate(n=Count("id")).order_by()
    return {str(code): n for code, n in rows}
