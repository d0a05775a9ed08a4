"""The two-year country-by-day CSV export on 1,000,000 pledges: its time and its
peak memory, against a one-month export (constant memory: the two should peak
alike), with JSON and XLSX beside it.

A fresh PostgreSQL database gets N synthetic pledges (manage.py generate_pledges).
Each export runs as the download view runs it (reports.exports.rows into the
format's writer, every byte consumed as a response would send it), --repeat
times: median and best time. Then once more under tracemalloc, for the peak of
Python allocations during the export, and the process's peak resident memory
(ru_maxrss) after it. The bytes are checked: the CSV's counts sum to the
confirmed rows.

Last lines: RESULT exports ... one per figure.

    scripts/bench --only exports [--pledges 1000000] [--repeat 3]
                  [--redis-db 12] [--db-name bench_exports] [--keep-db]
"""

import argparse
import os
import resource
import statistics
import sys
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

# Run as a file (scripts/bench): the project root makes `bench` importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    HOST,
    check_common_options,
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
    ap.add_argument("--repeat", type=int, default=3, help="timed runs of each export [3]")
    ap.add_argument("--redis-db", type=int, default=12, help="the cache's Redis db [12]")
    ap.add_argument("--db-name", default="bench_exports", help="database to (re)create")
    ap.add_argument("--keep-db", action="store_true", help="keep the database afterwards")
    args = ap.parse_args(argv)
    if min(args.pledges, args.repeat) < 1:
        ap.error("--pledges and --repeat must be positive")
    check_common_options(ap, args)
    return args


def consume(chunks) -> int:
    """Bytes of a streamed export, each chunk dropped once counted, as a
    response drops it once sent."""
    return sum(len(chunk) for chunk in chunks)


def main(argv=None):
    args = parse_args(argv)
    exit_on_sigterm()
    env = server_env(8000, args.db_name)
    # Only the counts' cache key is touched (deleted), in the Redis db asked for.
    env["REDIS_URL"] = f"redis://{HOST}:6379/{args.redis_db}"
    results = []
    log(f"database {args.db_name}: recreating, migrating (load {load_average()})")
    drop_database(args.db_name, create=True)
    try:
        manage(env, "migrate", "--noinput")
        out = manage(
            env, "generate_pledges", str(args.pledges), "--seed", "1",
            "--i-know-this-is-not-production",
        )  # fmt: skip
        log(out.strip())
        os.environ.update(env)
        import django

        django.setup()
        from django.db import connection
        from django.utils import timezone

        from pledges.models import Pledge
        from reports import exports

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE pledges_pledge")
        end = timezone.now().date()
        spans = {"two_years": end - timedelta(days=730), "one_month": end - timedelta(days=30)}

        def run(kind, fmt, start):
            data = exports.rows(kind, start, end, None)
            if fmt == "xlsx":
                with exports.xlsx_file(kind, data) as handle:
                    return consume(iter(lambda: handle.read(65536), b""))
            chunks = exports.csv_chunks if fmt == "csv" else exports.json_chunks
            return consume(chunks(kind, data))

        # The check first: the two-year CSV's counts are the confirmed rows in range.
        start = spans["two_years"]
        text = b"".join(exports.csv_chunks(exports.COUNTRY_DAY, exports.rows(
            exports.COUNTRY_DAY, start, end, None))).decode("utf-8-sig")  # fmt: skip
        lines = text.splitlines()[1:]
        in_csv = sum(int(line.rsplit(",", 1)[1]) for line in lines)
        in_rows = Pledge.objects.counted().filter(confirmed_at__date__gte=start).count()
        log(f"check: {len(lines)} CSV rows, {in_csv} confirmations, {in_rows} confirmed rows")
        if in_csv != in_rows:
            sys.exit("the CSV disagrees with the rows")
        del text, lines

        for fmt in ("csv", "json", "xlsx"):
            for span, start in spans.items():
                times = []
                for _ in range(args.repeat):
                    started = time.perf_counter()
                    size = run(exports.COUNTRY_DAY, fmt, start)
                    times.append(time.perf_counter() - started)
                tracemalloc.start()
                run(exports.COUNTRY_DAY, fmt, start)
                _current, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                median, best = statistics.median(times), min(times)
                log(
                    f"{fmt} {span}: {size} bytes, median {median:.2f} s, best {best:.2f} s, "
                    f"Python peak {peak / 2**20:.1f} MiB, process peak {rss:.0f} MiB"
                )
                results.append(
                    f"{fmt}_{span} bytes={size} median_s={median:.2f} best_s={best:.2f} "
                    f"python_peak_mib={peak / 2**20:.1f} max_rss_mib={rss:.0f}"
                )
        connection.close()
    finally:
        if args.keep_db:
            log(f"kept database {args.db_name}")
        else:
            drop_database(args.db_name)
    log("")
    for line in results:
        log(f"RESULT exports {line}")


if __name__ == "__main__":
    main()
