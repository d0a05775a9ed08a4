"""Requests per second, and server CPU per request, of the widgets other sites embed.

Serves the product with ONE gunicorn (sync workers, production settings) on a
fresh PostgreSQL database whose counts are seeded (counter rows for Portugal and
Spain), and drives, in turn, with an asyncio HTTP client of its own (one
connection per request, as gunicorn's sync workers close each one):

  /healthz                              a view that does nothing: the floor
  /embed/counter/?country=PT&lang=pt    the counter page other sites frame
  /embed/count.svg?country=PT&lang=pt   the live-count image

The pages alternate for a few rounds (the order flips every round, the machine
being shared and noisy); medians are reported. Beside the rates, the CPU time
gunicorn spent per request is read from /proc: the client runs on the same
cores, so wall-clock rates carry its cost too, and CPU per request is the
figure to compare. Every response must be a 200; each widget must show the
seeded count, written as Portuguese writes numbers.

    scripts/bench --only widget_rate [--rounds 3] [--total 3000] [--concurrency 16]
                  [--workers 4] [--keep-db]

The last lines are RESULT page=... requests_per_s=... p99_ms=... server_cpu_ms=...
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import psycopg

# Run as a file (scripts/bench): the project root makes `bench` importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (
    HOST,
    Server,
    add_database_options,
    check_common_options,
    exchange,
    exit_on_sigterm,
    free_port,
    fresh_site,
    load_average,
    log,
    server_cpu_seconds,
    server_env,
    tear_down,
)

PAGES = {
    "healthz": "/healthz",
    "counter": "/embed/counter/?country=PT&lang=pt",
    "svg": "/embed/count.svg?country=PT&lang=pt",
}
# Seeded counts: 12,345 supporters in Portugal, spread over counter rows as
# confirmations leave them; what each widget must show, as Portuguese writes it.
SEEDED = {"PT": [12000, 300, 45], "ES": [678]}
SHOWN = {
    "counter": '<data value="12345">12.345</data>',
    "svg": ">12.345</text>",
    "healthz": "ok",
}


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3, help="rounds over the pages [3]")
    ap.add_argument("--total", type=int, default=3000, help="requests per page per round [3000]")
    ap.add_argument("--concurrency", type=int, default=16, help="requests at once [16]")
    ap.add_argument(
        "--workers",
        type=int,
        default=4,
        help="gunicorn sync workers [4: two per core on the 2-core reference machine]",
    )
    ap.add_argument("--warmup", type=int, default=300, help="requests per page to warm up [300]")
    add_database_options(ap)
    ap.add_argument("--port", type=int, default=0, help="port for gunicorn [0: a free one]")
    args = ap.parse_args(argv)
    if min(args.rounds, args.total, args.concurrency, args.workers) < 1 or args.warmup < 0:
        ap.error("--rounds, --total, --concurrency and --workers must be positive")
    check_common_options(ap, args)
    return args


def seed_counts(database_url):
    with psycopg.connect(database_url) as conn:
        for country, shards in SEEDED.items():
            for shard, count in enumerate(shards):
                conn.execute(
                    "INSERT INTO pledges_countshard (country, shard, count) VALUES (%s, %s, %s)",
                    [country, shard, count],
                )


async def fetch(port, path):
    """One GET on a connection of its own: (status, body, seconds)."""
    started = time.perf_counter()
    status, _head, body = await exchange(
        port, f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode("ascii")
    )
    return status, body, time.perf_counter() - started


async def drive(port, path, total, concurrency):
    """`total` GETs, `concurrency` at once: (latencies, statuses, one body)."""
    latencies, statuses, bodies = [], {}, []
    remaining = iter(range(total))

    async def client():
        for _n in remaining:
            try:
                status, body, elapsed = await fetch(port, path)
            except OSError:
                status, body, elapsed = 0, b"", 0.0
            statuses[status] = statuses.get(status, 0) + 1
            latencies.append(elapsed)
            if not bodies and status == 200:
                bodies.append(body)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _n in range(concurrency)))
    return time.perf_counter() - started, latencies, statuses, bodies[0] if bodies else b""


def run(args, port, page, total, server_pid=None):
    cpu_before = server_cpu_seconds(server_pid) if server_pid else 0.0
    seconds, latencies, statuses, body = asyncio.run(
        drive(port, PAGES[page], total, args.concurrency)
    )
    cpu_used = server_cpu_seconds(server_pid) - cpu_before if server_pid else float("nan")
    ok = statuses.get(200, 0)
    return {
        "rate": ok / seconds,
        "p99": 1000 * statistics.quantiles(latencies, n=100)[98],
        "cpu_ms": 1000 * cpu_used / max(ok, 1),
        "ok": ok,
        "errors": total - ok,
        "statuses": statuses,
        "shows_count": SHOWN[page].encode() in body,
    }


def describe(page, result):
    errors = f"  errors={result['errors']} {result['statuses']}" if result["errors"] else ""
    return (
        f"{page:>8}: {result['rate']:8.1f} requests/s  p99 {result['p99']:6.1f} ms  "
        f"server CPU {result['cpu_ms']:5.2f} ms/request  ok={result['ok']}{errors}"
    )


def report(args, results):
    """Prints the table; returns the RESULT lines."""
    line = "-" * 62
    log("")
    log(
        f"gunicorn {args.workers} sync workers, concurrency {args.concurrency}, "
        f"{args.total} requests per page per round (medians of {args.rounds} rounds)"
    )
    log(line)
    log(f"{'page':<10}{'requests/s':>12}{'p99 ms':>10}{'CPU ms/request':>16}{'vs healthz':>12}")
    log(line)
    floor = statistics.median(r["cpu_ms"] for r in results["healthz"])
    lines = []
    for page, runs in results.items():
        rate = statistics.median(r["rate"] for r in runs)
        p99 = statistics.median(r["p99"] for r in runs)
        cpu = statistics.median(r["cpu_ms"] for r in runs)
        log(f"{page:<10}{rate:>12.1f}{p99:>10.1f}{cpu:>16.2f}{cpu / floor:>11.2f}x")
        lines.append(
            f"RESULT page={page} requests_per_s={rate:.1f} p99_ms={p99:.1f} "
            f"server_cpu_ms={cpu:.2f} cpu_vs_healthz={cpu / floor:.2f}"
        )
    log(line)
    return lines


def main(argv=None):
    args = parse_args(argv)
    exit_on_sigterm()
    port = args.port or free_port()
    database_created = False
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="blueheart-bench-")))
        env = server_env(port, args.db_name, tmp / "static")
        try:
            database_created = True
            fresh_site(env, args.db_name)
            seed_counts(env["DATABASE_URL"])

            server = Server(env, port, args.workers, tmp / "gunicorn.log")
            stack.callback(server.stop)
            server.start()
            server.wait_ready()
            log(f"gunicorn: {args.workers} sync workers on {HOST}:{port} (load {load_average()})")

            checks_ok = True
            if args.warmup:
                for page in PAGES:
                    warm = run(args, port, page, args.warmup)
                    log("warm-up " + describe(page, warm))
            results = {page: [] for page in PAGES}
            for n in range(1, args.rounds + 1):
                order = list(PAGES) if n % 2 else list(reversed(PAGES))
                for page in order:
                    result = run(args, port, page, args.total, server.proc.pid)
                    results[page].append(result)
                    checks_ok &= result["errors"] == 0 and result["shows_count"]
                    log(f"round {n} " + describe(page, result))
                log(f"        (load {load_average()})")
            server.stop()
            if server_errors := server.error_lines():
                checks_ok = False
                log("server errors:\n" + "\n".join(server_errors[:20]))

            result_lines = report(args, results)
            for page, runs in results.items():
                shown = all(r["shows_count"] for r in runs)
                log(
                    f"check {page}: every request a 200, showing the seeded count -> "
                    + ("ok" if shown and not any(r["errors"] for r in runs) else "MISMATCH")
                )
            for line in result_lines:
                log(line)
            if not checks_ok:
                sys.exit("widget_rate: a check failed (see above)")
        finally:
            tear_down(stack, args.db_name, database_created, args.keep_db)


if __name__ == "__main__":
    main()
