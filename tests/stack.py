"""The real stack's processes, for the tests that stop, kill or restart parts of
it: Celery workers and gunicorn as subprocesses of the test, and a PostgreSQL
cluster or a Redis server of the test's own, to stop and start at will."""

import asyncio
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import redis
from django.db import connection

from config.celery_app import app as celery_app
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent


def this_tests_database_url() -> str:
    """The database the test runs in (pytest's test_… copy), for other processes."""
    db = connection.settings_dict
    url = urlsplit(os.environ["DATABASE_URL"])
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    netloc = f"{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}"
    return url._replace(netloc=netloc, path=f"/{db['NAME']}").geturl()


def django_env(**variables: str) -> dict:
    """This environment for a subprocess of the site, with `variables` on top."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **variables}
    for unwanted in ("GUNICORN_CMD_ARGS", "WEB_CONCURRENCY"):
        env.pop(unwanted, None)
    return env


class SlowSink:
    """An SMTP server's handler that takes its time over each message (so a kill
    lands mid-run), and counts each one as it arrives, before answering: a
    message the sender is killed waiting for is counted, as a real server may
    deliver one whose 250 never got back."""

    def __init__(self, delay: float):
        self.delay = delay
        self.received = Counter()

    async def handle_DATA(self, server, session, envelope):
        self.received.update(envelope.rcpt_tos)
        await asyncio.sleep(self.delay)
        return "250 OK"


class Worker:
    """`celery worker` in its own process group, which a kill takes down whole."""

    def __init__(self, name: str, env: dict, log_path: Path, concurrency: int = 2):
        self.name = f"{name}-{os.getpid()}@test"
        self.log_path = log_path
        self.log = log_path.open("w")
        self.proc = subprocess.Popen(  # noqa: S603 - this interpreter, our own arguments
            [
                *(sys.executable, "-m", "celery", "-A", "config.celery_app", "worker"),
                *("--pool=prefork", f"--concurrency={concurrency}", "-Q", "celery"),
                *("--hostname", self.name, "--loglevel", "WARNING", "--without-heartbeat"),
                *("--without-gossip", "--without-mingle"),
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not self._answers_ping():
            assert self.proc.poll() is None, self.log_path.read_text()
            assert time.monotonic() < deadline, self.log_path.read_text()

    def _answers_ping(self) -> bool:
        try:
            return bool(celery_app.control.ping(destination=[self.name], timeout=0.5))
        except redis.ConnectionError:  # a broker just restarted: the next try reconnects
            time.sleep(0.1)
            return False

    def pool(self) -> set[int]:
        """The pids of its pool's processes (a dead one is replaced by a new pid)."""
        stats = celery_app.control.inspect(destination=[self.name], timeout=2).stats()
        assert stats, f"{self.name} did not answer:\n{self.log_path.read_text()}"
        return set(stats[self.name]["pool"]["processes"])

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.log.close()


def wait_until_ready(proc, base_url: str, log_path: Path, timeout: float = 30) -> None:
    """Until the server at base_url answers /healthz (failing with its log if it
    exits or never does)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, log_path.read_text()
        try:
            with urllib.request.urlopen(base_url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not start:\n{log_path.read_text()}")


class Gunicorn:
    """gunicorn with sync workers on a free loopback port, serving
    tests.worker_pid_wsgi (the site, saying which worker answered)."""

    def __init__(self, env: dict, log_path: Path, workers: int = 2):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.log = log_path.open("w")
        self.proc = subprocess.Popen(  # noqa: S603 - this interpreter and our own arguments
            [
                *(sys.executable, "-m", "gunicorn"),
                *("--config", "/dev/null"),  # never a gunicorn.conf.py lying around
                *("--bind", f"127.0.0.1:{self.port}", "--workers", str(workers)),
                *("--worker-class", "sync"),
                # No control socket: it would be shared with every other gunicorn here.
                "--no-control-socket",
                "tests.worker_pid_wsgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 30) -> None:
        wait_until_ready(self.proc, self.url, self.log_path, timeout)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()  # its workers die with it (gunicorn's master watches them)
            self.proc.wait()
        self.log.close()


def postgres_bindir() -> Path:
    """Where PostgreSQL's initdb and pg_ctl are: the newest of Debian's
    /usr/lib/postgresql/<version>/bin (not on PATH), else PATH's."""

    def version(path: Path) -> tuple[int, ...]:
        parts = path.parent.name.split(".")
        return tuple(int(part) for part in parts) if all(p.isdigit() for p in parts) else (0,)

    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return bindir
    pytest.fail(
        "PostgreSQL's server programs (initdb, pg_ctl) are not installed: this test runs "
        "a PostgreSQL of its own. Install them (Debian: apt-get install postgresql, which "
        "puts them under /usr/lib/postgresql/<version>/bin/) or put pg_ctl on PATH."
    )


