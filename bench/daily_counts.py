"""Counts by country and UTC day on 1,000,000 pledges: read from the rows, or from a rollup?

A fresh PostgreSQL database gets N synthetic pledges (manage.py generate_pledges:
COPY, two years with growth, 30 countries, 6% pending); the insert rate is the
first figure. Then, each timed --repeat times (median and best printed):

  (a) the rows: reports.history.daily_confirmed for the whole two years (every
      country), for one large country, and daily_totals, as the product runs
      them, on the index pledges_pledge_day_country_idx (confirmed_at, country,
      partial on counted pledges); EXPLAIN says which plan;
  (b) a rollup (country, day, confirmed) kept by a beat job: a full rebuild, a
      recompute of the last two days, and the same two-year read from it;
      (b') the product's own (reports/rollup.py): its rebuild, and the
      two-year read through it, as the product now runs it;
  (c) a rollup kept in the confirming transaction, as the shards are: the extra
      upsert a confirmation would pay, one client, and 8 clients confirming in
      one country on one day (the launch-day case) against 8 on 8 rows.

Last lines: RESULT daily_counts ... one per figure.

    scripts/bench --only daily_counts [--pledges 1000000] [--repeat 5]
                  [--redis-db 12] [--db-name bench_daily] [--keep-db]
"""

import argparse
import os
import statistics
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

# Run as a file (scripts/bench): the project root makes `bench` importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import psycopg

from bench.common import (
    HOST,
    check_common_options,
    database_url,
    drop_database,
    exit_on_sigterm,
    load_average,
    log,
    manage,
    server_env,
)


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pledges", type=int, default=1_000_000, help="pledges [1000000]")
    ap.add_argument("--repeat", type=int, default=5, help="runs of each read [5]")
    ap.add_argument("--upserts", type=int, default=2000, help="upserts per client in (c) [2000]")
    ap.add_argument("--redis-db", type=int, default=12, help="the cache's Redis db [12]")
    ap.add_argument("--db-name", default="bench_daily", help="database to (re)create")
    ap.add_argument("--keep-db", action="store_true", help="keep the database afterwards")
    args = ap.parse_args(argv)
    if min(args.pledges, args.repeat, args.upserts) < 1:
        ap.error("--pledges, --repeat and --upserts must be positive")
    check_common_options(ap, args)
    return args


def timed(fn, repeat):
    """Milliseconds of each run of fn; returns (median, best, last result)."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(1000 * (time.perf_counter() - started))
    return statistics.median(times), min(times), result


ROLLUP = "bench_daily_rollup"
# The rollup a beat job would keep; built from the same rows, the same UTC days.
REBUILD = [
    f"DELETE FROM {ROLLUP}",
    f"""INSERT INTO {ROLLUP} (country, day, confirmed)
SELECT country, (confirmed_at AT TIME ZONE 'UTC')::date, count(*)
FROM pledges_pledge WHERE confirmed_at IS NOT NULL GROUP BY 1, 2""",
]
RECENT = [
    f"DELETE FROM {ROLLUP} WHERE day >= %(since)s",
    f"""INSERT INTO {ROLLUP} (country, day, confirmed)
