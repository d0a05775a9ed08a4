"""Confirmations per second through the real confirm flow, against the sign rate.

Serves the product with ONE gunicorn (sync workers, production settings) on a
fresh PostgreSQL database holding unconfirmed pledges made in bulk, each with its
confirmation token (pledges.tokens.make_confirm_token, signed with the server's
SECRET_KEY). An asyncio client of the script's own (32 at once by default, a
connection per request, as gunicorn's sync workers close each one) confirms them
as a browser would: GET /confirm/<token>/ with an empty cookie jar, then POST the
form it shows (its CSRF token and cookie, the name and country it shows, Origin
set); a confirmation counts when the POST answers 200 with the thank-you page.

In the same run, the sign rate of the real form (/pledge/, through signload.py as
bench/sign_rate.py drives it): the GET+POST journey, like for like with the
confirm flow (a form page and its POST), and the sign POST alone. Target (issue
13): confirmations at least 0.8x the sign journey's rate.

The counters must not serialise on one row: a confirmation adds 1 to one of the
country's CountShard rows (pledges/models.py), chosen at random. So the confirm
rate is measured twice each round, with every pledge in ONE country (Portugal)
and spread over MANY (--countries, 20 by default): within 10% of each other.

Rounds alternate the two (the order flips every round); medians are reported,
with the server CPU per confirmation from /proc. Checks: the confirmed rows and
the counters' sums match the confirmations the client counted.

    scripts/bench --only confirm_rate [--rounds 3] [--total 1000] [--concurrency 32]
                  [--workers 4] [--countries 20] [--signload PATH] [--keep-db]

The last lines are RESULT kind=... per_s=..., then SUMMARY confirm: ... -> ok|BELOW TARGET.
"""

import argparse
import asyncio
import html
import re
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlencode

import psycopg

# Run as a file (scripts/bench): the project root makes `bench` importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (
    HOST,
    ROOT,
    UNLIMITED,
    Server,
    add_database_options,
    add_signload_options,
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
from bench.sign_rate import run_signload, verdict

TARGET_VS_SIGN = 0.8  # confirmations/s at least 0.8x the sign rate
TARGET_SPREAD = 0.10  # one country's rate within 10% of many countries'
# The countries of the MANY scenario, in this order (the first --countries).
MANY = [
    "PT",
    "ES",
    "FR",
    "DE",
    "IT",
    "NL",
    "BE",
    "LU",
    "IE",
    "AT",
    "PL",
    "CZ",
    "SK",
    "HU",
    "SI",
    "HR",
    "RO",
    "BG",
    "GR",
    "CY",
    "MT",
    "DK",
    "SE",
    "FI",
    "EE",
    "LV",
    "LT",
    "GB",
    "NO",
    "CH",
    "IS",
]
SCENARIOS = ("one", "many")

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NAME_INPUT = re.compile(r'name="display_name" value="([^"]*)"')
SELECTED_COUNTRY = re.compile(r'<option value="([A-Z]{2})" selected>')
CSRF_COOKIE = re.compile(rb"^set-cookie: *csrftoken=([^;\r\n]+)", re.I | re.M)
THANKS = b"Your pledge is confirmed"

# Made in the server's own settings (its SECRET_KEY signs the tokens): the
# unconfirmed pledges of one batch, and their tokens, one per line.
MAKE_PLEDGES = """
import sys
import django
django.setup()
from django.utils import timezone
from pledges.models import Pledge
from pledges.tokens import make_confirm_token
batch, count, countries, out = sys.argv[-4:]
count, countries = int(count), countries.split(",")
now = timezone.now()
pledges = Pledge.objects.bulk_create(
    Pledge(display_name=f"Confirmer {n}", email=f"confirm-{batch}-{n}@example.org",
           country=countries[n % len(countries)], language="en", signed_at=now)
    for n in range(count)
)
with open(out, "w") as f:
    f.writelines(make_confirm_token(p.public_id) + "\\n" for p in pledges)
"""


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3, help="rounds of sign + confirm [3]")
    ap.add_argument(
        "--total",
        type=int,
        default=1000,
        help="signatures, and confirmations per scenario, per round [1000]",
    )
    ap.add_argument("--concurrency", type=int, default=32, help="clients at once [32]")
    ap.add_argument(
        "--workers",
        type=int,
        default=4,
        help="gunicorn sync workers [4: two per core on the 2-core reference machine]",
    )
    ap.add_argument(
        "--countries", type=int, default=20, help=f"countries of MANY [20, ≤{len(MANY)}]"
    )
    ap.add_argument("--warmup", type=int, default=200, help="confirmations to warm up [200]")
    add_signload_options(ap)
    add_database_options(ap)
    ap.add_argument("--port", type=int, default=0, help="port for gunicorn [0: a free one]")
    args = ap.parse_args(argv)
    if min(args.rounds, args.total, args.concurrency, args.workers) < 1 or args.warmup < 0:
        ap.error("--rounds, --total, --concurrency and --workers must be positive")
    if not 2 <= args.countries <= len(MANY):
        ap.error(f"--countries takes 2 to {len(MANY)}")
    check_common_options(ap, args)
    return args


