"""After an outage, 10,000 owed emails drain into a local SMTP sink: emails per second.

A fresh PostgreSQL database gets 10,000 pending pledges, each owing its
confirmation email and never handed to a worker (email_queued_at NULL), as a
broker outage leaves them. A local SMTP sink (aiosmtpd, in a subprocess, on a
free loopback port) accepts every message and counts messages and distinct
recipients. A real Celery worker (prefork, 2 processes, production settings,
Redis db 12 as the broker) sends to it. This process then runs the sweep as beat
would, services.sweep() every --sweep-every seconds, until the sink has taken
every email (or --timeout).

Printed: emails per second from the start of the first sweep to the last
message the sink accepted, and the checks: exactly N messages to N distinct
recipients (no address twice), and no pledge still owing an email. Last line:
RESULT drain emails=10000 seconds=... emails_per_s=... duplicates=0

    scripts/bench --only drain [--emails 10000] [--concurrency 2] [--sweep-every 1.5]
                  [--timeout 600] [--db-name NAME] [--keep-db]
"""

import argparse
import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

# Run as a file (scripts/bench): the project root makes `bench` importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (
    HOST,
    ROOT,
    check_common_options,
    drop_database,
    exit_on_sigterm,
    flush_redis,
    load_average,
    log,
    manage,
    server_cpu_seconds,
    server_env,
    tear_down,
    wait_for_redis_pair,
)

SINK_COMMAND = "_sink"  # argv[1] that makes this file the SMTP sink instead


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--emails", type=int, default=10_000, help="owed emails to drain [10000]")
    ap.add_argument("--concurrency", type=int, default=2, help="Celery worker processes [2]")
    ap.add_argument(
        "--sweep-every", type=float, default=1.5, help="seconds between sweeps, as beat [1.5]"
    )
    ap.add_argument("--timeout", type=float, default=600, help="give up after, seconds [600]")
    ap.add_argument("--db-name", default="bench_drain", help="database to (re)create")
    ap.add_argument("--keep-db", action="store_true", help="keep the database afterwards")
    ap.add_argument("--verbose", action="store_true", help="print the worker's whole log")
    args = ap.parse_args(argv)
    if min(args.emails, args.concurrency) < 1 or args.sweep_every <= 0:
        ap.error("--emails, --concurrency and --sweep-every must be positive")
    check_common_options(ap, args)
    return args


# --- the SMTP sink (a subprocess: python drain.py _sink STATUS_FILE) ---------------


class Tally:
    """Counts what the sink accepts; says 250 to everything, at once."""

    def __init__(self):
        self.messages = self.duplicates = 0
        self.recipients = set()
        self.first_at = self.last_at = None

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it by this name
        now = time.time()
        self.messages += 1
        for recipient in envelope.rcpt_tos:
            key = recipient.lower()
            if key in self.recipients:
                self.duplicates += 1
            self.recipients.add(key)
        self.first_at = self.first_at or now
        self.last_at = now
        return "250 OK"

    def status(self, port):
        return {
            "port": port,
            "messages": self.messages,
            "recipients": len(self.recipients),
            "duplicates": self.duplicates,
            "first_at": self.first_at,
            "last_at": self.last_at,
        }


def run_sink(status_path):
    """Serves SMTP on a free loopback port and rewrites STATUS_FILE (JSON) every
    0.1 s while its counts change: the port first, then the tallies."""
    from aiosmtpd.smtp import SMTP

    status_path = Path(status_path)
    tally = Tally()

    def write(port):
        tmp = status_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(tally.status(port)))
        os.replace(tmp, status_path)

    async def serve():
        loop = asyncio.get_running_loop()
        # A fixed hostname: the default asks the resolver for this machine's name.
        server = await loop.create_server(
            lambda: SMTP(tally, hostname="sink.bench", ident="blueheart bench sink"), HOST, 0
        )
        port = server.sockets[0].getsockname()[1]
        written = None
        while True:
            current = (tally.messages, tally.duplicates)
            if current != written:
                write(port)
                written = current
            await asyncio.sleep(0.1)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    asyncio.run(serve())


