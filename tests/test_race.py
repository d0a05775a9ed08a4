"""Twenty people (or one impatient script) POST the same address at once, and
twenty workers apply those signatures at once."""

import threading

import pytest
import redis
from django.conf import settings
from django.core import mail
from django.db import connections, transaction
from django.test import Client
from django.utils import timezone

from config.celery_app import app as celery_app
from config.env import Rate
from pledges import services
from pledges.models import Pledge, PledgeRequest
from pledges.tasks import apply_requests
from tests.conftest import ANA

pytestmark = pytest.mark.django_db(transaction=True)

SIGNERS = 20


def queued_tasks() -> int:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL).llen("celery")


def at_once(count, work):
    """Run work(n) in `count` threads released together; return their errors."""
    start = threading.Barrier(count)
    errors = []

    def run(n):
        try:
            start.wait(timeout=30)
            work(n)
        except Exception as error:
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_it_makes_one_pledge_and_one_email_of_twenty_concurrent_signatures(settings):
    # This is about the database: the per-address rate limit (abuse/limits.py)
    # would turn all but the first few away at the door.
    settings.RATE_LIMIT_PER_ADDRESS = Rate(SIGNERS, 86400)
    celery_app.control.purge()
    statuses = []

    def sign(n):
        email = "ana@example.org" if n % 2 else "ANA@EXAMPLE.org"
        statuses.append(Client().post("/pledge/", {**ANA, "email": email}).status_code)

    assert at_once(SIGNERS, sign) == []
    assert statuses == [302] * SIGNERS
    # The web side did the same for each: one request row and a wake, which
    # queued one run for them all (core.queue.wake).
    request_ids = list(PledgeRequest.objects.values_list("pk", flat=True))
    assert len(request_ids) == SIGNERS
    assert queued_tasks() == 1
    celery_app.control.purge()

    # Twenty workers apply them at once: the unique index and the resend window
    # settle it in the database.
    assert at_once(SIGNERS, lambda n: apply_requests([request_ids[n]])) == []
    assert Pledge.objects.count() == 1
    assert PledgeRequest.objects.count() == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to in (["ana@example.org"], ["ANA@example.org"])


def test_it_leaves_a_signature_another_run_took_after_the_merge_to_that_run(monkeypatch):
    """Runs of apply_waiting walk the same list. Between a run's merge and its
    judgement the request is unlocked, and a second run may take it: the first
    must then leave the judgement to the second, not lock the network's pledges
    and wait on the request (which deadlocked the two runs, a second each time,
    when CI restarted the database under a crowd)."""
    received = timezone.now()
    request = PledgeRequest.objects.create(
        kind=PledgeRequest.Kind.SIGN,
        email=ANA["email"],
        display_name=ANA["display_name"],
        country=ANA["country"],
        language="pt",
        received_at=received,
        queued_at=received,
    )
    taken, release = threading.Event(), threading.Event()

    def second_run_takes_it():
        with transaction.atomic():  # the second run's merge transaction
            PledgeRequest.objects.select_for_update().get(pk=request.pk)
            taken.set()
            release.wait(timeout=5)
        connections.close_all()

    def second_run_starts():
        threading.Thread(target=second_run_takes_it).start()
        assert taken.wait(timeout=5)

    merge = services._merge_signature

    def merge_then_second_run_takes_it(request, now):
        pledge_id = merge(request, now)
        transaction.on_commit(second_run_starts)  # once the merge has committed
        return pledge_id

    judged = []
    judge = services.suspicion.judge

    def spy(pledge_id, **kwargs):
        judged.append(pledge_id)
        return judge(pledge_id, **kwargs)

    monkeypatch.setattr(services, "_merge_signature", merge_then_second_run_takes_it)
    monkeypatch.setattr(services.suspicion, "judge", spy)
    try:
        pledge_ids = services.apply_requests([request.pk])
    finally:
        release.set()
    assert pledge_ids == [Pledge.objects.get().pk]  # merged: what it owes is sent
    assert judged == []  # the judgement is the second run's
    assert PledgeRequest.objects.filter(pk=request.pk).exists()
