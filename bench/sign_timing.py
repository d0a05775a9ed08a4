"""Signing tells no one who has signed, not even by its timing.

Serves the product with ONE gunicorn (sync workers, production settings, Redis as
the broker; no Celery worker, so queued tasks only accumulate and are flushed at
the end) on a fresh PostgreSQL database seeded, through the ORM, with addresses
in every state a stranger might want to find out about:

  pending               signed, not confirmed, last email an hour ago
  confirmed             confirmed, last email an hour ago
  pending_throttled     pending, an email asked for a minute ago (resend window)
  confirmed_throttled   confirmed, an email asked for a minute ago

Then, from one client over one connection (gunicorn's sync workers close it after
each answer; the client reconnects before starting the clock), with one valid
CSRF cookie and token, it times each POST from sending it to reading the answer,
NEW and KNOWN addresses interleaved in pairs (new-known or known-new, drawn per
pair: whatever the server carries over from one request to the next then falls on
every kind alike; a fixed order made the ratios drift by 1-2% with the position),
the known ones cycling through the four states, every address used once (the old
design changed a known address's state on its first POST). The same for
/confirm/new-link/, where a new address is one no pledge has. Beside the
wall-clock time, the CPU the gunicorn worker spent on each request is read from
/proc/<pid>/schedstat (ns).

Printed per form: median and p90 per kind, the ratio known/new of the medians per
state (with a bootstrap 95% interval), and a last line
RESULT form=... new_median_ms=... known_median_ms=... ratio=... within_5pct=yes|no
where within_5pct needs every state's median within 5% of the new addresses'.

    scripts/bench --only sign_timing [--requests 4000] [--warmup 200] [--workers 1]
                  [--forms sign,new-link] [--order mixed|abab|baba] [--tree PATH]
                  [--label WORD] [--db-name NAME] [--keep-db]

--tree serves another checkout of the project (e.g. a `git worktree` of an older
commit) with this script, this venv and this tree's bench/gunicorn_conf.py; that
checkout must have bench/settings.py (the bare app) as this one does.
"""

import argparse
import http.client
import json
import math
import random
import re
import statistics
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
    check_common_options,
    database_url,
    drop_database,
    exit_on_sigterm,
    flush_redis,
    free_port,
    load_average,
    log,
    manage,
    queued_messages,
    server_env,
    tear_down,
    wait_for_redis_pair,
)

FORMS = {
    "sign": {
        "path": "/pledge/",
        "fields": {"display_name": "Timing Signer", "country": "PT", "pledge": "on"},
    },
    "new-link": {"path": "/confirm/new-link/", "fields": {}},
}
STATES = ["pending", "confirmed", "pending_throttled", "confirmed_throttled"]
# Same length for every kind, so no kind sends (or hashes) more bytes than another.
CODES = {
    "new": "new",
    "pending": "pen",
    "confirmed": "con",
    "pending_throttled": "pth",
    "confirmed_throttled": "cth",
}
ADDRESS = "{form}-{code}-{n:06d}@example.org"
SENT = "/pledge/sent/"
# The issue: new and known addresses' medians within 5% of each other.
TOLERANCE = 0.05
# Throttled addresses were asked an email a minute before the form's run; past
# this the 10-minute window would close on them.
THROTTLE_BUDGET_S = 8 * 60

# Run in the served tree by `manage.py shell -c`, with the server's settings:
# creates the known addresses through the ORM. The old design called the
# signing time `pledged_at`, the new one `signed_at`.
SEED = """
import json
from datetime import timedelta

from django.utils import timezone

from pledges.models import Pledge

spec = json.loads({spec!r})
now = timezone.now()
fields = {{f.name for f in Pledge._meta.get_fields()}}
signed = "signed_at" if "signed_at" in fields else "pledged_at"
rows = []
for state, code in spec["codes"].items():
    confirmed = state.startswith("confirmed")
    asked = timedelta(minutes=1) if state.endswith("throttled") else timedelta(hours=1)
    for n in range(spec["per_state"]):
        email = spec["address"].format(form=spec["form"], code=code, n=n)
        rows.append(
            Pledge(
                email=email,
                display_name="Seeded Signer",
                country="PT",
                language="en",
                wording_version="bench",
                confirmed_at=now - timedelta(hours=12) if confirmed else None,
                email_due="",
                email_requested_at=now - asked,
                email_sent_at=now - asked,
                **{{signed: now - timedelta(days=1)}},
            )
        )
Pledge.objects.bulk_create(rows, batch_size=2000)
print("seeded", len(rows))
"""


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--requests",
        type=int,
        default=4000,
        help="timed POSTs per kind (new, known) per form; known ones split over 4 states [4000]",
    )
    ap.add_argument("--warmup", type=int, default=200, help="untimed pairs per form first [200]")
    ap.add_argument("--workers", type=int, default=1, help="gunicorn sync workers [1]")
    ap.add_argument("--forms", default="sign,new-link", help="comma-separated [sign,new-link]")
    ap.add_argument(
        "--order",
        choices=["mixed", "abab", "baba"],
        default="mixed",
        help="new (a) and known (b) in each pair: mixed draws which goes first [mixed]",
    )
    ap.add_argument("--tree", type=Path, default=ROOT, help="project checkout to serve [this one]")
    ap.add_argument("--label", default="", help="a word for the RESULT lines (e.g. old)")
    ap.add_argument("--db-name", default="bench_sign_timing", help="database to (re)create")
    ap.add_argument("--port", type=int, default=0, help="port for gunicorn [0: a free one]")
    ap.add_argument("--keep-db", action="store_true", help="keep the database afterwards")
    args = ap.parse_args(argv)
    if min(args.requests, args.workers) < 1 or args.warmup < 0:
        ap.error("--requests and --workers must be positive")
    check_common_options(ap, args)
    args.forms = [f.strip() for f in args.forms.split(",") if f.strip()]
    if not args.forms or set(args.forms) - set(FORMS):
        ap.error(f"--forms takes a comma-separated subset of {', '.join(FORMS)}")
    args.tree = args.tree.resolve()
    if not (args.tree / "manage.py").is_file() or not (args.tree / "bench/settings.py").is_file():
        ap.error(f"--tree {args.tree} has no manage.py or bench/settings.py")
    return args


