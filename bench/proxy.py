"""nginx with the production proxy rules (deploy/nginx/), in plain HTTP on a
loopback port, in front of a gunicorn or a test server: for the read benchmark
(bench/read_rate.py) and tests/test_proxy_config.py.

The main file written here is the plain-HTTP variant of deploy/nginx/blueheart.conf:
its own upstream port, cache folder, static root and listening port, and the very
same shared rules, included from the repository (blueheart-http.conf in `http`,
blueheart-common.conf in the `server`). Everything nginx writes stays in a
temporary prefix.
"""

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "deploy" / "nginx"
HOST = "127.0.0.1"
# Debian puts nginx in /usr/sbin, which a user's PATH may lack.
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
MIME_TYPES = Path("/etc/nginx/mime.types")

MAIN = """\
{user}worker_processes {workers};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{
    worker_connections 4096;
}}
http {{
    {mime}
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;

    upstream blueheart_app {{
        server {host}:{upstream_port};
        keepalive 16;
    }}
    proxy_cache_path {prefix}/cache levels=1:2 keys_zone=blueheart_micro:10m
                     max_size=64m inactive=10m use_temp_path=off;
    include {rules}/blueheart-http.conf;

    server {{
        listen {host}:{port};
        server_name _;
        set $blueheart_static_root {static_root};
        include {rules}/blueheart-common.conf;
    }}
}}
"""


class Nginx:
    """nginx in the foreground of its own session, config and files in `prefix`."""

    def __init__(
        self, prefix: Path, upstream_port: int, port: int, static_root: Path, workers="auto"
    ):
        if NGINX is None:
            raise FileNotFoundError(
                "nginx is not installed (Debian: apt-get install nginx-light, or "
                "scripts/ensure-services nginx)"
            )
        self.prefix, self.port = Path(prefix), port
        self.conf = self.prefix / "nginx.conf"
        self.prefix.mkdir(parents=True, exist_ok=True)
        self.conf.write_text(
            MAIN.format(
                # As root, the workers would run as nobody, who cannot read a
                # private temporary folder: they run as we do.
                user="user root;\n" if os.geteuid() == 0 else "",
                workers=workers,
                prefix=self.prefix,
                mime=f"include {MIME_TYPES};" if MIME_TYPES.exists() else "",
                host=HOST,
                upstream_port=upstream_port,
                port=port,
                rules=RULES,
                static_root=Path(static_root).resolve(),
            )
        )
        self.proc = None
        self.log_path = self.prefix / "error.log"

    def command(self, *args: str) -> list[str]:
        return [NGINX, "-p", str(self.prefix), "-c", str(self.conf), *args]

    def test_config(self) -> subprocess.CompletedProcess:
        """`nginx -t`: (returncode, what it said)."""
        return subprocess.run(self.command("-t"), capture_output=True, text=True, check=False)

    def start(self, timeout: float = 15.0) -> None:
        self.proc = subprocess.Popen(
            self.command("-g", "daemon off;"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with socket.create_connection((HOST, self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nginx did not start on {HOST}:{self.port}: {self.log()}")

    def log(self) -> str:
        try:
            return self.log_path.read_text()
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # finish what is in flight, then exit
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None
