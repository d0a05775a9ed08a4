"""The one seam through which the web process hands work to Celery.

Apps queue work by task name, so a services module never imports its tasks
module (tasks call services, not the other way round). Publishing never fails
the request: after a failed publish the breaker stops trying for a while, and
the work waits in the database for the sweep to hand it out again.
"""

import logging
import threading
import time
from collections.abc import Callable
from functools import lru_cache

import redis
from django.conf import settings

from config.celery_app import app as celery_app

logger = logging.getLogger(__name__)


class Breaker:
    """After a failure of a network service, stop trying it for a while: each
    try against a dead service holds the request for the connection timeout,
    and at launch-day rates that would tie up every worker. Used for the broker
    here and for the cache by the rate limits (abuse/limits.py)."""

    PAUSE = 15.0  # seconds

    def __init__(self) -> None:
        self.closed_until = 0.0

    def is_open(self) -> bool:
        return time.monotonic() >= self.closed_until

    def trip(self) -> None:
        self.closed_until = time.monotonic() + self.PAUSE

    def reset(self) -> None:
        self.closed_until = 0.0


broker_breaker = Breaker()


_in_process = threading.local()


def _run_in_process(task, args) -> None:
    """In-process (development, some tests) there is no broker to fail, and an
    error the task raises is the task's, not the broker's. A task that queues
    another (a mailing's next batch) has it run after it returns, not inside
    it, so a long chain is a loop, not a recursion."""
    waiting = getattr(_in_process, "waiting", None)
    if waiting is not None:
        waiting.append((task, args))
        return
    _in_process.waiting = [(task, args)]
    try:
        while _in_process.waiting:
            task, args = _in_process.waiting.pop(0)
            task.apply_async(args)
    finally:
        _in_process.waiting = None


def publish(task_name: str, *args) -> bool:
    """Queue the named task; False if the broker is down (the caller's work
    must already be saved, so the sweep can queue it again later)."""
    return _publish(task_name, args)


def publish_later(task_name: str, seconds: float, *args) -> bool:
    """Queue the named task to run in `seconds`. In-process there is no later:
    the work stays saved for the sweep (the beat runs only with a worker)."""
    if celery_app.conf.task_always_eager:
        logger.info("%s not queued for later: no worker runs in-process", task_name)
        return False
    return _publish(task_name, args, countdown=max(0.0, seconds))


def _publish(task_name: str, args: tuple, **options) -> bool:
    task = celery_app.tasks[task_name]
    if celery_app.conf.task_always_eager:
        _run_in_process(task, args)
        return True
    if not broker_breaker.is_open():
        return False
    try:
        # No publish retries: the work is saved, and a request must not wait on a
        # dead broker. (Set here, not as CELERY_TASK_PUBLISH_RETRY, a name Celery
        # also reads as a deprecated old-style setting and warns about.)
        task.apply_async(args, retry=False, **options)
    except Exception:  # kombu/redis raise many kinds; none may fail the request
        broker_breaker.trip()
        logger.warning(
            "could not queue %s; not trying again for %.0f s; the sweep will",
            task_name,
            broker_breaker.PAUSE,
        )
        return False
    return True


def publish_in_batches(
    task_name: str, ids: list[int], unqueue: Callable[[list[int]], object], batch: int = 50
) -> None:
    """Publish the named task with the ids, `batch` at a time. If the broker
    refuses one, stop and `unqueue` the ids not yet published, so the next
    sweep hands them out again."""
    for start in range(0, len(ids), batch):
        if not publish(task_name, ids[start : start + batch]):
            unqueue(ids[start:])
            logger.warning("broker down: %d ids left for the next sweep", len(ids) - start)
            return


# How long a wake stands for a run that has not started yet. A run that starts
# later than this (a backlog) may be joined by a second one: harmless, as every
# task woken this way shares its work by row locks.
WAKE_WINDOW_MS = 1000


@lru_cache(maxsize=4)
def _flags_for(url: str) -> redis.Redis:
    # One client (and pool) per process: the broker's Redis, not the cache's.
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)


def wake_key(task_name: str, *args) -> str:
    return ":".join(["blueheart:wake", task_name, *map(str, args)])


def wake(task_name: str, *args) -> bool:
    """Make sure the named task runs soon with these arguments: queue it, unless
    a run queued by an earlier wake has not started yet. That run will do this
    caller's work too, as the task calls `woken` before it reads its work, and
    the caller saved its work before waking. So a crowd costs one Redis SET a
    request and a publish per run, not a publish per request. False if neither
    Redis nor the broker could be reached: the work waits for the sweep."""
    if celery_app.conf.task_always_eager:
        return _publish(task_name, args)
    if not broker_breaker.is_open():
        return False
    key = wake_key(task_name, *args)
    try:
        flags = _flags_for(settings.CELERY_BROKER_URL)
        first = flags.set(key, 1, nx=True, px=WAKE_WINDOW_MS)
    except Exception:  # any failure of the broker's Redis: the sweep will hand it out
        broker_breaker.trip()
        logger.warning("could not wake %s; the sweep will", task_name)
        return False
    if not first:
        return True
    if _publish(task_name, args):
        return True
    # Not queued: take the wake back, so the next caller tries to publish again.
    try:
        flags.delete(key)
    except Exception:
        logger.warning("could not take back the wake of %s; it expires", task_name)
    return False


def woken(task_name: str, *args) -> None:
    """Called by a task woken by `wake`, before it reads its work: from now on a
    wake queues a new run, so work saved after this moment is never left to a
    run that has already read."""
    if celery_app.conf.task_always_eager:
        return
    try:
        _flags_for(settings.CELERY_BROKER_URL).delete(wake_key(task_name, *args))
    except Exception:
        # The wake then expires within WAKE_WINDOW_MS; work saved meanwhile may
        # wait for the sweep.
        logger.warning("could not clear the wake of %s", task_name)