class Postgres:
    """A PostgreSQL cluster of the test's own, on a free loopback port, in a
    temporary folder; stopped and deleted by close(). As root, its programs run
    as the `postgres` user (the server refuses to run as root)."""

    def __init__(self):
        self.bindir = postgres_bindir()
        self.port = free_port()
        # Not under pytest's tmp_path: that is private to root, and the server's
        # user must reach its folder.
        self.dir = Path(tempfile.mkdtemp(prefix="blueheart-pg-"))
        self.data = self.dir / "data"
        self.log_path = self.dir / "server.log"
        self.as_owner: list[str] = []
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                pytest.fail("running as root, and there is no `postgres` user to run PostgreSQL")
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
            self.as_owner = ["runuser", "-u", "postgres", "--"]
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.dir}'",
            # Throwaway data: no waiting on the disk. A killed server loses
            # nothing committed (the operating system still holds it).
            "fsync": "off",
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())

    def _run(self, program: str, *args: str) -> float:
        started = time.monotonic()
        with self.log_path.open("a") as log:
            done = subprocess.run(  # noqa: S603 - PostgreSQL's own programs, our arguments
                [*self.as_owner, str(self.bindir / program), *args],
                stdout=log,  # a server that pg_ctl starts keeps writing here
                stderr=subprocess.STDOUT,
                timeout=120,
                check=False,
            )
        assert done.returncode == 0, f"{program} {' '.join(args)}:\n{self.log_path.read_text()}"
        return time.monotonic() - started

    def pg_ctl(self, *args: str) -> float:
        """pg_ctl on this cluster, waiting until done; returns how long it took."""
        return self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "60", *args)

    def start(self) -> float:
        return self.pg_ctl("start")

    def stop(self, mode: str = "fast") -> float:
        return self.pg_ctl("-m", mode, "stop")

    def restart(self, mode: str = "fast") -> float:
        return self.pg_ctl("-m", mode, "restart")

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(self.url(database), autocommit=True, connect_timeout=5)

    def create_database(self, name: str) -> str:
        with self.connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def close(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(  # noqa: S603 - PostgreSQL's own program, our arguments
                [
                    *self.as_owner,
                    *(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"),
                ],
                capture_output=True,
                timeout=60,
                check=False,
            )
        shutil.rmtree(self.dir, ignore_errors=True)


class RedisServer:
    """A redis-server of the test's own on a free loopback port, keeping nothing
    on disk: stopped, it forgets everything, as a crashed Redis would."""

    def __init__(self, folder: Path):
        self.binary = shutil.which("redis-server")
        if not self.binary:
            pytest.fail("redis-server is not installed (Debian: apt-get install redis-server)")
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self.proc = None

    def start(self) -> None:
        log = (self.folder / "redis.log").open("a")
        self.proc = subprocess.Popen(  # noqa: S603 - the installed redis-server, our arguments
            [
                *(self.binary, "--bind", "127.0.0.1", "--port", str(self.port)),
                *("--save", "", "--appendonly", "no", "--dir", str(self.folder)),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                assert self.proc.poll() is None, (self.folder / "redis.log").read_text()
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
            finally:
                client.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
