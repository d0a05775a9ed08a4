"""Gives each pytest-xdist worker a Redis of its own, before Django reads its
settings (loaded with `-p`, ahead of pytest-django).

pytest-django already gives each worker its own test database (test_blueheart_gw0,
test_blueheart_gw1, ...). Redis needs the same: the tests flush the cache, purge
the broker and start Celery workers that would take another worker's tasks. Worker
n moves REDIS_URL 2n databases down, keeping the broker/cache pairs apart
(config.env.redis_neighbour_url pairs n with n ^ 1)."""

import os
from urllib.parse import urlsplit, urlunsplit

_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
_url = os.environ.get("REDIS_URL", "")
if _worker.startswith("gw") and _url:
    _parts = urlsplit(_url)
    _db = (int(_parts.path.lstrip("/") or 0) - 2 * int(_worker.removeprefix("gw"))) % 16
    os.environ["REDIS_URL"] = urlunsplit(_parts._replace(path=f"/{_db}"))
