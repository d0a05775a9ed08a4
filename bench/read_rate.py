"""Requests per second of what visitors read, straight from gunicorn and then
through the production proxy (nginx running deploy/nginx/).

Serves the product with ONE gunicorn (sync workers, production settings, as
config/gunicorn.py: 4 workers unless told) on a fresh PostgreSQL database whose
counts are seeded as bench/widget_rate.py seeds them, warms it, and drives with
wrk (Debian's, keep-alive, `Accept-Encoding: gzip` as browsers send) each of:

  /healthz                              a view that does nothing: the ceiling
  /                                     the home page
  /countries/es/                        a country page
  /api/v1/counts                        the live counts
  /embed/counter/?country=PT&lang=pt    the counter other sites embed

first DIRECT (wrk to gunicorn), then THROUGH nginx in front of the same gunicorn,
with the plain-HTTP variant of deploy/nginx/blueheart.conf (bench/proxy.py: the
same shared rules, its own port and temporary folder). Reported per URL: the
rate, p50 and p99 latency, the server CPU per request (gunicorn's, plus nginx's
through the proxy, from /proc), the rate's ratio to /healthz's in the same mode,
and through the proxy its ratio to the URL's direct rate, each with its target:

  direct: counts and the embed at least 0.9x /healthz; home and country 0.8x
  proxy:  counts and the embed at least 10x their direct rate (the micro-cache)

Also the home page's size through the proxy, plain against gzip. The modes and
pages alternate for a few rounds (the order flips every round; the machine is
shared and noisy); medians are reported.

    scripts/bench --only read_rate [--rounds 3] [--duration 10] [--connections 32]
                  [--workers 4] [--keep-db]

The last lines are RESULT lines, one per mode and page, then one summary.
"""

import argparse
import gzip
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from contextlib import ExitStack
from pathlib import Path

# Run as a file (scripts/bench): the project root makes `bench` importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (
    HOST,
    Server,
    add_database_options,
    check_common_options,
    exit_on_sigterm,
    free_port,
    fresh_site,
    load_average,
    log,
    server_cpu_seconds,
    server_env,
    tear_down,
)
from bench.proxy import Nginx
from bench.widget_rate import seed_counts

PAGES = {
    "healthz": "/healthz",
    "home": "/",
    "country": "/countries/es/",
    "counts": "/api/v1/counts",
    "embed": "/embed/counter/?country=PT&lang=pt",
}
# What each page must show: the seeded counts (bench/widget_rate.py), as the
# page's language writes them.
SHOWN = {
    "healthz": b"ok",
    "home": b"<html",
    "country": b"<html",
    "counts": b'"total": 13023',
    "embed": b'<data value="12345">12.345</data>',
}
# The targets: direct, the rate against /healthz's; through the proxy,
# against the same URL's direct rate.
DIRECT_TARGETS = {"counts": 0.9, "embed": 0.9, "home": 0.8, "country": 0.8}
PROXY_TARGETS = {"counts": 10.0, "embed": 10.0}
MODES = ("direct", "proxy")
WRK = shutil.which("wrk")
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3, help="rounds over modes and pages [3]")
    ap.add_argument("--duration", type=int, default=10, help="seconds of load per page [10]")
    ap.add_argument("--connections", type=int, default=32, help="wrk's connections [32]")
    ap.add_argument("--threads", type=int, default=2, help="wrk's threads [2, one per core]")
    ap.add_argument(
        "--workers", type=int, default=4, help="gunicorn sync workers [4, as config/gunicorn.py]"
    )
    ap.add_argument("--warmup", type=int, default=2, help="seconds per page to warm up [2]")
    add_database_options(ap, "blueheart_bench_read")
    args = ap.parse_args(argv)
    if min(args.rounds, args.duration, args.connections, args.threads, args.workers) < 1:
        ap.error("--rounds, --duration, --connections, --threads and --workers must be positive")
    if args.warmup < 0:
        ap.error("--warmup must not be negative")
    check_common_options(ap, args)
    return args


