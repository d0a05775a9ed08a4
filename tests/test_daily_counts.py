"""Counts over time (reports/history.py): confirmations by country and UTC day,
always equal to the rows, through erasure and changes of country."""

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from pledges.models import Pledge
from reports import rollup
from reports.history import daily_confirmed, daily_totals, pending_by_country
from tests.conftest import make_pledge, move_country

pytestmark = pytest.mark.django_db

FAR = {"start": date(2000, 1, 1), "end": date(2100, 1, 1)}


def from_rows(pledges=None):
    """The figures counted in Python from every confirmed row."""
    pledges = Pledge.objects.confirmed() if pledges is None else pledges
    counted = Counter(
        (p.confirmed_at.astimezone(UTC).date(), p.country.code)
        for p in pledges.only("confirmed_at", "country")
    )
    return [
        {"day": day, "country": country, "confirmed": n}
        for (day, country), n in sorted(counted.items())
    ]


@pytest.fixture
def generated():
    with override_settings(DEBUG=True):
        call_command("generate_pledges", "2000", "--seed", "42", stdout=StringIO())


def confirm_at(email, country, moment):
    """A pledge confirmed at `moment`, as no request can (a confirmation is
    stamped now): so the rollup of closed days is built again afterwards, as
    the beat builds it once a day has closed."""
    pledge = make_pledge(email, country)
    Pledge.objects.filter(pk=pledge.pk).update(confirmed_at=moment)
    pledge.refresh_from_db()
    rollup.rebuild_daily_counts()
    return pledge


def test_the_daily_figures_equal_the_rows_of_a_generated_set(generated):
    rows = from_rows()
    assert len(rows) > 500
    assert daily_confirmed(**FAR) == rows
    assert (
        sum(row["confirmed"] for row in daily_totals(**FAR)) == Pledge.objects.confirmed().count()
    )
    totals = Counter()
    for row in rows:
        totals[row["day"]] += row["confirmed"]
    assert daily_totals(**FAR) == [
        {"day": day, "confirmed": n} for day, n in sorted(totals.items())
    ]


def test_a_range_and_a_country_narrow_the_rows(generated):
    today = timezone.now().date()
    start, end = today - timedelta(days=90), today - timedelta(days=30)
    expected = [row for row in from_rows() if start <= row["day"] <= end and row["country"] == "BR"]
    assert expected
    assert daily_confirmed(start=start, end=end, country="BR") == expected


def test_days_are_utc_days_both_ends_included():
    confirm_at("a@example.org", "PT", datetime(2026, 3, 1, 0, 0, tzinfo=UTC))
    confirm_at("b@example.org", "PT", datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC))
    confirm_at("c@example.org", "PT", datetime(2026, 3, 2, 0, 0, tzinfo=UTC))
    confirm_at("d@example.org", "PT", datetime(2026, 2, 28, 23, 59, 59, tzinfo=UTC))
    assert daily_confirmed(start=date(2026, 3, 1), end=date(2026, 3, 1)) == [
        {"day": date(2026, 3, 1), "country": "PT", "confirmed": 2}
    ]
    assert [
        row["confirmed"] for row in daily_totals(start=date(2026, 2, 28), end=date(2026, 3, 2))
    ] == [1, 2, 1]


def test_erasure_leaves_the_figures_unchanged(generated):
    # Late in a UTC day: erasure keeps only the day, and the day is what counts.
    late = confirm_at("ana@example.org", "PT", datetime(2026, 6, 1, 23, 30, tzinfo=UTC))
    confirm_at("bruno@example.org", "ES", datetime(2026, 6, 1, 0, 30, tzinfo=UTC))
    pending = make_pledge("carla@example.org", "PT", confirmed=False)
    before = daily_confirmed(**FAR), daily_totals(**FAR)
    late.erase(timezone.now())
    pending.erase(timezone.now())
    late.refresh_from_db()
    assert late.erased_at is not None and late.email is None
    assert (daily_confirmed(**FAR), daily_totals(**FAR)) == before
    some = Pledge.objects.confirmed().filter(is_synthetic=True).order_by("?")[:50]
    for pledge in some:
        pledge.erase(timezone.now())
    # Erased, a made-up row is still marked as one.
    assert Pledge.objects.filter(erased_at__isnull=False, is_synthetic=True).count() == 50
    assert (daily_confirmed(**FAR), daily_totals(**FAR)) == before
    assert daily_confirmed(**FAR) == from_rows()
    # Rebuilt from the erased rows, the rollup has the same figures.
    rollup.rebuild_daily_counts()
    assert (daily_confirmed(**FAR), daily_totals(**FAR)) == before


def test_a_change_of_country_moves_the_figures_with_the_row(
    generated, django_capture_on_commit_callbacks, eager_tasks
):
    moment = datetime(2025, 1, 15, 12, tzinfo=UTC)
    ana = confirm_at("ana@example.org", "PT", moment)
    day = {"start": moment.date(), "end": moment.date()}
    before = {row["country"]: row["confirmed"] for row in daily_confirmed(**day)}
    with django_capture_on_commit_callbacks(execute=True):
        move_country(ana, "ES", "en")
    # Read from the rows while the rollup waits for its rebuild, then from it.
    for _read in ("rows", "rollup"):
        after = {row["country"]: row["confirmed"] for row in daily_confirmed(**day)}
        assert after.get("PT", 0) == before["PT"] - 1
        assert after["ES"] == before.get("ES", 0) + 1
        assert daily_confirmed(**FAR) == from_rows()
        rollup.refresh()


def test_pending_by_country_counts_the_unconfirmed_rows(generated):
    make_pledge("ana@example.org", "PT", confirmed=False)
    expected = Counter(p.country.code for p in Pledge.objects.pending())
    assert pending_by_country() == dict(expected)
    assert sum(expected.values()) > 50


def test_an_empty_range_is_empty_and_a_reversed_one_an_error():
    assert daily_confirmed(start=date(2026, 1, 1), end=date(2026, 1, 31)) == []
    with pytest.raises(ValueError, match="before"):
        daily_totals(start=date(2026, 2, 1), end=date(2026, 1, 1))
