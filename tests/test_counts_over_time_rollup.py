"""The rollup of closed UTC days (reports/rollup.py): the organisers' figures
read through it are the rows' figures; a change of country or of standing on
an old day shows once its rebuild has run (and is announced only after
commit); the rebuild replaces the rollup whole and never overlaps itself;
and the dashboard reads no pledge row of a closed day.

Personas: Ana signs from Portugal, Bruno from Spain, Carla from Portugal too;
Olga is an organiser."""

import re
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pledges.models import Pledge
from reports import dashboard, exports, history, rollup
from reports.models import DailyCount, RollupState
from tests.conftest import make_pledge, move_country
from tests.staff import sign_in_as

FAR = {"start": date(2000, 1, 1), "end": date(2100, 1, 1)}
URL = "/staff/dashboard/"


def today() -> date:
    return datetime.now(UTC).date()


def generate(n=1500, seed=5):
    with override_settings(DEBUG=True):
        call_command("generate_pledges", str(n), "--seed", str(seed), stdout=StringIO())


def from_rows() -> list[dict]:
    """Counted confirmations by UTC day and country, counted in Python."""
    counted = Counter(
        (p.confirmed_at.astimezone(UTC).date(), p.country.code)
        for p in Pledge.objects.counted().only("confirmed_at", "country")
    )
    return [
        {"day": day, "country": code, "confirmed": n} for (day, code), n in sorted(counted.items())
    ]


def held(day: date) -> dict[str, int]:
    """What the rollup table itself holds for `day`, by country."""
    return dict(DailyCount.objects.filter(day=day).values_list("country", "confirmed"))


def confirmed_on(email: str, country: str, moment: datetime) -> Pledge:
    """A pledge confirmed at `moment`, as no request can (a confirmation is
    stamped now), then the rollup built as the beat builds it after midnight."""
    pledge = make_pledge(email, country)
    Pledge.objects.filter(pk=pledge.pk).update(confirmed_at=moment)
    pledge.refresh_from_db()
    rollup.rebuild_daily_counts()
    return pledge


def stale() -> bool:
    return RollupState.objects.get(pk=rollup.STATE_ID).stale_since is not None


@pytest.mark.django_db
def test_it_reads_the_figures_of_the_rows_through_the_rollup_old_days_and_today():
    generate()
    # Today's confirmations (Ana, Bruno) come from the rows, not the rollup.
    make_pledge("ana@example.org", "PT")
    make_pledge("bruno@example.org", "ES")
    assert rollup.covered_through() == today() - timedelta(days=1)
    assert DailyCount.objects.count() > 300
    assert DailyCount.objects.filter(day=today()).count() == 0
    rows = from_rows()
    assert rows[-1]["day"] == today()
    assert history.daily_confirmed(**FAR) == rows
    start, end = today() - timedelta(days=45), today()
    window = [row for row in rows if start <= row["day"] <= end]
    assert history.daily_confirmed(start=start, end=end) == window
    assert history.daily_confirmed(start=start, end=end, country="PT") == [
        row for row in window if row["country"] == "PT"
    ]
    assert history.daily_confirmed(start=start, end=end, countries={"PT", "ES"}) == [
        row for row in window if row["country"] in ("PT", "ES")
    ]
    totals = Counter()
    for row in window:
        totals[row["day"]] += row["confirmed"]
    assert history.daily_totals(start=start, end=end) == [
        {"day": day, "confirmed": n} for day, n in sorted(totals.items())
    ]
    assert list(exports.country_day_rows(start, end, None)) == [
        (row["day"], row["country"], row["confirmed"]) for row in window
    ]
    for day in (start, today() - timedelta(days=1), today()):
        for country in (None, "PT"):
            expected = sum(
                row["confirmed"]
                for row in rows
                if row["day"] < day and country in (None, row["country"])
            )
            assert dashboard.confirmed_before(day, country=country) == expected, (day, country)


