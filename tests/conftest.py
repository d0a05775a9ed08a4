"""Shared fixtures. Personas: Ana signs from Portugal, Bruno from Spain."""

import re
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connections

from config.celery_app import app as celery_app
from pledges.models import Pledge

ANA = {
    "display_name": "Ana Silva",
    "email": "ana@example.org",
    "country": "PT",
    "pledge": "on",
    "wants_updates": "on",
}
BRUNO = {
    "display_name": "Bruno García",
    "email": "bruno@example.org",
    "country": "ES",
    "pledge": "on",
}

CONFIRM_LINK = re.compile(r"https?://[^\s\"<>]+/confirm/[^\s\"<>/]+/")


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The cache is the real Redis, shared by every test: start each one empty.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def ana():
    return dict(ANA)


@pytest.fixture
def bruno():
    return dict(BRUNO)


@pytest.fixture
def eager_tasks():
    """Run queued tasks in-process (the same task code, without the broker hop),
    for flow tests that are about what gets sent, not how it travels."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_eager_propagates = False


@pytest.fixture
def sign(client, django_capture_on_commit_callbacks, eager_tasks):
    """POST the pledge form as a browser would; on-commit work (queuing the email) runs."""

    def sign(data, path="/pledge/"):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data)

    return sign


def confirm_path(message) -> str:
    """The path of the confirmation link in an email (text part)."""
    match = CONFIRM_LINK.search(message.body)
    assert match, f"no confirmation link in: {message.body!r}"
    return urlsplit(match.group(0)).path


@pytest.fixture
def signed_pledge(sign, ana):
    """Ana signed; her confirmation email is in the outbox."""
    sign(ana)
    assert len(mail.outbox) == 1
    return Pledge.objects.get(email="ana@example.org"), confirm_path(mail.outbox[0])


@contextmanager
def broker_down():
    """Point Celery at a port where nothing listens, as when Redis is down."""
    saved = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:9/0"
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield
    finally:
        celery_app.conf.broker_url = saved
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


def close_thread_connections():
    """Threads open their own database connections; close them before the test
    database is dropped."""
    connections.close_all()
