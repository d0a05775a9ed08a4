"""A sender that freezes for longer than its lease (a stopped process, a
stalled network) comes back to find its rows taken over and sent by another:
it may repeat the one email it was in the middle of, and no other.

The engine's batches are driven here, with a clock of the test's own, into
a real SMTP server on loopback. Olga's update goes to five news readers."""

from types import SimpleNamespace

import pytest

from mailings import emails, sending
from mailings.models import Delivery
from tests.mailing import Clock, news_readers, received_by, run_update, states

READERS = 5


@pytest.mark.django_db
def test_a_sender_back_from_a_freeze_sends_none_of_the_rows_taken_over(
    settings, smtp_inbox, monkeypatch
):
    settings.MAILING_BATCH_SIZE = READERS
    monkeypatch.setattr(sending.queue, "publish", lambda *args: True)
    monkeypatch.setattr(sending.queue, "publish_later", lambda *args: True)
    # The batch's own timer, moved with the clock (the real one only in this module).
    elapsed = SimpleNamespace(seconds=0.0)
    monkeypatch.setattr(sending, "time", SimpleNamespace(monotonic=lambda: elapsed.seconds))
    addresses = news_readers(READERS)
    clock = Clock()
    mailing = run_update(clock)
    frozen = []

    def build_then_freeze(delivery):
        message = emails.build(delivery)
        if not frozen:
            frozen.append(delivery.pk)
            stalled = sending.LEASE.total_seconds() + 1
            clock.advance(stalled)
            elapsed.seconds += stalled
            # Meanwhile another sender finds the lease run out and takes the batch over.
            taken_over = sending.send_batch(mailing.pk, now=clock)
            assert taken_over["sent"] == READERS
        return message

    sending.send_batch(mailing.pk, build=build_then_freeze, now=clock)

    counts = received_by(smtp_inbox)
    assert set(counts) == set(addresses)
    assert counts[addresses[0]] == 2  # the one it was sending when it froze
    assert sum(counts.values()) == READERS + 1
    assert states(mailing) == {Delivery.State.SENT: READERS}