class Sink:
    def __init__(self, status_path, log_path):
        self.status_path, self.log_path = Path(status_path), log_path
        self.proc = None

    def start(self, timeout=20.0):
        self.log_file = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, __file__, SINK_COMMAND, str(self.status_path)],
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            if self.status_path.exists():
                return self.status()["port"]
            time.sleep(0.05)
        sys.exit(f"the SMTP sink did not start:\n{Path(self.log_path).read_text()}")

    def status(self):
        return json.loads(self.status_path.read_text())

    def stop(self):
        if self.proc is not None:
            stop_process(self.proc, 5)
            self.log_file.close()
            self.proc = None


# --- the worker, the sweep, the run -------------------------------------------------


def stop_process(proc, timeout):
    """SIGTERM (Celery's warm shutdown), then SIGKILL to its whole session."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


class Worker:
    def __init__(self, env, concurrency, log_path):
        self.env, self.concurrency, self.log_path = env, concurrency, log_path
        self.name = f"bench-drain-{os.getpid()}@bench"
        self.proc = None

    def start(self):
        self.log_file = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                str(self.concurrency),
                "--loglevel",
                "WARNING",
                "--hostname",
                self.name,
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, app, timeout=60.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            if app.control.ping(destination=[self.name], timeout=1.0):
                return
        sys.exit(f"the Celery worker did not answer a ping; its log:\n{self.log()}")

    def log(self):
        try:
            return Path(self.log_path).read_text()
        except OSError:
            return ""

    def stop(self):
        if self.proc is not None:
            stop_process(self.proc, 30)
            self.log_file.close()
            self.proc = None


def setup_django(env):
    """This process sweeps as beat would: Django with the worker's settings."""
    os.environ.update(env)
    import django

    django.setup()


def seed(count):
    """`count` pending pledges owing their confirmation, never handed out."""
    from datetime import timedelta

    from django.utils import timezone

    from pledges.models import Pledge

    now = timezone.now()
    requested = now - timedelta(minutes=30)  # asked for during the outage
    Pledge.objects.bulk_create(
        (
            Pledge(
                email=f"drain-{n:06d}@example.org",
                display_name=f"Drain Signer {n}",
                country="PT",
                language="en",
                signed_at=requested,
                email_due=Pledge.EmailDue.CONFIRMATION,
                email_requested_at=requested,
                email_queued_at=None,
            )
            for n in range(count)
        ),
        batch_size=2000,
    )
    return Pledge.objects.with_email_due().filter(email_queued_at__isnull=True).count()


def still_owed():
    from pledges.models import Pledge

    return Pledge.objects.with_email_due().count()


def drain(args, sink, worker_alive):
    """Sweeps until the sink has every email; returns (started_at, emails per sweep)."""
    from pledges import services

    sweeps = []
    started_at = time.time()
    deadline = time.monotonic() + args.timeout
    next_sweep = time.monotonic()
    while sink.status()["messages"] < args.emails:
        if time.monotonic() > deadline:
            log(f"timed out after {args.timeout:.0f} s")
            break
        if not worker_alive():
            log("the Celery worker died")
            break
        if time.monotonic() >= next_sweep:
            next_sweep = time.monotonic() + args.sweep_every
            sweeps.append(services.sweep()["emails"])
        time.sleep(0.05)
    return started_at, sweeps