def make_pledges(env, tmp, batch, count, countries) -> list[str]:
    """`count` unconfirmed pledges in `countries` (in turn); their confirm tokens."""
    out = tmp / f"tokens-{batch}.txt"
    result = subprocess.run(
        [sys.executable, "-c", MAKE_PLEDGES, batch, str(count), ",".join(countries), str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        sys.exit(f"making pledges failed:\n{result.stdout}{result.stderr}")
    return out.read_text().split()


async def confirm(port, token):
    """GET the confirm page as a browser with an empty cookie jar, then POST what
    it shows. (ok, whole seconds, POST seconds, status)."""
    path = f"/confirm/{token}/"
    started = time.perf_counter()
    status, head, body = await exchange(
        port, f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nConnection: close\r\n\r\n".encode()
    )
    page = body.decode("utf-8", "replace")
    cookie = CSRF_COOKIE.search(head)
    csrf, name, country = (r.search(page) for r in (CSRF_INPUT, NAME_INPUT, SELECTED_COUNTRY))
    if status != 200 or not (cookie and csrf and name and country):
        return False, time.perf_counter() - started, 0.0, f"GET {status}"
    form = urlencode(
        {
            "csrfmiddlewaretoken": html.unescape(csrf[1]),
            "display_name": html.unescape(name[1]),
            "country": country[1],
        }
    ).encode()
    posted = time.perf_counter()
    status, _head, body = await exchange(
        port,
        (
            f"POST {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nConnection: close\r\n"
            f"Origin: http://{HOST}:{port}\r\nCookie: csrftoken={cookie[1].decode()}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(form)}\r\n\r\n"
        ).encode()
        + form,
    )
    done = time.perf_counter()
    ok = status == 200 and THANKS in body
    return ok, done - started, done - posted, f"POST {status}"


async def drive(port, tokens, concurrency):
    """Confirms every token, `concurrency` at once."""
    remaining = iter(tokens)
    whole, post, statuses = [], [], {}

    async def client():
        for token in remaining:
            try:
                ok, seconds, post_seconds, status = await confirm(port, token)
            except OSError as error:
                ok, seconds, post_seconds, status = False, 0.0, 0.0, type(error).__name__
            status = "ok" if ok else status
            statuses[status] = statuses.get(status, 0) + 1
            if ok:
                whole.append(seconds)
                post.append(post_seconds)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _n in range(concurrency)))
    return time.perf_counter() - started, whole, post, statuses


def percentile(values, p):
    if len(values) < 2:
        return float("nan")
    return 1000 * statistics.quantiles(values, n=100)[p - 1]


def run_confirm(args, port, tokens, server_pid=None):
    cpu_before = server_cpu_seconds(server_pid) if server_pid else 0.0
    seconds, whole, post, statuses = asyncio.run(drive(port, tokens, args.concurrency))
    cpu_used = server_cpu_seconds(server_pid) - cpu_before if server_pid else float("nan")
    ok = statuses.get("ok", 0)
    return {
        "rate": ok / seconds,
        "p50": percentile(whole, 50),
        "p95": percentile(whole, 95),
        "p99": percentile(whole, 99),
        "post_p99": percentile(post, 99),
        "cpu_ms": 1000 * cpu_used / max(ok, 1),
        "ok": ok,
        "errors": len(tokens) - ok,
        "statuses": statuses,
    }


