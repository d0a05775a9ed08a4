"""The queue is not the cache: clearing the cache never drops a queued task.

The broker and the cache live in two databases of the same Redis (REDIS_URL's
and its neighbour), and the tests clear the cache before every test.
"""

import json

import pytest
import redis
from django.conf import settings
from django.core.cache import cache

from config.celery_app import app as celery_app
from pledges.tasks import reconcile_counts

# Kombu's Redis transport keeps the default queue as a list named after it.
QUEUE = "celery"


def redis_db(url: str) -> int:
    return redis.Redis.from_url(url).connection_pool.connection_kwargs.get("db", 0)


@pytest.fixture
def broker():
    """The broker's Redis database, its queue empty before and after the test."""
    assert not celery_app.conf.task_always_eager, "REDIS_URL must name the test Redis"
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    celery_app.control.purge()
    yield client
    celery_app.control.purge()
    client.close()


def queued_task_names(broker) -> list[str]:
    return [json.loads(message)["headers"]["task"] for message in broker.lrange(QUEUE, 0, -1)]


def test_it_keeps_a_queued_task_when_the_cache_is_cleared(broker):
    reconcile_counts.delay()  # no worker runs: the task waits in the broker
    cache.set("a-cached-count", 42)
    assert queued_task_names(broker) == ["pledges.tasks.reconcile_counts"]

    cache.clear()

    assert cache.get("a-cached-count") is None
    assert queued_task_names(broker) == ["pledges.tasks.reconcile_counts"]


def test_it_puts_the_cache_in_the_brokers_neighbouring_database():
    broker_db = redis_db(settings.CELERY_BROKER_URL)
    cache_db = redis_db(settings.CACHES["default"]["LOCATION"])
    assert cache_db == broker_db ^ 1
