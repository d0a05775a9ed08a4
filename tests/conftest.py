"""Shared fixtures. Personas: Ana signs from Portugal, Bruno from Spain."""

import email
import email.policy
import os
import re
import socket
import threading
import time
from contextlib import contextmanager
from html import unescape as html_unescape
from urllib.parse import urlsplit

import pytest
import redis
from aiosmtpd.controller import Controller
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings as django_settings
from django.core import mail
from django.core.cache import cache, caches
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, connections
from django.utils import timezone, translation
from playwright.sync_api import sync_playwright

from config.celery_app import app as celery_app
from core import queue
from core.queue import broker_breaker
from pledges.forms import WORDING_VERSION
from pledges.models import Pledge
from tests.staff import make_user

ANA = {
    "display_name": "Ana Silva",
    "email": "ana@example.org",
    "country": "PT",
    "pledge": "on",
}
BRUNO = {
    "display_name": "Bruno García",
    "email": "bruno@example.org",
    "country": "ES",
    "pledge": "on",
}

CONFIRM_LINK = re.compile(r"https?://[^\s\"<>]+/confirm/[^\s\"<>/]+/")


def _forget_wakes():
    # A wake (core.queue.wake) stands for a second: one left by a test would
    # stop the next test's signature from queueing its own run.
    if django_settings.CELERY_BROKER_URL.startswith("redis"):
        broker = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
        for key in broker.scan_iter(match=queue.wake_key("*")):
            broker.delete(key)


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The cache is the real Redis, shared by every test: start each one empty.
    cache.clear()
    caches["local"].clear()
    _forget_wakes()
    yield
    cache.clear()
    caches["local"].clear()
    _forget_wakes()


@pytest.fixture(autouse=True)
def _default_language():
    # A request to /pt/… leaves Portuguese active in this thread (LocaleMiddleware
    # activates, nothing deactivates): each test starts in the default language.
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture
def wsgi_in_test():
    """Let the WSGI application (config.wsgi) serve inside the test's transaction.
    Around each request it closes "old" database connections, which here would
    close the test's own (Django's test client disconnects the same handler)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


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


def move_country(pledge, country: str, language: str = "en") -> bool:
    """The owner changes their confirmed pledge's country on "My pledge", with
    every other choice off (Pledge.change_preferences)."""
    return pledge.change_preferences(
        display_name=pledge.display_name,
        show_publicly=False,
        on_wall=False,
        country=country,
        language=language,
        wants_updates=False,
        wording_version="v",
        now=timezone.now(),
    )


def confirm_path(message) -> str:
    """The path of the confirmation link in an email (text part)."""
    match = CONFIRM_LINK.search(message.body)
    assert match, f"no confirmation link in: {message.body!r}"
    return urlsplit(match.group(0)).path


NAME_INPUT = re.compile(r'name="display_name" value="([^"]*)"')
SELECTED_COUNTRY = re.compile(r'<option value="([A-Z]{2})" selected>')
NEWS_TICKED = re.compile(r'name="wants_updates"[^>]* checked')


def shown_on_confirm_page(html: str) -> dict:
    """What the confirmation page shows, as its form would submit it untouched."""
    shown = {
        "display_name": html_unescape(NAME_INPUT.search(html).group(1)),
        "country": SELECTED_COUNTRY.search(html).group(1),
    }
    if NEWS_TICKED.search(html):
        shown["wants_updates"] = "on"
    return shown


def press_confirm(client, path, **changes):
    """Open the confirmation page, change what is given, press the button."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return client.post(path, {**shown_on_confirm_page(page.content.decode()), **changes})


@pytest.fixture
def signed_pledge(sign, ana):
    """Ana signed; her confirmation email is in the outbox."""
    sign(ana)
    assert len(mail.outbox) == 1
    return Pledge.objects.get(email="ana@example.org"), confirm_path(mail.outbox[0])


def signed_in_supporter(client, email, country, display_name, **pledge_fields):
    """A pledge, and an account whose verified address is the pledge's, signed
    in on `client`. Returns (user, pledge)."""
    pledge = make_pledge(email, country, display_name=display_name, **pledge_fields)
    user = make_user(email)
    client.force_login(user)
    return user, pledge


def make_pledge(email, country, *, confirmed=True, display_name="Someone", wants_updates=False):
    """A pledge made directly, for tests about what happens after signing."""
    pledge = Pledge.objects.create(
        display_name=display_name,
        email=email,
        country=country,
        language="en",
        signed_at=timezone.now(),
    )
    if confirmed:
        confirm_as_owner(pledge, wants_updates=wants_updates)
    return pledge


def broker_down():
    """Point Celery at a port where nothing listens, as when Redis is down."""
    return broker_at("redis://127.0.0.1:9/0")


@contextmanager
def broker_at(url: str):
    """Publish (and ping workers) through the broker at `url` meanwhile."""
    saved = celery_app.conf.broker_url
    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield
    finally:
        celery_app.conf.broker_url = saved
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        broker_breaker.reset()


@contextmanager
def database_down():
    """Point Django's database connection at a port where nothing listens, as
    when PostgreSQL is down (for transactional tests: it closes the connection)."""
    saved = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = str(free_port())
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["PORT"] = saved


class SMTPInbox:
    """A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

    def __init__(self):
        self.messages = []
        self.arrived = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        self.arrived.set()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 20) -> list:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            assert time.monotonic() < deadline, f"{len(self.messages)} of {count} emails arrived"
            self.arrived.wait(0.1)
            self.arrived.clear()
        return self.messages


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RejectingServer:
    """An SMTP server that refuses every message, quoting the recipient as real
    servers do."""

    async def handle_DATA(self, server, session, envelope):
        return f"554 5.7.1 Message to <{envelope.rcpt_tos[0]}> rejected"


@pytest.fixture
def smtp_server(settings):
    """serve(handler): a real SMTP server on 127.0.0.1 with that aiosmtpd handler,
    through which every email is sent from then on; stopped after the test."""
    started = []

    def serve(handler):
        controller = Controller(handler, hostname="127.0.0.1", port=free_port())
        controller.start()
        started.append(controller)
        settings.MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 10},
            }
        }
        return handler

    yield serve
    for controller in started:
        controller.stop()


@pytest.fixture
def smtp_inbox(smtp_server):
    """Route every email through a real SMTP server on 127.0.0.1 that keeps them."""
    return smtp_server(SMTPInbox())


def confirm_as_owner(pledge, **changes):
    """Confirm the pledge as its owner would, with what it shows unless changed."""
    details = {
        "display_name": pledge.display_name,
        "country": pledge.country.code,
        "wants_updates": False,
        "language": "en",
        "wording_version": WORDING_VERSION,
        "now": timezone.now(),
    }
    return pledge.confirm(**{**details, **changes})


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker, in this process, consuming the real Redis broker."""
    celery_app.control.purge()  # tasks left queued by tests that ran without a worker
    task_postrun.connect(_close_connections_after_task, weak=False)
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
            yield
    finally:
        task_postrun.disconnect(_close_connections_after_task)


def _close_connections_after_task(**kwargs):
    # The worker thread's connection must not outlive the test database.
    connections.close_all()


CHROMIUM = "/usr/bin/chromium"
# Without these, Chromium keeps calling home, and this machine's closed network
# answers each call with a refusal.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # test makes in between are still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