def describe(kind, run):
    errors = f"  errors={run['errors']} {run['statuses']}" if run["errors"] else ""
    return (
        f"{kind:>13}: {run['rate']:7.1f} /s  p50/p95/p99 {run['p50']:.1f}/{run['p95']:.1f}/"
        f"{run['p99']:.1f} ms  server CPU {run['cpu_ms']:5.2f} ms each  ok={run['ok']}{errors}"
    )


def db_counts(database_url):
    with psycopg.connect(database_url) as conn:
        confirmed = dict(
            conn.execute(
                "SELECT country, count(*) FROM pledges_pledge "
                "WHERE confirmed_at IS NOT NULL GROUP BY country"
            ).fetchall()
        )
        counted = dict(
            conn.execute("SELECT country, sum(count) FROM pledges_countshard GROUP BY country")
        )
        shards_pt = conn.execute(
            "SELECT count(*) FROM pledges_countshard WHERE country = 'PT' AND count > 0"
        ).fetchone()[0]
    return confirmed, {c: int(n) for c, n in counted.items()}, shards_pt


def main(argv=None):
    args = parse_args(argv)
    exit_on_sigterm()
    port = args.port or free_port()
    base_url = f"http://{HOST}:{port}"
    run_tag = format(int(time.time()), "x")
    countries = {"one": ["PT"], "many": MANY[: args.countries]}
    database_created = False
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="blueheart-bench-")))
        env = {**server_env(port, args.db_name, tmp / "static"), **UNLIMITED}
        database_url = env["DATABASE_URL"]
        try:
            database_created = True
            fresh_site(env, args.db_name)
            log(
                f"unconfirmed pledges: {args.rounds} rounds x {args.total} for each of "
                f"{', '.join(SCENARIOS)} (+{args.warmup} to warm up), with their tokens"
            )
            tokens = {
                (kind, n): make_pledges(
                    env, tmp, f"{run_tag}-{kind}-{n}", args.total, countries[kind]
                )
                for kind in SCENARIOS
                for n in range(1, args.rounds + 1)
            }
            warm_tokens = make_pledges(env, tmp, f"{run_tag}-warm", args.warmup, countries["many"])

            server = Server(env, port, args.workers, tmp / "gunicorn.log")
            stack.callback(server.stop)
            server.start()
            server.wait_ready()
            log(f"gunicorn: {args.workers} sync workers on {base_url} (load {load_average()})")
            warm_confirmed = 0
            if args.warmup:
                warm = run_confirm(args, port, warm_tokens)
                warm_confirmed = warm["ok"]
                log("warm-up " + describe("confirm", warm))
                warm = run_signload(
                    args, base_url, "pledge", args.warmup, f"{run_tag}-warm", "journey"
                )
                log(f"warm-up sign journey: {warm['rate']:.1f} /s ok={warm['ok']}")

            kinds = ("sign journey", "sign post", "confirm one", "confirm many")
            results = {kind: [] for kind in kinds}
            for n in range(1, args.rounds + 1):
                order = list(kinds) if n % 2 else list(reversed(kinds))
                for kind in order:
                    if kind.startswith("sign"):
                        mode = kind.split()[1]
                        tag = f"{run_tag}-{mode}-{n}"
                        run = run_signload(
                            args, base_url, "pledge", args.total, tag, mode, server.proc.pid
                        )
                    else:
                        run = run_confirm(args, port, tokens[(kind.split()[1], n)], server.proc.pid)
                    results[kind].append(run)
                    log(f"round {n} " + describe(kind, run))
                log(f"        (load {load_average()})")
            server.stop()
            server_errors = server.error_lines()
            if server_errors:
                log("server errors:\n" + "\n".join(server_errors[:20]))
            return report(args, results, warm_confirmed, database_url, server_errors)
        finally:
            tear_down(stack, args.db_name, database_created, args.keep_db)


