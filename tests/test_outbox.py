"""Sending an owed email: claim, commit, send, record (core.outbox), against a
real SMTP server on loopback that takes its time."""

import asyncio
import threading
from datetime import timedelta

import psycopg
import pytest
from django.db import connection, connections
from django.db.models import QuerySet
from django.utils import timezone

from core import outbox
from pledges import services
from pledges.models import Pledge
from tests.conftest import SMTPInbox, make_pledge

pytestmark = pytest.mark.django_db(transaction=True)

SLOW = 1.5  # seconds the server takes to accept a message


class SlowInbox(SMTPInbox):
    """Takes SLOW seconds over each message; `during_data` runs meanwhile."""

    def __init__(self, during_data=None):
        super().__init__()
        self.during_data = during_data
        self.seen_during_data = []

    async def handle_DATA(self, server, session, envelope):
        if self.during_data:
            self.seen_during_data.append(await asyncio.to_thread(self.during_data))
        await asyncio.sleep(SLOW)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_smtp(smtp_server):
    return lambda during_data=None: smtp_server(SlowInbox(during_data))


def owing_pledge(email="ana@example.org"):
    pledge = make_pledge(email, "PT", confirmed=False)
    Pledge.objects.filter(pk=pledge.pk).update(
        email_due=Pledge.EmailDue.CONFIRMATION, email_requested_at=timezone.now()
    )
    return pledge


def in_threads(*calls):
    errors = []

    def run(call):
        try:
            call()
        except Exception as error:
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


def test_the_task_and_the_sweep_never_both_send_one_email(slow_smtp):
    inbox = slow_smtp()
    pledge = owing_pledge()
    # The task queued at signing and a task the sweep queued run at the same time.
    errors = in_threads(
        lambda: services.send_pledge_email(pledge.pk),
        lambda: services.send_pledge_emails([pledge.pk]),
    )
    assert errors == []
    assert len(inbox.messages) == 1
    pledge.refresh_from_db()
    assert pledge.email_due == ""
    assert pledge.email_sent_at is not None


def test_no_transaction_or_row_lock_is_held_while_the_mail_server_talks(slow_smtp):
    pledge = owing_pledge()
    dsn = {
        "dbname": connection.settings_dict["NAME"],
        "host": connection.settings_dict["HOST"],
        "port": connection.settings_dict["PORT"] or 5432,
        "user": connection.settings_dict["USER"],
        "autocommit": True,
    }

    def look_at_the_database():
        with psycopg.connect(**dsn) as other:
            idle_in_transaction = other.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND state LIKE 'idle in transaction%%'"
            ).fetchone()[0]
            # Anyone else may lock the row at once while the email is on its way.
            other.execute("SET lock_timeout = '100ms'")
            locked_by_sender = False
            try:
                with other.transaction():
                    other.execute(
                        "SELECT id FROM pledges_pledge WHERE id = %s FOR UPDATE NOWAIT",
                        [pledge.pk],
                    )
            except psycopg.errors.LockNotAvailable:
                locked_by_sender = True
            return idle_in_transaction, locked_by_sender

    inbox = slow_smtp(during_data=look_at_the_database)
    assert services.send_pledge_email(pledge.pk) is True
    assert len(inbox.messages) == 1
    assert inbox.seen_during_data == [(0, False)]


def test_a_request_made_while_sending_stays_owed(slow_smtp):
    pledge = owing_pledge()

    def ask_again():
        # Someone asks again (after the resend window) while the first email is out.
        Pledge.objects.filter(pk=pledge.pk).update(
            email_due=Pledge.EmailDue.CONFIRMATION, email_requested_at=timezone.now()
        )
        connections.close_all()

    inbox = slow_smtp(during_data=ask_again)
    services.send_pledge_email(pledge.pk)
    pledge.refresh_from_db()
    assert len(inbox.messages) == 1
    assert pledge.email_due == Pledge.EmailDue.CONFIRMATION  # the second is still owed
    assert pledge.email_claimed_until is None  # and free to send


def test_a_claim_left_by_a_dead_sender_expires(slow_smtp):
    inbox = slow_smtp()
    pledge = owing_pledge()
    now = timezone.now()
    Pledge.objects.filter(pk=pledge.pk).update(email_claimed_until=now + outbox.LEASE)
    assert services.send_pledge_email(pledge.pk, now=now) is False
    assert inbox.messages == []
    later = now + outbox.LEASE + timedelta(seconds=1)
    assert services.send_pledge_email(pledge.pk, now=later) is True
    assert len(inbox.messages) == 1


def test_it_gives_up_after_the_last_attempt(slow_smtp):
    inbox = slow_smtp()
    pledge = owing_pledge()
    Pledge.objects.filter(pk=pledge.pk).update(email_attempts=outbox.MAX_ATTEMPTS)
    assert services.send_pledge_email(pledge.pk) is False
    assert outbox.hand_out(Pledge.objects, 10) == []
    assert inbox.messages == []


def test_a_row_erased_right_after_its_claim_sends_nothing_and_raises_nothing(slow_smtp):
    inbox = slow_smtp()
    pledge = owing_pledge()

    class ErasedAfterTheClaim(QuerySet):
        def update(self, **changes):
            count = super().update(**changes)
            if changes.get("email_claimed_until"):
                Pledge.objects.filter(pk=pledge.pk).delete()  # the erasure lands here
            return count

    def build(row):
        pytest.fail("an erased row has nothing to send")

    assert outbox.deliver(ErasedAfterTheClaim(model=Pledge), pledge.pk, build) is False
    assert inbox.messages == []