@pytest.mark.django_db
def test_it_reads_the_rows_for_a_closed_day_it_does_not_hold_yet():
    generate(600)
    # As just after midnight: the rollup stops the day before yesterday.
    yesterday = today() - timedelta(days=1)
    DailyCount.objects.filter(day=yesterday).delete()
    RollupState.objects.update(complete_through=yesterday - timedelta(days=1))
    assert rollup.covered_through() == today() - timedelta(days=2)
    start = today() - timedelta(days=10)
    rows = [row for row in from_rows() if row["day"] >= start]
    assert history.daily_confirmed(start=start, end=today()) == rows
    # The beat's next run sees a closed day missing and rebuilds.
    assert rollup.refresh()["rebuilt"] is True
    assert rollup.covered_through() == today() - timedelta(days=1)
    assert rollup.refresh()["rebuilt"] is False
    assert history.daily_confirmed(start=start, end=today()) == rows


@pytest.mark.django_db
def test_it_waits_a_few_minutes_after_midnight_before_closing_a_day():
    just_after = datetime.combine(today(), datetime.min.time(), tzinfo=UTC) + timedelta(minutes=2)
    assert rollup.last_closed_day(just_after) == today() - timedelta(days=2)
    later = just_after + rollup.SETTLE
    assert rollup.last_closed_day(later) == today() - timedelta(days=1)


@pytest.mark.django_db
def test_it_shows_ana_s_move_to_spain_on_her_old_day_once_committed_and_rebuilt(
    django_capture_on_commit_callbacks, eager_tasks
):
    generate(600)
    old = datetime.combine(today() - timedelta(days=40), datetime.min.time(), tzinfo=UTC)
    ana = confirmed_on("ana@example.org", "PT", old + timedelta(hours=23, minutes=30))
    day = ana.confirmed_at.date()
    before = held(day)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        move_country(ana, "ES", "pt")
        # Not before commit: a rebuild then could read the rows without her move.
        assert not stale()
    assert len(callbacks) == 1
    callbacks[0]()
    assert stale()
    # While it waits, the figures are read from the rows: already right.
    assert history.daily_confirmed(**FAR) == from_rows()
    assert held(day) == before
    assert rollup.refresh()["rebuilt"] is True
    assert not stale()
    after = held(day)
    assert after.get("PT", 0) == before["PT"] - 1
    assert after["ES"] == before.get("ES", 0) + 1
    assert history.daily_confirmed(**FAR) == from_rows()


@pytest.mark.django_db
def test_it_shows_a_review_s_change_of_standing_on_an_old_day_once_rebuilt(
    django_capture_on_commit_callbacks, eager_tasks
):
    generate(600)
    moment = datetime.now(UTC) - timedelta(days=3)
    bruno = confirmed_on("bruno@example.org", "ES", moment)
    day = moment.date()
    before = held(day)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        Pledge.objects.filter(pk=bruno.pk).set_standing(Pledge.Standing.SUSPECT)
    assert len(callbacks) == 1 and stale()
    assert history.daily_confirmed(**FAR) == from_rows()
    rollup.refresh()
    assert held(day).get("ES", 0) == before["ES"] - 1
    with django_capture_on_commit_callbacks(execute=True):
        Pledge.objects.filter(pk=bruno.pk).set_standing(Pledge.Standing.COUNTED)
    rollup.refresh()
    assert held(day) == before
    assert history.daily_confirmed(**FAR) == from_rows()


@pytest.mark.django_db
def test_it_rebuilds_nothing_for_a_change_on_today(django_capture_on_commit_callbacks):
    generate(300)
    carla = make_pledge("carla@example.org", "PT")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        move_country(carla, "ES", "pt")
        Pledge.objects.filter(pk=carla.pk).set_standing(Pledge.Standing.SUSPECT)
    assert callbacks == []
    assert not stale()