def report(args, results, warm_confirmed, database_url, server_errors) -> int:
    median = {
        kind: {
            key: statistics.median(r[key] for r in runs)
            for key in ("rate", "p50", "p95", "p99", "cpu_ms")
        }
        for kind, runs in results.items()
    }
    errors = {kind: sum(r["errors"] for r in runs) for kind, runs in results.items()}
    line = "-" * 78
    log("")
    log(
        f"gunicorn {args.workers} sync workers, concurrency {args.concurrency}, "
        f"{args.total} per kind per round (medians of {args.rounds} rounds); "
        "latency: a whole confirmation (GET + POST), a signature's POST (signload)"
    )
    log(line)
    log(
        f"{'kind':<14}{'per s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}"
        f"{'CPU ms each':>13}"
    )
    log(line)
    for kind, m in median.items():
        log(
            f"{kind:<14}{m['rate']:>9.1f}{m['p50']:>9.1f}{m['p95']:>9.1f}{m['p99']:>9.1f}"
            f"{errors[kind]:>8}{m['cpu_ms']:>13.2f}"
        )
    log(line)
    # Per round, as the runs of a round are adjacent in time; then the median.
    per_round = {
        "vs sign journey": [
            c["rate"] / s["rate"]
            for c, s in zip(results["confirm many"], results["sign journey"], strict=True)
        ],
        "vs sign post": [
            c["rate"] / s["rate"]
            for c, s in zip(results["confirm many"], results["sign post"], strict=True)
        ],
        "one/many": [
            o["rate"] / m["rate"]
            for o, m in zip(results["confirm one"], results["confirm many"], strict=True)
        ],
    }
    ratio = {name: statistics.median(values) for name, values in per_round.items()}
    vs_sign_ok = ratio["vs sign journey"] >= TARGET_VS_SIGN
    spread_ok = abs(ratio["one/many"] - 1) <= TARGET_SPREAD
    all_errors = sum(errors.values())
    log(
        f"target  confirm/sign journey  {ratio['vs sign journey']:.3f}  "
        f"(at least {TARGET_VS_SIGN}; a form page and its POST each) -> " + verdict(vs_sign_ok)
    )
    log(f"        confirm/sign POST     {ratio['vs sign post']:.3f}  (for reference)")
    log(
        f"target  one country/{args.countries} countries  {ratio['one/many']:.3f}  "
        f"(within {TARGET_SPREAD:.0%}: the counters do not serialise on one row) -> "
        + verdict(spread_ok)
    )
    log(f"target  errors  {all_errors}  (none) -> " + verdict(all_errors == 0))

    confirmed, counted, shards_pt = db_counts(database_url)
    reported = sum(r["ok"] for kind in ("confirm one", "confirm many") for r in results[kind])
    reported += warm_confirmed  # the warm-up's are rows too
    checks_ok = sum(confirmed.values()) == reported and confirmed == counted and not server_errors
    log(
        f"check: {sum(confirmed.values())} pledges confirmed in the database, {reported} "
        f"confirmations counted by the client (warm-up included); counters by country equal "
        f"the confirmed rows: {confirmed == counted}; Portugal's count spread over "
        f"{shards_pt} shard rows -> " + ("ok" if checks_ok else "MISMATCH")
    )
    lines = [
        f"RESULT kind={kind.replace(' ', '_')} per_s={m['rate']:.1f} p50_ms={m['p50']:.1f} "
        f"p95_ms={m['p95']:.1f} p99_ms={m['p99']:.1f} errors={errors[kind]} "
        f"server_cpu_ms={m['cpu_ms']:.2f}"
        for kind, m in median.items()
    ]
    lines.append(
        f"RESULT confirm_vs_sign_journey={ratio['vs sign journey']:.3f} "
        f"confirm_vs_sign_post={ratio['vs sign post']:.3f} one_vs_many={ratio['one/many']:.3f} "
        f"target_vs_sign={TARGET_VS_SIGN} target_spread={TARGET_SPREAD}"
    )
    for result in lines:
        log(result)
    good = vs_sign_ok and spread_ok and all_errors == 0
    log(
        f"SUMMARY confirm: {median['confirm many']['rate']:.1f}/s = "
        f"{ratio['vs sign journey']:.2f}x the sign journey (target >= {TARGET_VS_SIGN}x), "
        f"one country {ratio['one/many']:.2f}x many (target within {TARGET_SPREAD:.0%}), "
        f"errors {all_errors} (target 0) -> " + ("ok" if good else "BELOW TARGET")
    )
    return 0 if checks_ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("interrupted; gunicorn stopped and the bench's Redis pair flushed")
