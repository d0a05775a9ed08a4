"""A crowd confirming wakes one batch of welcome emails; it does not queue a
task for each confirmation (core.queue.wake, mailings.sending.add_recipient).
Ana and Bruno confirm their pledges on the site; Carla confirms after the batch
has claimed theirs."""

import pytest
import redis
from django.conf import settings
from django.core import mail

from config.celery_app import app as celery_app
from mailings import sending
from mailings.models import Delivery, Mailing
from pledges.tokens import make_confirm_token
from tests.conftest import make_pledge, press_confirm

pytestmark = pytest.mark.django_db


def queued_tasks() -> list[str]:
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    return [m.decode() for m in broker.lrange("celery", 0, -1)]


def signed(name: str, email: str):
    return make_pledge(email, "PT", confirmed=False, display_name=name)


@pytest.fixture
def confirm(client, django_capture_on_commit_callbacks):
    def confirm(pledge):
        with django_capture_on_commit_callbacks(execute=True):
            path = f"/confirm/{make_confirm_token(pledge.public_id)}/"
            assert press_confirm(client, path).status_code == 200

    celery_app.control.purge()
    yield confirm
    celery_app.control.purge()


def welcome_batches() -> int:
    return sum(sending.SEND_TASK in message for message in queued_tasks())


def test_it_wakes_one_batch_for_confirmations_before_it_starts(confirm):
    confirm(signed("Ana Silva", "ana@example.org"))
    confirm(signed("Bruno García", "bruno@example.org"))
    assert Delivery.objects.filter(mailing__kind=Mailing.Kind.WELCOME).count() == 2
    assert welcome_batches() == 1

    # The one batch sends both.
    sending.send_batch(Mailing.objects.get(kind=Mailing.Kind.WELCOME).pk)
    assert sorted(message.to[0] for message in mail.outbox) == [
        "ana@example.org",
        "bruno@example.org",
    ]


def test_it_wakes_a_new_batch_for_a_confirmation_after_the_batch_claimed_its_rows(confirm):
    confirm(signed("Ana Silva", "ana@example.org"))
    sending.send_batch(Mailing.objects.get(kind=Mailing.Kind.WELCOME).pk)  # claims Ana's
    # Carla's welcome is owed after that claim, at once (Ana's wake would
    # stand a second): a new batch must be queued for it.
    confirm(signed("Carla Mendes", "carla@example.org"))
    assert welcome_batches() == 2
