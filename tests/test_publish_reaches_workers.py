"""Publishing reaches every web worker within PUBLISH_REACHES_ALL_WITHIN (5 s).

Each worker keeps its own copy of a page (core.shared_pages) for up to an hour.
Here two real gunicorn workers, over real HTTP, both hold a copy of a page;
the page's text changes and content_changed() runs, as publishing does; from
then on both must serve the new text within 5 s."""

import os
import time
import urllib.request

import pytest

from core.shared_pages import PUBLISH_REACHES_ALL_WITHIN, content_changed
from pages.models import PageTranslation
from tests import published
from tests.stack import Gunicorn, django_env, this_tests_database_url
from tests.worker_pid_wsgi import PID_HEADER

PATH = "/learn/blue-heart/"
OLD, NEW = "The Blue Heart, first version", "The Blue Heart, published again"
# Time enough for both workers to answer several times: the kernel hands each
# new connection to whichever worker accepts it first, and on a loaded machine
# the second worker may still be starting when the first already answers.
WARM_UP_SECONDS = 60


@pytest.fixture
def gunicorn(transactional_db, tmp_path):
    """Two sync gunicorn workers on this test's database and Redis; stopped
    (before the database is emptied) after the test."""
    env = django_env(DATABASE_URL=this_tests_database_url(), REDIS_URL=os.environ["REDIS_URL"])
    server = Gunicorn(env, tmp_path / "gunicorn.log", workers=2)
    try:
        server.wait_ready()
        yield server.url
    finally:
        server.stop()


def fetch(base_url: str) -> tuple[int, str]:
    """(the worker's pid, the page) over a connection of its own."""
    request = urllib.request.Request(base_url + PATH, headers={"Connection": "close"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.headers[PID_HEADER]), response.read().decode()


def seen_by_each_worker(base_url: str, times: int) -> dict[int, list[str]]:
    """Pages fetched until both workers have answered `times` times."""
    pages: dict[int, list[str]] = {}
    deadline = time.monotonic() + WARM_UP_SECONDS
    while time.monotonic() < deadline:
        pid, html = fetch(base_url)
        pages.setdefault(pid, []).append(html)
        if len(pages) == 2 and all(len(seen) >= times for seen in pages.values()):
            return pages
        # A breath between requests, so a worker that is busy or still
        # starting gets its turn at accepting.
        time.sleep(0.005)
    pytest.fail(f"both workers did not answer {times} times: {sorted(pages)}")


def test_a_publish_reaches_both_workers_within_five_seconds(gunicorn):
    page = published.page("blue-heart", texts={"en": {"title": OLD}})
    # Both workers render the page, then serve it from their own copy.
    for pages in seen_by_each_worker(gunicorn, 2).values():
        assert all(OLD in html for html in pages)

    PageTranslation.objects.filter(page=page).update(published_title=NEW)
    # Guards the guard: without the publish signal the copies are still served,
    # so what follows proves the version bump, not a copy that was never kept.
    for pages in seen_by_each_worker(gunicorn, 2).values():
        assert all(OLD in html for html in pages)

    content_changed()  # as publishing does, once its transaction commits
    deadline = time.monotonic() + PUBLISH_REACHES_ALL_WITHIN
    updated: set[int] = set()
    while len(updated) < 2:
        assert time.monotonic() < deadline, f"only workers {sorted(updated)} show the new text"
        pid, html = fetch(gunicorn)
        if NEW in html:
            updated.add(pid)
        else:
            # Once a worker has shown the new text it never goes back to the old.
            assert pid not in updated, "a worker went back to the old text"
    # From then on every request, whichever worker answers, shows the new text.
    for pages in seen_by_each_worker(gunicorn, 3).values():
        assert all(NEW in html and OLD not in html for html in pages)
