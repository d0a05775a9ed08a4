"""Reconciliation stays exact while confirmations land: a confirmation caught
in flight is counted once, by its own +1, never again by the repair."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from pledges import counting
from pledges.models import CountShard, Pledge
from tests.conftest import confirm_as_owner, make_pledge

pytestmark = pytest.mark.django_db(transaction=True)


def waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_a_recount_during_a_confirmation_neither_loses_nor_doubles_it():
    make_pledge("a@example.org", "PT")
    carla = make_pledge("carla@example.org", "PT", confirmed=False)
    CountShard.objects.ensure_shards("PT")
    holding, release = threading.Event(), threading.Event()
    repairs, errors = [], []

    def confirm_slowly():
        # Carla confirms; her transaction has added its +1 to a shard but not
        # committed, and (to widen the window as a slow commit would) it also
        # keeps anyone from reading the pledge table until it does.
        try:
            with transaction.atomic():
                confirm_as_owner(carla)
                with connection.cursor() as cursor:
                    cursor.execute("LOCK TABLE pledges_pledge IN ACCESS EXCLUSIVE MODE")
                holding.set()
                release.wait(timeout=20)
        except Exception as error:
            errors.append(repr(error))
        finally:
            connections.close_all()

    def recount():
        try:
            repairs.append(counting.recount("PT"))
        except Exception as error:
            errors.append(repr(error))
        finally:
            connections.close_all()

    confirmer = threading.Thread(target=confirm_slowly)
    confirmer.start()
    assert holding.wait(timeout=20)
    recounter = threading.Thread(target=recount)
    recounter.start()
    deadline = time.monotonic() + 10
    while waiting_on_a_lock() == 0:  # the recount is blocked somewhere
        assert time.monotonic() < deadline, "the recount never waited"
        time.sleep(0.05)
    release.set()
    confirmer.join(timeout=20)
    recounter.join(timeout=20)

    assert errors == []
    assert repairs == [0]
    assert Pledge.objects.confirmed().count() == 2
    assert CountShard.objects.totals()["PT"] == 2
