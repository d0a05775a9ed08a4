"""Counts over time: confirmed pledges by country and UTC day.

Only counted ones (Pledge.objects.counted()): a pledge held as suspect or found
invalid (abuse/suspicion.py) is in no figure, as it is in no live count.

Closed days come from the rollup (reports/rollup.py: a row per day and country,
rebuilt whole from the pledge rows), today and any day it does not cover yet
from the rows, on the index pledges_pledge_day_country_idx (confirmed_at, then
country, partial on counted pledges: today is a short range at its end). So a
read costs the days asked for, not the pledges confirmed in them, and
confirming pays nothing for it. While a
change to a closed day (a supporter moving country on "My pledge", a review)
waits for its rebuild, every day is read from the rows, so the figures stay
the rows' (README, "Counts over time", says how long a change can take to
show). An erased pledge keeps its country and the UTC day of its confirmation
(Pledge.erase), so nothing here changes when someone is forgotten.

Days are UTC days, the days erasure keeps: a local day would need the hour it
throws away. Nothing here returns anything about a person: counts only.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate

from pledges.models import Pledge
from reports import rollup


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
    held, counted = rollup.split(start, end)
    rows = []
    if held is not None:
        counts = rollup.daily(*held, country=country, countries=countries)
        rows += counts.values("day", "country", "confirmed")
    if counted is not None:
        rows += _daily_from_rows(*counted, country=country, countries=countries)
    return rows


def _daily_from_rows(
    start: date, end: date, *, country: str | None, countries: Iterable[str] | None
) -> list[dict]:
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
    held, counted = rollup.split(start, end)
    rows = []
    if held is not None:
        rows += (
            rollup.daily(*held).values("day").annotate(confirmed=Sum("confirmed")).order_by("day")
        )
    if counted is not None:
        rows += (
            _range(*counted)
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
