"""/healthz (alive) and /readyz (database, cache and broker answer, and how many
tasks wait): 200 when all answer, 503 naming what is down, within about two
seconds even when Redis accepts connections and never answers."""

import socket
import time
from contextlib import contextmanager

import pytest

from campaign.views import READY_TIMEOUT
from config.celery_app import app as celery_app
from tests.conftest import broker_at, broker_down, database_down, free_port

pytestmark = pytest.mark.django_db

EVERYTHING_UP = {"database": "ok", "cache": "ok", "queue": "ok", "queue_depth": 0}


@pytest.fixture
def empty_queue():
    celery_app.control.purge()
    yield
    celery_app.control.purge()


def redis_cache_at(settings, location: str) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": location},
    }


@contextmanager
def silent_redis():
    """A port that accepts connections and never answers, as a hung Redis."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}"


def test_healthz_answers_without_touching_anything(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_readyz_reports_each_dependency(client, empty_queue):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == EVERYTHING_UP


def test_readyz_counts_the_tasks_waiting_in_the_queue(client, empty_queue):
    for _ in range(3):
        celery_app.send_task("pledges.tasks.sweep")
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {**EVERYTHING_UP, "queue_depth": 3}


def test_readyz_fails_when_the_broker_is_down(client):
    with broker_down():
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {**EVERYTHING_UP, "queue": "down", "queue_depth": None}


def test_readyz_fails_when_the_cache_is_down(client, settings, empty_queue):
    redis_cache_at(settings, f"redis://127.0.0.1:{free_port()}/1")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {**EVERYTHING_UP, "cache": "down"}


@pytest.mark.django_db(transaction=True)
def test_readyz_fails_when_the_database_is_down(client, empty_queue):
    with database_down():
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {**EVERYTHING_UP, "database": "down"}


def test_readyz_answers_within_its_timeout_when_redis_hangs(client, settings):
    client.get("/readyz")  # what is loaded once per process is loaded
    with silent_redis() as url:
        redis_cache_at(settings, f"{url}/1")
        with broker_at(f"{url}/0"):
            started = time.monotonic()
            response = client.get("/readyz")
            took = time.monotonic() - started
    assert response.status_code == 503
    assert response.json() == {
        "database": "ok",
        "cache": "down",
        "queue": "down",
        "queue_depth": None,
    }
    # One wait for both: the cache's and the broker's run side by side.
    assert took < READY_TIMEOUT + 1, took
