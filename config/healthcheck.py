"""The web container's health check: GET /readyz as the TLS proxy would send it.

    python config/healthcheck.py [URL]     (default http://127.0.0.1:8000/readyz)

Exits 0 when the site is ready, 1 otherwise. With production settings Django
answers 400 to a Host outside ALLOWED_HOSTS, and when SITE_URL is https it
redirects plain http to https (SECURE_SSL_REDIRECT). The proxy in front sends
the public host name and X-Forwarded-Proto: https (SECURE_PROXY_SSL_HEADER), so
the check sends the same: the first ALLOWED_HOSTS entry, and the header when
SITE_URL is https. A redirect is a failure, never followed.
Run as a script, not with -m, so that neither Django nor Celery is imported
(the config package imports the Celery app): it runs every few seconds.
"""

import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping

DEFAULT_URL = "http://127.0.0.1:8000/readyz"
TIMEOUT = 3  # seconds; below the compose health check's own timeout


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # urllib then raises HTTPError with the 3xx status


def build_request(url: str, environ: Mapping[str, str]) -> urllib.request.Request:
    headers = {}
    hosts = [host.strip() for host in environ.get("ALLOWED_HOSTS", "").split(",")]
    # ".example.org" allows example.org itself; "*" allows anything, and then
    # the URL's own host will do.
    host = hosts[0].removeprefix(".")
    if host and host != "*":
        headers["Host"] = host
    if environ.get("SITE_URL", "").strip().startswith("https://"):
        headers["X-Forwarded-Proto"] = "https"
    if not url.startswith("http://"):
        raise ValueError(f"the health check speaks plain http to the local server, not {url!r}")
    return urllib.request.Request(url, headers=headers)  # noqa: S310 - http only, checked above


def main(argv: list[str]) -> int:
    url = argv[1] if len(argv) > 1 else DEFAULT_URL
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(build_request(url, os.environ), timeout=TIMEOUT) as response:
            return 0 if response.status == 200 else 1
    except urllib.error.HTTPError as error:
        sys.stderr.write(f"not ready: {url} answered {error.code} {error.read()[:200]!r}\n")
    except (urllib.error.URLError, OSError) as error:
        sys.stderr.write(f"not ready: {url}: {error}\n")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