SELECT country, (confirmed_at AT TIME ZONE 'UTC')::date, count(*)
FROM pledges_pledge WHERE confirmed_at >= %(since)s::date AT TIME ZONE 'UTC'
GROUP BY 1, 2""",
]
READ_ROLLUP = (
    f"SELECT day, country, confirmed FROM {ROLLUP} "
    "WHERE day BETWEEN %s AND %s ORDER BY day, country"
)
UPSERT = (
    f"INSERT INTO {ROLLUP} (country, day, confirmed) VALUES (%s, %s, 1) "
    f"ON CONFLICT (country, day) DO UPDATE SET confirmed = {ROLLUP}.confirmed + 1"
)


def upserts_per_second(url, keys, count):
    """len(keys) clients, each `count` upserts of its key, each its own commit."""
    start = threading.Barrier(len(keys) + 1)

    def client(key):
        with psycopg.connect(url, autocommit=True) as conn:
            start.wait()
            for _ in range(count):
                conn.execute(UPSERT, key)

    threads = [threading.Thread(target=client, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    start.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return len(keys) * count / (time.perf_counter() - started)


def main(argv=None):
    args = parse_args(argv)
    exit_on_sigterm()
    env = server_env(8000, args.db_name)
    # Only the counts' cache key is touched (deleted), in the Redis db asked for.
    env["REDIS_URL"] = f"redis://{HOST}:6379/{args.redis_db}"
    url = database_url(args.db_name).replace("postgres://", "postgresql://", 1)
    results = []
    log(f"database {args.db_name}: recreating, migrating (load {load_average()})")
    drop_database(args.db_name, create=True)
    try:
        manage(env, "migrate", "--noinput")
        started = time.perf_counter()
        out = manage(
            env,
            "generate_pledges",
            str(args.pledges),
            "--seed",
            "1",
            "--i-know-this-is-not-production",
        )
        seconds = time.perf_counter() - started
        log(out.strip())
        rate = args.pledges / seconds
        log(f"generate_pledges {args.pledges}: {seconds:.1f} s with start-up, {rate:.0f}/s")
        results.append(f"insert pledges={args.pledges} seconds={seconds:.1f} per_s={rate:.0f}")

        with psycopg.connect(url, autocommit=True) as conn:
            # As autovacuum leaves a settled table: statistics, and the visibility
            # map that lets an index-only scan skip the table.
            conn.execute("VACUUM ANALYZE pledges_pledge")
            size = conn.execute(
                "SELECT pg_size_pretty(pg_relation_size('pledges_pledge')), "
                "pg_size_pretty(pg_relation_size('pledges_pledge_day_country_idx'))"
            ).fetchone()
            log(f"table {size[0]}, index (confirmed_at, country) {size[1]}")

        # (a) the product's functions, in this process, on that database.
        os.environ.update(env)
        import django

        django.setup()
        from django.db import connection
        from django.test.utils import CaptureQueriesContext
        from django.utils import timezone

        from reports import rollup
        from reports.history import daily_confirmed, daily_totals

        # generate_pledges built the product's rollup; marked stale, every read
        # below takes the rows, as (a) means to measure.
        rollup.mark_stale()

        end = timezone.now().date()
        start = end - timedelta(days=731)
        span = {"start": start, "end": end}
        for name, fn in (
            ("rows_all_countries", lambda: daily_confirmed(**span)),
            ("rows_one_country", lambda: daily_confirmed(**span, country="BR")),
            ("rows_world_totals", lambda: daily_totals(**span)),
        ):
            median, best, rows = timed(fn, args.repeat)
            log(f"(a) {name}: {len(rows)} rows, median {median:.1f} ms, best {best:.1f} ms")
            results.append(f"{name} rows={len(rows)} median_ms={median:.1f} best_ms={best:.1f}")
            if name == "rows_all_countries":
                from_rows = rows
        # The checks: the figures, the rows and the counters all say the same.
        from pledges.models import CountShard, Pledge

        confirmed = Pledge.objects.counted().count()
        figures = sum(row["confirmed"] for row in from_rows)
        shards = sum(CountShard.objects.totals().values())
        log(f"check: {confirmed} confirmed rows, {figures} in the figures, {shards} in the shards")
        if not confirmed == figures == shards:
            sys.exit("the figures, the rows and the shards disagree")
        # The plan of the very statement daily_confirmed sends (as executed).
        with CaptureQueriesContext(connection) as queries:
            daily_confirmed(**span)
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + queries.captured_queries[-1]["sql"])
            plan = [line for (line,) in cursor.fetchall()]
        scans = [line.strip() for line in plan if "Scan" in line]
        log("(a) plan: " + " | ".join(scans))
        # (b') the product's rollup (reports/rollup.py): its rebuild, and the
        # same read through it (closed days from the rollup, today from the rows).
        median, best, _ = timed(rollup.rebuild_daily_counts, args.repeat)
        log(f"(b') product rebuild: median {median:.1f} ms, best {best:.1f} ms")
        results.append(f"product_rollup_rebuild median_ms={median:.1f} best_ms={best:.1f}")
        median, best, rows = timed(lambda: daily_confirmed(**span), args.repeat)
        if rows != from_rows:
            sys.exit("the product's rollup disagrees with the figures read from the rows")
        log(f"(b') read two years through it: median {median:.1f} ms, best {best:.1f} ms")
        results.append(f"product_rollup_read median_ms={median:.1f} best_ms={best:.1f}")
        connection.close()

        # (b) and (c): the rollup, by hand, on the same rows.
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                f"CREATE TABLE {ROLLUP} (country varchar(2), day date, "
                "confirmed bigint NOT NULL, PRIMARY KEY (country, day))"
            )

            def in_transaction(statements, params=None):
                with conn.transaction():
                    for statement in statements:
                        conn.execute(statement, params)

            median, best, _ = timed(lambda: in_transaction(REBUILD), args.repeat)
            log(f"(b) full rebuild: median {median:.1f} ms, best {best:.1f} ms")
            results.append(f"rollup_rebuild median_ms={median:.1f} best_ms={best:.1f}")
            since = end - timedelta(days=1)
            median, best, _ = timed(lambda: in_transaction(RECENT, {"since": since}), args.repeat)
            log(f"(b) last two days: median {median:.1f} ms, best {best:.1f} ms")
            results.append(f"rollup_recent_2_days median_ms={median:.1f} best_ms={best:.1f}")
            conn.execute(f"VACUUM ANALYZE {ROLLUP}")

            def read():
                return conn.execute(READ_ROLLUP, (start, end)).fetchall()

            median, best, rows = timed(read, args.repeat)
            as_rows = [{"day": d, "country": c, "confirmed": n} for d, c, n in rows]
            if as_rows != from_rows:
                sys.exit("the rollup disagrees with the figures read from the rows")
            log(f"(b) read two years: {len(rows)} rows, median {median:.1f} ms, best {best:.1f} ms")
            results.append(
                f"rollup_read rows={len(rows)} median_ms={median:.1f} best_ms={best:.1f}"
            )

            # (c) the confirming transaction's extra statement.
            started = time.perf_counter()
            for _ in range(args.upserts):
                conn.execute(UPSERT, ("BR", end))
            per = 1000 * (time.perf_counter() - started) / args.upserts
            log(f"(c) one upsert, its own commit, one client: {per:.3f} ms")
            results.append(f"rollup_in_confirm_upsert ms={per:.3f}")
        one_row = upserts_per_second(url, [("PT", end)] * 8, args.upserts // 4)
        eight_rows = upserts_per_second(
            url,
            [(code, end) for code in ("PT", "ES", "FR", "DE", "IT", "GB", "US", "MX")],
            args.upserts // 4,
        )
        log(
            f"(c) 8 clients: {one_row:.0f} upserts/s on one (country, day) row, "
            f"{eight_rows:.0f}/s on 8 rows (load {load_average()})"
        )
        results.append(
            f"rollup_in_confirm_8_clients one_row_per_s={one_row:.0f} "
            f"eight_rows_per_s={eight_rows:.0f}"
        )
    finally:
        if args.keep_db:
            log(f"kept database {args.db_name}")
        else:
            drop_database(args.db_name)
    log("")
    for line in results:
        log(f"RESULT daily_counts {line}")


if __name__ == "__main__":
    main()
