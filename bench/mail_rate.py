"""A campaign update to 20,000 and then 100,000 news readers: emails per second
into a local SMTP sink, and the Celery worker's peak memory.

A fresh PostgreSQL database gets N confirmed supporters who want news (one bulk
insert, languages en, es, pt in turn). For each size, a new local SMTP sink
(aiosmtpd in a subprocess, bench/drain.py's, counting messages and distinct
recipients) and a new real Celery worker (prefork, 2 processes, production
settings and the mailing defaults: MAILING_BATCH_SIZE, MAILING_SEND_CHAINS, no
MAILING_RATE_PER_MINUTE) send one update, started as the staff page starts it
(mailings.sending.start), until the run is "sent". The second size adds
supporters to the first's, so the second update goes to all of them.

Printed per size: emails per second from the start to the run's end, the
fan-out's share of it, CPU per email, and the worker's memory, sampled every
0.2 s from /proc: worker_peak_rss_mb is the peak of the SUM of the resident
sizes of the worker's main process and its pool processes; child_peak_rss_mb is
the highest VmHWM (peak resident size) of any one pool process. Checks: exactly
N messages to N distinct recipients, none twice, every delivery sent. Last
lines, per size and the memory ratio of the largest to the smallest:
RESULT mail_rate recipients=20000 emails_per_s=... worker_peak_rss_mb=... ...
RESULT mail_rate_memory ratio_100000_to_20000=...

Redis dbs 6 (broker) and 7 (cache, 6 ^ 1) are this bench's: the others use
12/13 and the test suite 14/15, so it can run beside another bench. It flushes
them, so nothing else may use them meanwhile (a test run pointed at db 6).

    scripts/bench --only mail_rate [--sizes 20000,100000] [--concurrency 2]
                  [--timeout 3600] [--db-name NAME] [--keep-db]
"""

import argparse
import os
import re
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import redis

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
    server_cpu_seconds,
    server_env,
)
from bench.drain import Sink, Worker, setup_django

REDIS_DB = 6
REDIS_URL = f"redis://{HOST}:6379/{REDIS_DB}"
REDIS_CACHE_URL = f"redis://{HOST}:6379/{REDIS_DB ^ 1}"
SAMPLE_EVERY = 0.2  # seconds, for the memory and the run's state


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--sizes", default="20000,100000", help="recipients of each update, rising [20000,100000]"
    )
    ap.add_argument("--concurrency", type=int, default=2, help="Celery worker processes [2]")
    ap.add_argument("--timeout", type=float, default=3600, help="give up a run after, s [3600]")
    ap.add_argument("--db-name", default="bench_mail_rate", help="database to (re)create")
    ap.add_argument("--keep-db", action="store_true", help="keep the database afterwards")
    ap.add_argument("--verbose", action="store_true", help="print the workers' whole logs")
    args = ap.parse_args(argv)
    try:
        args.sizes = [int(size) for size in args.sizes.split(",")]
    except ValueError:
        ap.error("--sizes takes numbers separated by commas")
    if min(args.sizes) < 1 or args.sizes != sorted(set(args.sizes)) or args.concurrency < 1:
        ap.error("--sizes must be positive and rising; --concurrency positive")
    check_common_options(ap, args)
    return args


def flush_redis():
    """Empties this bench's two databases, the broker's and the cache's, and no other."""
    for url in (REDIS_URL, REDIS_CACHE_URL):
        client = redis.Redis.from_url(url)
        try:
            client.flushdb()
        finally:
            client.close()


# --- memory, from /proc ---------------------------------------------------------


def _status_kb(pid, field):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid):
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class Memory:
    """The worker's resident memory: the peak of the sum over its processes, and
    each pool process's own peak (VmHWM), kept by pid as they may be replaced."""

    def __init__(self, main_pid):
        self.main_pid = main_pid
        self.peak_sum_kb = 0
        self.child_hwm_kb = {}

    def sample(self):
        children = _children(self.main_pid)
        total = sum(_status_kb(pid, "VmRSS") for pid in [self.main_pid, *children])
        self.peak_sum_kb = max(self.peak_sum_kb, total)
        for pid in children:
            self.child_hwm_kb[pid] = max(self.child_hwm_kb.get(pid, 0), _status_kb(pid, "VmHWM"))

    @property
    def child_peak_kb(self):
        return max(self.child_hwm_kb.values(), default=0)