def address(form, kind, n):
    return ADDRESS.format(form=form, code=CODES[kind], n=n)


def plan(form, pairs, order="mixed"):
    """(kind, email) in the order they are sent, one new and one known per pair:
    mixed = which goes first is drawn per pair (seeded), so neither kind nor any
    state keeps one place, or one kind of predecessor, in the sequence;
    abab = new first in every pair; baba = known first."""
    rng = random.Random(form)
    sequence = []
    for i in range(pairs):
        state = STATES[i % len(STATES)]
        pair = [("new", address(form, "new", i)), (state, address(form, state, i // len(STATES)))]
        if order == "baba" or (order == "mixed" and rng.random() < 0.5):
            pair.reverse()
        sequence += pair
    return sequence


def seed(env, root, form, pairs):
    per_state = math.ceil(pairs / len(STATES))
    codes = {state: CODES[state] for state in STATES}
    spec = {"form": form, "codes": codes, "per_state": per_state, "address": ADDRESS}
    out = manage(env, "shell", "-c", SEED.format(spec=json.dumps(spec)), root=root)
    if f"seeded {per_state * len(STATES)}" not in out:
        sys.exit(f"seeding did not report {per_state * len(STATES)} rows:\n{out}")


class Client:
    """One visitor: a CSRF cookie and token, one connection at a time."""

    def __init__(self, port):
        self.port = port
        self.origin = f"http://{HOST}:{port}"
        self.conn = http.client.HTTPConnection(HOST, port, timeout=30)
        self.cookie = self.token = None

    def fetch_token(self, path):
        self.conn.request("GET", path)
        response = self.conn.getresponse()
        body = response.read().decode()
        cookies = [
            value.split(";", 1)[0]
            for name, value in response.getheaders()
            if name.lower() == "set-cookie" and value.startswith("csrftoken=")
        ]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if response.status != 200 or not cookies or not token:
            sys.exit(f"GET {path}: no CSRF cookie or token (status {response.status})")
        self.cookie, self.token = cookies[-1], token[1]

    def post(self, path, fields):
        """(status, location, seconds): timed from sending to the end of the answer."""
        body = urlencode({"csrfmiddlewaretoken": self.token, **fields})
        headers = {
            "Cookie": self.cookie,
            "Origin": self.origin,
            "Referer": self.origin + path,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        if self.conn.sock is None:  # the sync worker closed the last one: reconnect untimed
            self.conn.connect()
        start = time.perf_counter()
        self.conn.request("POST", path, body, headers)
        response = self.conn.getresponse()
        response.read()
        elapsed = time.perf_counter() - start
        return response.status, response.getheader("Location"), elapsed

    def close(self):
        self.conn.close()


def recorded_requests(db_name):
    """Rows in pledges_pledgerequest, or None where the design has no such table."""
    with psycopg.connect(database_url(db_name)) as conn:
        if conn.execute("SELECT to_regclass('pledges_pledgerequest')").fetchone()[0] is None:
            return None
        return conn.execute("SELECT count(*) FROM pledges_pledgerequest").fetchone()[0]


def cpu_ns(pids):
    """Time the gunicorn workers have spent on a CPU, in ns (first field of schedstat)."""
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
    return total


def run_form(args, client, server, form, env):
    spec = FORMS[form]
    pairs = args.warmup + args.requests
    seed(env, args.tree, form, pairs)
    seeded_at = time.monotonic()
    client.fetch_token(spec["path"])
    pids = server.worker_pids()
    queued_before = queued_messages()
    recorded_before = recorded_requests(args.db_name)
    times = {kind: [] for kind in ["new", *STATES]}
    cpu = {kind: [] for kind in times}
    wrong = []
    for i, (kind, email) in enumerate(plan(form, pairs, args.order)):
        before = cpu_ns(pids)
        status, location, elapsed = client.post(spec["path"], {**spec["fields"], "email": email})
        after = cpu_ns(pids)
        if status != 302 or location != SENT:
            wrong.append((kind, status, location))
        if i < 2 * args.warmup:
            continue
        times[kind].append(elapsed * 1000)
        if before is not None and after is not None:
            cpu[kind].append((after - before) / 1e6)
    took = time.monotonic() - seeded_at
    recorded = {"tasks": queued_messages() - queued_before}
    if recorded_before is not None:
        recorded["requests"] = recorded_requests(args.db_name) - recorded_before
    if wrong:
        sys.exit(f"{form}: {len(wrong)} answers were not a redirect to {SENT}; first: {wrong[0]}")
    if took > THROTTLE_BUDGET_S:
        log(f"warning: {form} took {took:.0f} s; the throttled addresses may have left the window")
    return times, cpu, recorded, took


def quantile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def ratio_interval(known, new, rounds=400):
    """95% bootstrap interval of median(known) / median(new)."""
    rng = random.Random(0)
    ratios = sorted(
        statistics.median(rng.choices(known, k=len(known)))
        / statistics.median(rng.choices(new, k=len(new)))
        for _ in range(rounds)
    )
    return ratios[int(0.025 * rounds)], ratios[int(0.975 * rounds) - 1]


def report(args, form, times, cpu, recorded, took):
    times["known"] = [t for state in STATES for t in times[state]]
    cpu["known"] = [c for state in STATES for c in cpu[state]]
    new = statistics.median(times["new"])
    new_cpu = statistics.median(cpu["new"]) if cpu["new"] else float("nan")
    line = "-" * 92
    log("")
    log(
        f"{form} ({FORMS[form]['path']}): {args.requests} new and {args.requests} known POSTs, "
        f"interleaved, in {took:.0f} s; {args.workers} sync worker(s); load {load_average()}"
    )
    log(line)
    log(
        f"{'kind':<21}{'n':>6}{'median ms':>11}{'p90 ms':>9}{'known/new':>11}"
        f"{'95% interval':>16}{'CPU ms':>9}{'CPU k/n':>9}"
    )
    log(line)
    ratios = {}
    for kind in ["new", *STATES, "known"]:
        median = statistics.median(times[kind])
        median_cpu = statistics.median(cpu[kind]) if cpu[kind] else float("nan")
        if kind == "new":
            extra = f"{'':>11}{'':>16}{median_cpu:>9.3f}{'':>9}"
        else:
            ratios[kind] = median / new
            low, high = ratio_interval(times[kind], times["new"])
            extra = (
                f"{ratios[kind]:>11.3f}{f'{low:.3f}-{high:.3f}':>16}"
                f"{median_cpu:>9.3f}{median_cpu / new_cpu:>9.3f}"
            )
        log(
            f"{kind:<21}{len(times[kind]):>6}{median:>11.3f}{quantile(times[kind], 0.9):>9.3f}"
            + extra
        )
    log(line)
    posts = 2 * (args.warmup + args.requests)
    rows = f"{recorded['requests']} PledgeRequest rows and " if "requests" in recorded else ""
    log(f"recorded during the run: {rows}{recorded['tasks']} queued tasks, for {posts} POSTs")
    worst = max(STATES, key=lambda state: abs(ratios[state] - 1))
    within = all(abs(ratios[kind] - 1) <= TOLERANCE for kind in [*STATES, "known"])
    label = f"label={args.label} " if args.label else ""
    return (
        f"RESULT {label}form={form} new_median_ms={new:.3f} "
        f"known_median_ms={statistics.median(times['known']):.3f} ratio={ratios['known']:.3f} "
        f"worst_state={worst} worst_ratio={ratios[worst]:.3f} "
        f"within_5pct={'yes' if within else 'no'}"
    )


def main(argv=None):
    args = parse_args(argv)
    exit_on_sigterm()
    port = args.port or free_port()
    database_created = False
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="blueheart-bench-")))
        # One network and one domain send every POST: limits raised, still counted.
        env = {**server_env(port, args.db_name, tmp / "static"), **UNLIMITED}
        try:
            log(f"serving {args.tree} ({args.label or 'this tree'})")
            log(f"database {args.db_name}: recreating, migrating; collecting static files")
            drop_database(args.db_name, create=True)
            database_created = True
            wait_for_redis_pair()
            flush_redis()
            manage(env, "migrate", "--noinput", root=args.tree)
            manage(env, "collectstatic", "--noinput", root=args.tree)

            server = Server(env, port, args.workers, tmp / "gunicorn.log", root=args.tree)
            stack.callback(server.stop)
            server.start()
            server.wait_ready()
            log(f"gunicorn: {args.workers} sync worker(s) on port {port} (load {load_average()})")
            client = Client(port)
            stack.callback(client.close)

            lines = []
            for form in args.forms:
                lines.append(report(args, form, *run_form(args, client, server, form, env)))
            client.close()
            server.stop()
            if errors := server.error_lines():
                log(f"gunicorn logged {len(errors)} error lines; first: {errors[0]}")
            log("")
            for line in lines:
                log(line)
            return 0 if not server.error_lines() else 1
        finally:
            tear_down(stack, args.db_name, database_created, args.keep_db)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("interrupted; gunicorn stopped and Redis dbs 12 and 13 flushed")