def milliseconds(text):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def wrk(args, port, path, seconds):
    """wrk's figures for `seconds` of load: rate, p50, p99 and errors."""
    result = subprocess.run(
        [
            WRK,
            f"-t{args.threads}",
            f"-c{args.connections}",
            f"-d{seconds}s",
            "--latency",
            "-H",
            "Accept-Encoding: gzip",
            f"http://{HOST}:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    out = result.stdout
    requests = re.search(r"(\d+) requests in", out)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if result.returncode or not (requests and rate):
        sys.exit(f"wrk failed on {path}:\n{out}{result.stderr}")
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.MULTILINE))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    return {
        "requests": int(requests.group(1)),
        "rate": float(rate.group(1)),
        "p50": milliseconds(latency["50"]),
        "p99": milliseconds(latency["99"]),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        # gunicorn's sync workers close every connection, which wrk counts as a
        # read error and reconnects: only connect errors and timeouts are failures.
        "errors": int(sockets.group(1)) + int(sockets.group(4)) if sockets else 0,
    }


def fetch(port, path, encoding=None):
    """(status, body as sent, body decoded) of one GET."""
    request = urllib.request.Request(f"http://{HOST}:{port}{path}")
    if encoding:
        request.add_header("Accept-Encoding", encoding)
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
        decoded = gzip.decompress(body) if response.headers["Content-Encoding"] == "gzip" else body
        return response.status, body, decoded


def check_pages(port):
    """Every page a 200 showing what it must, before any load."""
    ok = True
    for page, path in PAGES.items():
        status, _body, decoded = fetch(port, path)
        if status != 200 or SHOWN[page] not in decoded:
            log(f"check {page} on port {port}: status {status}, not showing {SHOWN[page]!r}")
            ok = False
    return ok


def measure(args, port, path, pids, seconds):
    before = sum(server_cpu_seconds(pid) for pid in pids)
    result = wrk(args, port, path, seconds)
    used = sum(server_cpu_seconds(pid) for pid in pids) - before
    result["cpu_ms"] = 1000 * used / max(result["requests"], 1)
    return result


def describe(mode, page, result):
    errors = ""
    if result["non_2xx"] or result["errors"]:
        errors = f"  non-2xx={result['non_2xx']} errors={result['errors']}"
    return (
        f"{mode:>6} {page:>8}: {result['rate']:9.1f} requests/s  p50 {result['p50']:6.2f} ms  "
        f"p99 {result['p99']:6.2f} ms  server CPU {result['cpu_ms']:5.3f} ms/request{errors}"
    )


def verdict(ratio, target):
    if target is None:
        return f"{ratio:6.2f}x {'':>11}"
    return f"{ratio:6.2f}x (>= {target:>4}x {'ok' if ratio >= target else 'MISSED'})"


