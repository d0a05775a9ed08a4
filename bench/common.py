"""What the benchmarks share: a fresh database, the bench's own Redis pair, one
gunicorn in production settings, and the CPU it spends.

Used by sign_rate.py, sign_timing.py and drain.py, which run as files
(scripts/bench), so each puts the project root on sys.path before importing this.
Redis dbs 12 and 13 are the bench's: wait_for_redis_pair() holds a run back while
another process (another bench, likely) uses them, since each flushes them.
"""

import asyncio
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
import redis
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only, for the server, the database and Redis
PG_ADMIN_URL = f"postgresql://postgres@{HOST}:5432/postgres"
# The broker in db 12 and, as config/settings.py derives it (n ^ 1), the cache in
# db 13: a pair of its own. The test suite's default pair is 14/15 (scripts/test);
# db 14 here would put the bench's cache in the tests' broker database.
# load/abuse.py takes another pair (BENCH_REDIS_DB=10), to run beside a benchmark.
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "12"))
REDIS_URL = f"redis://{HOST}:6379/{REDIS_DB}"
REDIS_CACHE_URL = f"redis://{HOST}:6379/{REDIS_DB ^ 1}"
# Production settings require a mail server; where no worker runs, none is contacted.
UNUSED_EMAIL_URL = f"smtp://{HOST}:25"


async def exchange(port, raw: bytes):
    """One HTTP request on a connection of its own, as gunicorn's sync workers
    close each one: (status, head, body)."""
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(raw)
    await writer.drain()
    response = await reader.read()
    writer.close()
    head, _sep, body = response.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
    return status, head, body


def log(message=""):
    print(message, flush=True)


def load_average():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def exit_on_sigterm():
    """A plain `kill` must clean up as Ctrl+C does (the finally blocks run)."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def database_url(name):
    return f"postgres://postgres@{HOST}:5432/{name}"


def drop_database(name, create=False):
    """Drops the database (its leftover sessions too), then creates it afresh if asked."""
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        ident = sql.Identifier(name)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
        if create:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(ident))


def queued_messages():
    """Messages waiting in the Celery queues of the broker's db."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        return sum(
            client.llen(key) for key in client.scan_iter("celery*") if client.type(key) == b"list"
        )
    finally:
        client.close()


def redis_pair_users():
    """Connections to the bench's two Redis databases other than this one's check."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        me = client.client_id()
        return [
            c
            for c in client.client_list()
            if int(c["id"]) != me and int(c.get("db", -1)) in {REDIS_DB, REDIS_DB ^ 1}
        ]
    finally:
        client.close()


def wait_for_redis_pair(timeout=300.0):
    """Waits until no one else uses Redis dbs 12 and 13 (another bench, most likely):
    its flushes would drop our queued tasks, ours its. Exits after `timeout` s."""
    deadline = time.monotonic() + timeout
    warned = False
    while users := redis_pair_users():
        if time.monotonic() > deadline:
            sys.exit(
                f"{len(users)} other connections still use Redis dbs {REDIS_DB} and "
                f"{REDIS_DB ^ 1} (another bench?); not starting"
            )
        if not warned:
            log(
                f"{len(users)} other connections use Redis dbs {REDIS_DB} and {REDIS_DB ^ 1} "
                "(another bench?): waiting for them to finish"
            )
            warned = True
        time.sleep(5)


def flush_redis():
    """Empties the bench's two databases, the broker's and the cache's, and no other."""
    for url in (REDIS_URL, REDIS_CACHE_URL):
        client = redis.Redis.from_url(url)
        try:
            client.flushdb()
        finally:
            client.close()


def add_database_options(parser, default="blueheart_bench"):
    """--db-name and --keep-db, as every benchmark that serves the product takes them."""
    parser.add_argument("--db-name", default=default, help="database to (re)create")
    parser.add_argument("--keep-db", action="store_true", help="keep the database afterwards")


def add_signload_options(parser):
    """--signload and --verbose, for the benchmarks that sign through signload.py."""
    parser.add_argument(
        "--signload",
        type=Path,
        default=ROOT.parent / "shared" / "tools" / "signload.py",
        help="path to signload.py [<project root>/../shared/tools/signload.py]",
    )
    parser.add_argument("--verbose", action="store_true", help="print signload's whole output")


