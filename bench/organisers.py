"""What organisers open, on 1,000,000 pledges: the dashboard page, the daily
series of the open data API, and the two-year country-by-day CSV export, each
through its view (routing, permissions, template or streaming included), with
the export's peak memory.

A fresh PostgreSQL database gets N synthetic pledges (manage.py generate_pledges,
two years). An organiser with a second factor is signed in on Django's test
client, in this process: the times are the server's own work, without a
network or a second process. Each request runs --repeat times (median, best);
the export once more under tracemalloc, for the peak of Python allocations
while its bytes stream out, each chunk dropped once counted as a response
drops it once sent. The CSV's counts are checked against the rows, and the
API's total against the CSV's.

Last lines: RESULT organisers ... one per figure.

    scripts/bench --only organisers [--pledges 1000000] [--repeat 5]
                  [--redis-db 12] [--db-name bench_organisers] [--keep-db]
"""

import argparse
import os
import statistics
import sys
import tempfile
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
    ap.add_argument("--repeat", type=int, default=5, help="timed runs of each request [5]")
    ap.add_argument("--redis-db", type=int, default=12, help="the cache's Redis db [12]")
    ap.add_argument("--db-name", default="bench_organisers", help="database to (re)create")
    ap.add_argument("--keep-db", action="store_true", help="keep the database afterwards")
    args = ap.parse_args(argv)
    if min(args.pledges, args.repeat) < 1:
        ap.error("--pledges and --repeat must be positive")
    check_common_options(ap, args)
    return args


def body_size(response) -> int:
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def timed(client, path, repeat):
    times, size = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path, HTTP_HOST=HOST)
        size = body_size(response)
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            sys.exit(f"{path} answered {response.status_code}")
    return statistics.median(times), min(times), size


def main(argv=None):
    args = parse_args(argv)
    exit_on_sigterm()
    # Production settings serve pages through the static files' manifest.
    static = tempfile.TemporaryDirectory(prefix="blueheart-bench-")
    env = server_env(8000, args.db_name, Path(static.name) / "static")
    env["REDIS_URL"] = f"redis://{HOST}:6379/{args.redis_db}"
    results = []
    log(f"database {args.db_name}: recreating, migrating (load {load_average()})")
    drop_database(args.db_name, create=True)
    try:
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        out = manage(
            env, "generate_pledges", str(args.pledges), "--seed", "1",
            "--i-know-this-is-not-production",
        )  # fmt: skip
        log(out.strip())
        os.environ.update(env)
        import django

        django.setup()
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
        from django.core.cache import cache
        from django.db import connection
        from django.test import Client
        from django.utils import timezone

        from accounts.models import Role, RoleGrant, User
        from pledges.models import Pledge

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE pledges_pledge")
        olga = User.objects.create_user(username="bench-olga", email="olga@example.org")
        RoleGrant.objects.create(user=olga, role=Role.ORGANISER, granted_at=timezone.now())
        TOTP.activate(olga, generate_totp_secret())
        client = Client()
        client.force_login(olga)

        end = timezone.now().date()
        start = end - timedelta(days=730)
        span = f"start={start}&end={end}"
        csv_path = f"/staff/exports/download?kind=country-day&format=csv&{span}"
        requests = {
            "dashboard_90_days": "/staff/dashboard/",
            "dashboard_two_years": f"/staff/dashboard/?from={start}&to={end}",
            "api_daily_world_two_years": f"/api/v1/counts/daily?from={start}&to={end}",
            "api_daily_pt_two_years": f"/api/v1/counts/daily?country=PT&from={start}&to={end}",
            "csv_two_years": csv_path,
        }

        # The check first: the CSV's counts are the confirmed rows of the range.
        csv = client.get(csv_path, HTTP_HOST=HOST)
        text = b"".join(csv.streaming_content).decode("utf-8-sig")
        in_csv = sum(int(line.rsplit(",", 1)[1]) for line in text.splitlines()[1:])
        in_rows = Pledge.objects.counted().filter(confirmed_at__date__gte=start).count()
        api = client.get(requests["api_daily_world_two_years"], HTTP_HOST=HOST).json()
        log(f"check: CSV {in_csv}, rows {in_rows}, API {api['total']} confirmations")
        if not in_csv == in_rows == api["total"]:
            sys.exit("the CSV, the rows and the API disagree")
        del text

        for name, path in requests.items():
            cache.clear()  # the counts' snapshot is read afresh, as after 2 s
            median, best, size = timed(client, path, args.repeat)
            log(f"{name}: {size} bytes, median {median * 1000:.0f} ms, best {best * 1000:.0f} ms")
            results.append(
                f"{name} bytes={size} median_ms={median * 1000:.0f} best_ms={best * 1000:.0f}"
            )

        tracemalloc.start()
        body_size(client.get(csv_path, HTTP_HOST=HOST))
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        log(f"csv_two_years: Python peak {peak / 2**20:.2f} MiB while streaming")
        results.append(f"csv_two_years_memory python_peak_mib={peak / 2**20:.2f}")
        connection.close()
    finally:
        if args.keep_db:
            log(f"kept database {args.db_name}")
        else:
            drop_database(args.db_name)
        static.cleanup()
    log("")
    for line in results:
        log(f"RESULT organisers {line}")


if __name__ == "__main__":
    main()