def report(args, results, sizes):
    """Prints the table; returns the RESULT lines."""
    median = {
        mode: {
            page: {key: statistics.median(r[key] for r in runs) for key in runs[0]}
            for page, runs in pages.items()
        }
        for mode, pages in results.items()
    }
    line = "-" * 104
    log("")
    log(
        f"gunicorn {args.workers} sync workers; wrk {args.threads} threads, "
        f"{args.connections} connections, {args.duration} s per page "
        f"(medians of {args.rounds} rounds)"
    )
    log(line)
    log(
        f"{'mode':<7}{'page':<9}{'req/s':>10}{'p50 ms':>8}{'p99 ms':>8}{'CPU ms/req':>11}"
        f"  {'vs /healthz (target)':<27}{'vs direct (target)':<27}"
    )
    log(line)
    lines, missed = [], []
    for mode in MODES:
        ceiling = median[mode]["healthz"]["rate"]
        for page, m in median[mode].items():
            vs_noop = m["rate"] / ceiling
            noop_target = DIRECT_TARGETS.get(page) if mode == "direct" else None
            vs_direct = m["rate"] / median["direct"][page]["rate"] if mode == "proxy" else None
            direct_target = PROXY_TARGETS.get(page) if mode == "proxy" else None
            log(
                f"{mode:<7}{page:<9}{m['rate']:>10.1f}{m['p50']:>8.2f}{m['p99']:>8.2f}"
                f"{m['cpu_ms']:>11.3f}  {verdict(vs_noop, noop_target):<27}"
                + (verdict(vs_direct, direct_target) if vs_direct is not None else "")
            )
            result = (
                f"RESULT read mode={mode} page={page} requests_per_s={m['rate']:.1f} "
                f"p50_ms={m['p50']:.2f} p99_ms={m['p99']:.2f} server_cpu_ms={m['cpu_ms']:.3f} "
                f"vs_healthz={vs_noop:.2f}"
            )
            if noop_target is not None:
                result += f" target_vs_healthz={noop_target}"
                if vs_noop < noop_target:
                    missed.append(f"{mode} {page} {vs_noop:.2f}x/healthz")
            if vs_direct is not None:
                result += f" vs_direct={vs_direct:.2f}"
                if direct_target is not None:
                    result += f" target_vs_direct={direct_target}"
                    if vs_direct < direct_target:
                        missed.append(f"proxy {page} {vs_direct:.1f}x/direct")
            lines.append(result)
    log(line)
    plain, compressed = sizes
    log(
        f"home page through the proxy: {plain / 1024:.1f} KB plain, {compressed / 1024:.1f} KB "
        f"gzip ({compressed / plain:.0%})"
    )
    lines.append(f"RESULT read html_bytes={plain} html_gzip_bytes={compressed}")
    direct, proxy = median["direct"], median["proxy"]
    noop = direct["healthz"]["rate"]
    summary = (
        "direct "
        + " ".join(f"{page} {direct[page]['rate'] / noop:.2f}x" for page in DIRECT_TARGETS)
        + " /healthz; proxy "
        + " ".join(
            f"{page} {proxy[page]['rate'] / direct[page]['rate']:.1f}x" for page in PROXY_TARGETS
        )
        + " direct"
    )
    lines.append(
        f"RESULT read summary: {summary}; "
        + (f"targets missed: {', '.join(missed)}" if missed else "every target met")
    )
    return lines


def main(argv=None):
    args = parse_args(argv)
    exit_on_sigterm()
    if WRK is None:
        sys.exit("read_rate needs wrk (Debian: apt-get install wrk; scripts/ensure-services wrk)")
    port, proxy_port = free_port(), free_port()
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
            nginx = Nginx(tmp / "nginx", port, proxy_port, tmp / "static")
            checked = nginx.test_config()
            if checked.returncode:
                sys.exit(f"nginx -t refused the config:\n{checked.stderr}")
            stack.callback(nginx.stop)
            nginx.start()
            log(
                f"gunicorn: {args.workers} sync workers on {HOST}:{port}; nginx "
                f"(deploy/nginx/, plain HTTP) on {HOST}:{proxy_port}; load generator: wrk "
                f"(load {load_average()})"
            )
            ports = {"direct": port, "proxy": proxy_port}
            checks_ok = check_pages(port) and check_pages(proxy_port)
            _status, plain, _ = fetch(proxy_port, "/")
            _status, compressed, _ = fetch(proxy_port, "/", "gzip")
            sizes = (len(plain), len(compressed))

            if args.warmup:
                for mode in MODES:
                    for path in PAGES.values():
                        wrk(args, ports[mode], path, args.warmup)
            results = {mode: {page: [] for page in PAGES} for mode in MODES}
            for n in range(1, args.rounds + 1):
                modes = MODES if n % 2 else tuple(reversed(MODES))
                for mode in modes:
                    pids = [server.proc.pid] + ([nginx.proc.pid] if mode == "proxy" else [])
                    order = list(PAGES) if n % 2 else list(reversed(PAGES))
                    for page in order:
                        result = measure(args, ports[mode], PAGES[page], pids, args.duration)
                        results[mode][page].append(result)
                        checks_ok &= not (result["non_2xx"] or result["errors"])
                        log(f"round {n} " + describe(mode, page, result))
                log(f"        (load {load_average()})")
            nginx.stop()
            server.stop()
            if server_errors := server.error_lines():
                checks_ok = False
                log("server errors:\n" + "\n".join(server_errors[:20]))

            result_lines = report(args, results, sizes)
            log(
                "check: every page a 200 showing the seeded counts, no error under load -> "
                + ("ok" if checks_ok else "MISMATCH")
            )
            for line in result_lines:
                log(line)
            if not checks_ok:
                sys.exit("read_rate: a check failed (see above)")
        finally:
            tear_down(stack, args.db_name, database_created, args.keep_db)


if __name__ == "__main__":
    main()
