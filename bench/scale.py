"""Does any path grow with the number of pledges? The same requests timed on a
small campaign and on a large one (10,000 and 1,000,000 synthetic pledges by
default), each on a fresh PostgreSQL database filled by manage.py
generate_pledges: the ratio large/small of each must stay within 10%.

Timed, through each view on Django's test client in one process per size (the
server's own work, no network), --repeat times each, median:

  counts_api       /api/v1/counts                      what the widgets and the site read
  home             /                                   the count and the wall
  country_page     /countries/pt/                      a country's count and wall
  embed_counter    /embed/counter/?country=PT&lang=pt  the counter other sites frame
  dashboard        /staff/dashboard/                   an organiser's first page (90 days)
  export_month     /staff/exports/download (one month, country by day, CSV)

The organisers' figures (dashboard, export) read closed days from the rollup
and the pending pledges from their snapshot (reports/rollup.py), as the beat
keeps them, and today from the rows.

The shared cache is cleared before each timed request, so every figure is a
cold read of the counts (the 2-second snapshot rebuilt), the cost a crowd pays
once per snapshot; warm reads come from the cache and the proxy (read_rate).
An export over the whole campaign grows with its days, not with its pledges,
and is measured by `organisers`.

    scripts/bench --only scale [--small 10000] [--large 1000000] [--repeat 7]
                  [--redis-db 12]

Last lines: RESULT scale ... one per path, then a SUMMARY line.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

# Run as a file (scripts/bench): the project root makes `bench` importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import HOST, drop_database, exit_on_sigterm, load_average, log, manage, server_env

TARGET = 1.10  # large / small, at most
MEASURED = re.compile(r"^MEASURED (\w+) median_ms=([\d.]+)$", re.M)


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--small", type=int, default=10_000, help="pledges of the small run [10000]")
    ap.add_argument(
        "--large", type=int, default=1_000_000, help="pledges of the large run [1000000]"
    )
    ap.add_argument("--repeat", type=int, default=7, help="timed runs of each request [7]")
    ap.add_argument("--redis-db", type=int, default=12, help="the cache's Redis db [12]")
    # One size, in a process of its own (Django is set up once per process).
    ap.add_argument("--measure", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if min(args.small, args.large, args.repeat) < 1 or args.small >= args.large:
        ap.error("--small must be positive and below --large; --repeat positive")
    return args


def measure(pledges: int, repeat: int, redis_db: int) -> None:
    """Fill a database with `pledges` and print one MEASURED line per path."""
    db_name = f"bench_scale_{pledges}"
    static = tempfile.TemporaryDirectory(prefix="blueheart-bench-")
    env = server_env(8000, db_name, Path(static.name) / "static")
    env["REDIS_URL"] = f"redis://{HOST}:6379/{redis_db}"
    drop_database(db_name, create=True)
    try:
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        started = time.monotonic()
        manage(
            env, "generate_pledges", str(pledges), "--seed", "1",
            "--i-know-this-is-not-production",
        )  # fmt: skip
        log(f"{pledges} pledges generated in {time.monotonic() - started:.0f} s")
        os.environ.update(env)
        import django

        django.setup()
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
        from django.core.cache import cache
        from django.db import connection
        from django.test import Client
        from django.utils import timezone

        from accounts.models import Role, RoleGrant, User

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
            # Writes out what the million inserts left dirty now, not in the
            # background while the requests are timed.
            cursor.execute("CHECKPOINT")
        # What the beat does every minute (generate_pledges did it too): the
        # organisers' figures read closed days from the rollup and the pending
        # pledges from their snapshot, so the timed reads take that path.
        from reports import rollup

        rollup.refresh()
        if rollup.covered_through() != timezone.now().date() - timedelta(days=1):
            sys.exit("the rollup of closed days does not cover yesterday")
        olga = User.objects.create_user(username="bench-olga", email="olga@example.org")
        RoleGrant.objects.create(user=olga, role=Role.ORGANISER, granted_at=timezone.now())
        TOTP.activate(olga, generate_totp_secret())
        staff = Client()
        staff.force_login(olga)
        public = Client()

        end = timezone.now().date()
        month = f"start={end - timedelta(days=30)}&end={end}"
        paths = {
            "counts_api": (public, "/api/v1/counts"),
            "home": (public, "/"),
            "country_page": (public, "/countries/pt/"),
            "embed_counter": (public, "/embed/counter/?country=PT&lang=pt"),
            "dashboard": (staff, "/staff/dashboard/"),
            "export_month": (
                staff,
                f"/staff/exports/download?kind=country-day&format=csv&{month}",
            ),
        }
        for name, (client, path) in paths.items():
            times = []
            for _ in range(repeat + 1):  # the first warms the process, not the cache
                cache.clear()
                begun = time.perf_counter()
                response = client.get(path, HTTP_HOST=HOST)
                if response.streaming:
                    b"".join(response.streaming_content)
                times.append(time.perf_counter() - begun)
                if response.status_code != 200:
                    sys.exit(f"{path} answered {response.status_code}")
            print(f"MEASURED {name} median_ms={statistics.median(times[1:]) * 1000:.2f}")
        connection.close()
    finally:
        drop_database(db_name)
        static.cleanup()


def run_size(pledges: int, args) -> dict[str, float]:
    log(f"{pledges} pledges: generating and timing (load {load_average()})")
    command = [
        sys.executable, __file__, "--measure", str(pledges), "--repeat", str(args.repeat),
        "--redis-db", str(args.redis_db), "--small", str(args.small), "--large", str(args.large),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"the {pledges}-pledge run failed:\n{done.stdout}{done.stderr}")
    return {name: float(ms) for name, ms in MEASURED.findall(done.stdout)}


def main(argv=None):
    args = parse_args(argv)
    exit_on_sigterm()
    if args.measure:
        measure(args.measure, args.repeat, args.redis_db)
        return
    small = run_size(args.small, args)
    large = run_size(args.large, args)
    log("")
    log(f"{'path':<15}{args.small:>12,} {args.large:>12,}   ratio  (target at most {TARGET:.2f})")
    missed = []
    for name in small:
        ratio = large[name] / small[name]
        verdict = "ok" if ratio <= TARGET else "ABOVE TARGET"
        if ratio > TARGET:
            missed.append(f"{name} {ratio:.2f}x")
        log(f"{name:<15}{small[name]:>10.2f}ms {large[name]:>10.2f}ms   {ratio:.2f}  {verdict}")
    log("")
    for name in small:
        log(
            f"RESULT scale path={name} small={args.small} small_ms={small[name]:.2f} "
            f"large={args.large} large_ms={large[name]:.2f} "
            f"ratio={large[name] / small[name]:.3f} target_ratio={TARGET}"
        )
    log(
        f"SUMMARY scale: {args.small:,} against {args.large:,} pledges, "
        + ("every path within 10%" if not missed else "above 10%: " + ", ".join(missed))
    )


if __name__ == "__main__":
    main()