@pytest.mark.django_db(transaction=True)
def test_it_replaces_the_rollup_whole_and_never_overlaps_itself():
    generate(600)
    before = history.daily_confirmed(**FAR)
    # A confirmation on an old day the rollup does not hold, without a mark.
    moment = datetime.now(UTC) - timedelta(days=20)
    carla = make_pledge("carla@example.org", "NZ")
    Pledge.objects.filter(pk=carla.pk).update(confirmed_at=moment)
    day = moment.date()
    assert (day, "NZ") not in {(row["day"], row["country"]) for row in before}
    # Another transaction holds the key the rebuild will insert, so the rebuild
    # stops halfway: old rows deleted, some new ones written, none committed.
    blocker = connections.create_connection("default")
    blocker.set_autocommit(False)
    with blocker.cursor() as cursor:
        cursor.execute(
            "INSERT INTO reports_dailycount (day, country, confirmed) VALUES (%s, 'NZ', 99)",
            [day],
        )
    results = []

    def rebuild():
        try:
            results.append(rollup.rebuild_daily_counts())
        finally:
            connections.close_all()

    thread = threading.Thread(target=rebuild)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not _waiting_on_a_lock():
            assert time.monotonic() < deadline, "the rebuild never reached the held key"
            time.sleep(0.05)
        # Readers see the old rollup whole, never half of the new one.
        assert history.daily_confirmed(**FAR) == before
        # A second rebuild does not wait, nor run: the first holds the lease.
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
        assert rollup.rebuild_daily_counts() is False
    finally:
        blocker.rollback()
        blocker.close()
        thread.join(timeout=30)
    assert results == [True]
    assert history.daily_confirmed(**FAR) == from_rows()
    assert held(day)["NZ"] == 1


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND query LIKE %s",
            ["INSERT INTO reports_dailycount %"],
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db
def test_it_reads_no_pledge_row_of_a_closed_day_for_olga_s_dashboard(client):
    generate()
    make_pledge("ana@example.org", "PT")
    sign_in_as(client, "organiser")
    client.get(URL)  # sessions, roles and the like, once
    began = today().isoformat()
    for query in ({}, {"country": "PT"}, {"from": (today() - timedelta(days=700)).isoformat()}):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, query)
        assert response.status_code == 200
        on_pledges = [q["sql"] for q in queries if '"pledges_pledge"' in q["sql"]]
        # Today's confirmations, and nothing else of the pledge table: the
        # closed days, the cumulative count before the range and the pending
        # pledges come from the rollup and its snapshot.
        assert len(on_pledges) == 1, on_pledges
        lower = re.findall(r"\"confirmed_at\" >= '(\d{4}-\d{2}-\d{2})", on_pledges[0])
        assert lower == [began], on_pledges[0]
    rows = {row.code: row for row in response.context["rows"]}
    pending = Counter(str(p.country) for p in Pledge.objects.pending().only("country"))
    assert {code: row.pending for code, row in rows.items() if row.pending} == dict(pending)


@pytest.mark.django_db
def test_it_finds_today_s_rows_at_the_end_of_an_index_that_leads_with_time(client):
    # Today is a short range of an index on (confirmed_at, country); on one led
    # by country it is a read of every country's whole history (43 ms at
    # 1,000,000 pledges, bench/scale.py).
    generate()
    make_pledge("ana@example.org", "PT")
    sign_in_as(client, "organiser")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    (today_s,) = [q["sql"] for q in queries if '"pledges_pledge"' in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {today_s}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "pledges_pledge_day_country_idx" in plan, plan
    cursor = connection.cursor()
    cursor.execute(
        "SELECT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
        "WHERE c.relname = 'pledges_pledge_day_country_idx'"
    )
    assert cursor.fetchone() == ("confirmed_at",)


@pytest.mark.django_db
def test_it_shows_when_the_pending_pledges_were_counted_and_counts_them_when_that_is_old(client):
    generate(600)
    sign_in_as(client, "organiser")
    snapshot = RollupState.objects.get(pk=rollup.STATE_ID)
    make_pledge("carla@example.org", "PT", confirmed=False)
    response = client.get(URL)
    rows = {row.code: row for row in response.context["rows"]}
    assert rows["PT"].pending == snapshot.pending["PT"]
    assert response.context["pending_as_of"] == snapshot.pending_as_of
    counted_at = f"{snapshot.pending_as_of:%H:%M}"
    assert f"Pending pledges as counted at {counted_at} (UTC)." in response.content.decode()
    # The beat stopped: an old snapshot is not shown; the rows are counted.
    RollupState.objects.update(pending_as_of=timezone.now() - rollup.PENDING_FRESH)
    response = client.get(URL)
    rows = {row.code: row for row in response.context["rows"]}
    assert rows["PT"].pending == snapshot.pending["PT"] + 1
    assert response.context["pending_as_of"] is None
    assert "Pending pledges as counted at" not in response.content.decode()
    # The next beat counts them again.
    rollup.refresh()
    assert client.get(URL).context["pending_as_of"] is not None
