"""Mailings for the tests: many news readers made at once, an update written
by Olga the organiser, and the wait for a run to end."""

import time
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta

from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from config.celery_app import app as celery_app
from mailings import sending, services
from mailings.models import Delivery, Mailing
from pledges.models import Pledge
from tests.conftest import _close_connections_after_task
from tests.staff import make_persona

LANGUAGES = ("en", "es", "pt")
SUBJECTS = {
    "en": "News from the Blue Heart",
    "es": "Noticias del Corazón Azul",
    "pt": "Notícias do Coração Azul",
}


@contextmanager
def pooled_worker(concurrency: int):
    """A real Celery worker in this process, as the celery_worker fixture, but
    running `concurrency` tasks at once as production's prefork pool does: a
    run's send chains then overlap their waits on the database's commits."""
    celery_app.control.purge()
    task_postrun.connect(_close_connections_after_task, weak=False)
    try:
        with start_worker(
            celery_app,
            pool="threads",
            concurrency=concurrency,
            perform_ping_check=False,
            loglevel="WARNING",
        ):
            yield
    finally:
        task_postrun.disconnect(_close_connections_after_task)


def news_readers(
    count: int = 0, *, prefix: str = "reader", start: int = 1, addresses=None, **fields
) -> list[str]:
    """`count` confirmed supporters who want news (or one per address given),
    their languages in turn en, es, pt; made in one INSERT (confirming each
    would take minutes). Returns their addresses, in order."""
    now = timezone.now()
    # Far above the numbers confirming draws from its sequence, and above ours.
    highest = Pledge.objects.aggregate(highest=Max("supporter_number"))["highest"] or 0
    first_number = max(highest, 10_000_000)
    if addresses is None:
        addresses = [f"{prefix}-{n:06d}@example.org" for n in range(start, start + count)]
    Pledge.objects.bulk_create(
        [
            Pledge(
                display_name=f"Reader {n}",
                email=address,
                country=fields.get("country", "PT"),
                language=fields.get("language", LANGUAGES[n % 3]),
                signed_at=now - timedelta(days=1),
                confirmed_at=now - timedelta(hours=1),
                supporter_number=first_number + n,
                wants_updates=fields.get("wants_updates", True),
                news_changed_at=now - timedelta(hours=1),
            )
            for n, address in enumerate(addresses, start=start)
        ],
        batch_size=1000,
    )
    return addresses


def organiser():
    """Olga, who may write to every supporter (made once per test)."""
    olga = User.objects.filter(email="olga@example.org").first()
    return olga or make_persona("organiser")


def write_update(author=None, *, country: str = "", language: str = "") -> Mailing:
    """A draft update with its text in English, Spanish and Portuguese."""
    author = author or organiser()
    texts = {code: (subject, f"{subject}.\n\nThank you.") for code, subject in SUBJECTS.items()}
    return services.save_update(
        author, mailing=None, country=country, language=language, texts=texts
    )


class Clock:
    """A clock the test moves: the engine's `now`."""

    def __init__(self):
        self.at = timezone.now()

    def __call__(self):
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


def run_update(clock: Clock) -> Mailing:
    """Olga's update, started and fanned out by the test itself, no worker."""
    mailing = write_update()
    assert sending.start(mailing, clock())
    assert sending.fan_out(mailing.pk, clock())
    return mailing


def send_now(mailing: Mailing) -> None:
    assert services.send_update(mailing.created_by, mailing)


def wait_until_sent(mailing: Mailing, timeout: float) -> Mailing:
    deadline = time.monotonic() + timeout
    while True:
        mailing.refresh_from_db()
        if mailing.state == Mailing.State.SENT:
            return mailing
        done = Delivery.objects.filter(mailing=mailing).exclude(
            state__in=[Delivery.State.QUEUED, Delivery.State.SENDING]
        )
        assert time.monotonic() < deadline, (
            f"still {mailing.state} after {timeout} s: {done.count()} of {mailing.total} done"
        )
        time.sleep(0.2)


def wait_for_mid_batch(mailing, sent_at_least: int, timeout: float) -> None:
    """Until that many are sent and a batch is under way."""
    deadline = time.monotonic() + timeout
    while True:
        now = states(mailing)
        if now[Delivery.State.SENT] >= sent_at_least and now[Delivery.State.SENDING]:
            return
        assert time.monotonic() < deadline, now
        time.sleep(0.02)


def received_by(inbox) -> Counter:
    """How many messages each envelope recipient got."""
    return Counter(recipient for recipients, _ in inbox.messages for recipient in recipients)


def states(mailing: Mailing) -> Counter:
    return Counter(Delivery.objects.filter(mailing=mailing).values_list("state", flat=True))