def main(argv=None):
    args = parse_args(argv)
    exit_on_sigterm()
    database_created = False
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="blueheart-drain-")))
        try:
            wait_for_redis_pair()
            flush_redis()
            sink = Sink(tmp / "sink.json", tmp / "sink.log")
            stack.callback(sink.stop)
            sink_port = sink.start()
            # SITE_URL only makes the links in the emails; nothing is served.
            env = server_env(8000, args.db_name, email_url=f"smtp://{HOST}:{sink_port}")
            log(f"database {args.db_name}: recreating, migrating; SMTP sink on port {sink_port}")
            drop_database(args.db_name, create=True)
            database_created = True
            manage(env, "migrate", "--noinput")

            setup_django(env)
            from django.db import connections

            from config.celery_app import app

            stack.callback(connections.close_all)
            owed = seed(args.emails)
            log(f"{owed} pending pledges owe a confirmation email, none handed out")
            if owed != args.emails:
                sys.exit(f"seeded {owed} owed emails, not {args.emails}")

            worker = Worker(env, args.concurrency, tmp / "worker.log")
            stack.callback(worker.stop)
            worker.start()
            worker.wait_ready(app)
            log(
                f"celery worker: prefork, {args.concurrency} processes; sweeping every "
                f"{args.sweep_every} s (load {load_average()})"
            )

            cpu_before = {
                "worker": server_cpu_seconds(worker.proc.pid),
                "sink": server_cpu_seconds(sink.proc.pid),
            }
            started_at, sweeps = drain(args, sink, lambda: worker.proc.poll() is None)
            # The last sends are recorded just after the sink accepts them.
            settle = time.monotonic() + 30
            while (left := still_owed()) and time.monotonic() < settle:
                time.sleep(0.2)
            time.sleep(0.5)  # anything sent twice would arrive now
            status = sink.status()
            load = load_average()
            cpu = {
                "worker": server_cpu_seconds(worker.proc.pid) - cpu_before["worker"],
                "sink": server_cpu_seconds(sink.proc.pid) - cpu_before["sink"],
            }
            worker.stop()
            if args.verbose:
                log(worker.log().rstrip())
            if errors := [
                line
                for line in worker.log().splitlines()
                # Celery's own start-up warnings (root, deprecated setting names) aside.
                if re.search(r"Traceback|ERROR|CRITICAL|not sent|broker down", line)
            ]:
                log(f"the worker logged {len(errors)} error lines; first: {errors[0]}")

            received = status["messages"]
            seconds = (status["last_at"] or started_at) - started_at
            rate = received / seconds if seconds > 0 else 0.0
            log("")
            log(
                f"{received} emails in {seconds:.1f} s from the first sweep to the last "
                f"message accepted: {rate:.1f} emails/s (load {load})"
            )
            per_email = {name: 1000 * seconds / max(received, 1) for name, seconds in cpu.items()}
            log(
                f"CPU per email: worker (main + {args.concurrency} processes) "
                f"{per_email['worker']:.2f} ms, SMTP sink {per_email['sink']:.2f} ms"
            )
            log(
                f"sweeps: {len(sweeps)}, handing out "
                + ", ".join(str(n) for n in sweeps if n)
                + " emails"
            )
            checks = {
                f"exactly {args.emails} messages arrived": received == args.emails,
                f"to {args.emails} distinct recipients": status["recipients"] == args.emails,
                "no address sent twice": status["duplicates"] == 0,
                "no pledge still owes an email": left == 0,
            }
            for check, good in checks.items():
                log(f"check {check}: " + ("ok" if good else "FAILED"))
            log(
                f"(received {received}, distinct recipients {status['recipients']}, "
                f"duplicates {status['duplicates']}, still owed {left})"
            )
            log(
                f"RESULT drain emails={received} seconds={seconds:.1f} emails_per_s={rate:.1f} "
                f"duplicates={status['duplicates']}"
            )
            return 0 if all(checks.values()) else 1
        finally:
            tear_down(stack, args.db_name, database_created, args.keep_db)


if __name__ == "__main__":
    if sys.argv[1:2] == [SINK_COMMAND]:
        run_sink(sys.argv[2])
        sys.exit(0)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("interrupted; worker and sink stopped, Redis dbs 12 and 13 flushed")