# --- the data -------------------------------------------------------------------


def seed(start, stop):
    """Confirmed supporters number start..stop-1, who want news."""
    from datetime import timedelta

    from django.utils import timezone

    from pledges.models import Pledge

    now = timezone.now()
    languages = ("en", "es", "pt")
    countries = ("PT", "ES", "BR", "FR")
    Pledge.objects.bulk_create(
        (
            Pledge(
                display_name=f"Reader {n}",
                email=f"reader-{n:07d}@example.org",
                country=countries[n % len(countries)],
                language=languages[n % len(languages)],
                signed_at=now - timedelta(days=2),
                confirmed_at=now - timedelta(days=1),
                # Far above what confirming would draw from the sequence.
                supporter_number=10_000_000 + n,
                wants_updates=True,
                news_changed_at=now - timedelta(days=1),
            )
            for n in range(start, stop)
        ),
        batch_size=5000,
    )
    return Pledge.objects.filter(wants_updates=True, confirmed_at__isnull=False).count()


def start_update():
    """An update in three languages, started as services.send_update starts it."""
    from django.db import transaction

    from mailings import sending
    from mailings.models import Mailing, MailingText

    with transaction.atomic():
        mailing = Mailing.objects.create(kind=Mailing.Kind.UPDATE)
        for language, subject in (
            ("en", "News from the Blue Heart"),
            ("es", "Noticias del Corazón Azul"),
            ("pt", "Notícias do Coração Azul"),
        ):
            body = (
                f"{subject}.\n\nThe campaign has **grown**: [see the counts](https://example.org)."
            )
            MailingText.objects.create(
                mailing=mailing, language=language, subject=subject, body=body
            )
        assert sending.start(mailing)
    return mailing.pk


def run_state(mailing_id):
    from mailings.models import Mailing

    return Mailing.objects.values("state", "started_at", "fanned_out_at", "finished_at").get(
        pk=mailing_id
    )


def delivery_states(mailing_id):
    from django.db.models import Count

    from mailings.models import Delivery

    return dict(
        Delivery.objects.filter(mailing_id=mailing_id)
        .values_list("state")
        .annotate(n=Count("id"))
        .order_by()
    )


# --- one size -------------------------------------------------------------------


class MailWorker(Worker):
    def __init__(self, env, concurrency, log_path, size):
        super().__init__(env, concurrency, log_path)
        self.name = f"bench-mail-{size}-{os.getpid()}@bench"