def check_common_options(parser, args):
    """Refuse a database name that is not a plain identifier (it goes into SQL as
    one), and a signload.py that is not there."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.db_name):
        parser.error("--db-name must be a plain lower-case identifier")
    signload = getattr(args, "signload", None)
    if signload is not None and not signload.is_file():
        parser.error(f"signload.py not found at {signload}; pass --signload PATH")


def fresh_site(env, db_name):
    """A fresh copy of the product to serve: the database dropped and created,
    the bench's Redis pair emptied, migrated, the static files collected. The
    caller counts the database as created before this runs, so that tear_down
    drops it whatever step fails (the next run would drop it anyway)."""
    wait_for_redis_pair()
    log(f"database {db_name}: recreating, migrating; collecting static files")
    drop_database(db_name, create=True)
    flush_redis()
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")


def tear_down(stack, db_name, database_created, keep_db):
    """Stop what the run started (servers and workers first, so the database has no
    clients left), flush the bench's Redis pair and drop the run's database."""
    stack.close()
    try:
        flush_redis()
    except Exception as exc:
        log(f"could not flush the bench's Redis dbs 12 and 13: {exc}")
    if database_created and not keep_db:
        drop_database(db_name)
    elif database_created:
        log(f"kept database {db_name}")


# The load comes from one address and one email domain (example.org): the limits
# per network (100/h) and per domain (5000/h) would refuse it after the first
# hundred. Raised, not removed: every POST still counts against each limit (the
# same cache round trips), it is only never refused.
UNLIMITED = {"RATE_LIMIT_PER_NETWORK": "100000000/h", "RATE_LIMIT_PER_DOMAIN": "100000000/h"}


def server_env(port, db_name, static_root=None, email_url=UNUSED_EMAIL_URL):
    """Production settings (DEBUG off) on the bench's database and Redis pair."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"EMAIL_URL", "GUNICORN_CMD_ARGS", "WEB_CONCURRENCY", "PYTHONPATH"}
    }
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        SITE_URL=f"http://{HOST}:{port}",
        DATABASE_URL=database_url(db_name),
        REDIS_URL=REDIS_URL,
        EMAIL_URL=email_url,
        DJANGO_SETTINGS_MODULE="bench.settings",
        PYTHONUNBUFFERED="1",
    )
    if static_root is not None:
        env["BENCH_STATIC_ROOT"] = str(static_root)
    return env


def manage(env, *command, root=ROOT):
    """Runs manage.py in the given project tree; exits with its output if it fails."""
    result = subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        sys.exit(f"manage.py {' '.join(command[:2])} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


class Server:
    """One gunicorn, in its own session so that Ctrl+C reaches us and not it first."""

    def __init__(self, env, port, workers, log_path, root=ROOT):
        self.env, self.port, self.workers, self.log_path = env, port, workers, log_path
        self.root = Path(root)
        self.proc = None

    def start(self):
        self.log_file = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                # This tree's settings file, whichever tree is served.
                str(ROOT / "bench" / "gunicorn_conf.py"),
                "--bind",
                f"{HOST}:{self.port}",
                "--workers",
                str(self.workers),
                "config.wsgi:application",
            ],
            cwd=self.root,
            env=self.env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout=60.0):
        url = f"http://{HOST}:{self.port}/healthz"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        sys.exit(f"gunicorn did not become ready on {url}; its log:\n{self.log()}")

    def worker_pids(self):
        try:
            return [
                int(pid)
                for pid in Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
                .read_text()
                .split()
            ]
        except OSError:
            return []

    def log(self):
        try:
            return Path(self.log_path).read_text()
        except OSError:
            return ""

    def error_lines(self):
        return [line for line in self.log().splitlines() if "Traceback" in line or "ERROR" in line]

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log_file.close()
        self.proc = None


def server_cpu_seconds(pid):
    """CPU time (user + system) used so far by a process and its children
    (gunicorn's master and workers, Celery's and its pool's).

    A figure the noisy machine cannot blur as much as wall-clock rates: it is
    what one signature (or email) costs the server, whatever else runs meanwhile."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    for process in [str(pid), *children]:
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total