def one_run(args, size, env, tmp, app, stack):
    sink = Sink(tmp / f"sink-{size}.json", tmp / f"sink-{size}.log")
    stack.callback(sink.stop)
    port = sink.start()
    worker = MailWorker(
        {**env, "EMAIL_URL": f"smtp://{HOST}:{port}"},
        args.concurrency,
        tmp / f"worker-{size}.log",
        size,
    )
    stack.callback(worker.stop)
    worker.start()
    worker.wait_ready(app)
    memory = Memory(worker.proc.pid)
    memory.sample()
    idle_kb = memory.peak_sum_kb
    log(
        f"{size} recipients: SMTP sink on port {port}, worker prefork x{args.concurrency} "
        f"(load {load_average()}, worker idle {idle_kb / 1024:.0f} MB)"
    )
    cpu_before = server_cpu_seconds(worker.proc.pid)
    started = time.monotonic()
    mailing_id = start_update()
    deadline = started + args.timeout
    state = run_state(mailing_id)
    # fanned_out_at is stamped with the time the fan-out began; the end is when
    # it appears (the stamp is written after the rows are), seen to a sample.
    fanned_after = None
    while state["state"] != "sent":
        if fanned_after is None and state["fanned_out_at"] is not None:
            fanned_after = time.monotonic() - started
        if time.monotonic() > deadline:
            log(f"timed out after {args.timeout:.0f} s: {delivery_states(mailing_id)}")
            break
        if worker.proc.poll() is not None:
            log("the Celery worker died")
            break
        memory.sample()
        time.sleep(SAMPLE_EVERY)
        state = run_state(mailing_id)
    seconds = time.monotonic() - started
    memory.sample()
    cpu = server_cpu_seconds(worker.proc.pid) - cpu_before
    time.sleep(0.5)  # anything sent twice would arrive now
    status = sink.status()
    states = delivery_states(mailing_id)
    load = load_average()
    worker.stop()
    sink.stop()
    if args.verbose:
        log(worker.log().rstrip())
    if errors := [
        line
        for line in worker.log().splitlines()
        if re.search(r"Traceback|ERROR|CRITICAL|not sent", line)
    ]:
        log(f"the worker logged {len(errors)} error lines; first: {errors[0]}")

    received = status["messages"]
    rate = received / seconds if seconds > 0 else 0.0
    fan_out = f"{fanned_after:.1f} s" if fanned_after is not None else "not seen"
    log(
        f"  {received} emails in {seconds:.1f} s from the start to the run's end: "
        f"{rate:.1f} emails/s (every row fanned out after {fan_out}; load {load})"
    )
    log(
        f"  CPU per email, worker (main + {args.concurrency} processes): "
        f"{1000 * cpu / max(received, 1):.2f} ms"
    )
    log(
        f"  worker memory: peak of the sum over its processes {memory.peak_sum_kb / 1024:.1f} MB "
        f"(idle {idle_kb / 1024:.1f} MB); highest pool process peak (VmHWM) "
        f"{memory.child_peak_kb / 1024:.1f} MB"
    )
    checks = {
        "the run ended sent": state["state"] == "sent",
        f"exactly {size} messages arrived": received == size,
        f"to {size} distinct recipients": status["recipients"] == size,
        "no address sent twice": status["duplicates"] == 0,
        "every delivery sent": states == {"sent": size},
    }
    for check, good in checks.items():
        log(f"  check {check}: " + ("ok" if good else "FAILED"))
    if not checks["every delivery sent"]:
        log(f"  (deliveries by state: {states})")
    return {
        "size": size,
        "rate": rate,
        "seconds": seconds,
        "peak_mb": memory.peak_sum_kb / 1024,
        "child_peak_mb": memory.child_peak_kb / 1024,
        "ok": all(checks.values()),
    }


def main(argv=None):
    args = parse_args(argv)
    exit_on_sigterm()
    database_created = False
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="blueheart-mail-")))
        try:
            flush_redis()
            # SITE_URL only makes the links in the emails; nothing is served. The
            # sink's port goes in per run; migrating needs none.
            env = {**server_env(8000, args.db_name), "REDIS_URL": REDIS_URL}
            log(f"database {args.db_name}: recreating, migrating")
            drop_database(args.db_name, create=True)
            database_created = True
            manage(env, "migrate", "--noinput")
            setup_django(env)
            from django.db import connections

            from config.celery_app import app

            stack.callback(connections.close_all)
            results = []
            seeded = 0
            for size in args.sizes:
                began = time.monotonic()
                readers = seed(seeded, size)
                seeded = size
                log(f"seeded {readers} news readers in {time.monotonic() - began:.1f} s")
                results.append(one_run(args, size, env, tmp, app, stack))

            log("")
            for result in results:
                log(
                    f"RESULT mail_rate recipients={result['size']} "
                    f"emails_per_s={result['rate']:.1f} seconds={result['seconds']:.1f} "
                    f"worker_peak_rss_mb={result['peak_mb']:.1f} "
                    f"child_peak_rss_mb={result['child_peak_mb']:.1f}"
                )
            if len(results) > 1:
                low, high = results[0], results[-1]
                log(
                    f"RESULT mail_rate_memory ratio_{high['size']}_to_{low['size']}="
                    f"{high['peak_mb'] / low['peak_mb']:.2f} "
                    f"child_ratio={high['child_peak_mb'] / low['child_peak_mb']:.2f}"
                )
            return 0 if all(result["ok"] for result in results) else 1
        finally:
            stack.close()
            try:
                flush_redis()
            except Exception as exc:
                log(f"could not flush Redis dbs {REDIS_DB} and {REDIS_DB ^ 1}: {exc}")
            if database_created and not args.keep_db:
                drop_database(args.db_name)
            elif database_created:
                log(f"kept database {args.db_name}")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(f"interrupted; workers and sinks stopped, Redis dbs {REDIS_DB} and 7 flushed")
