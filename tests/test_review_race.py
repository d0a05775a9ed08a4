"""A bulk review stays exact while confirmations land: every confirmed pledge
it restores is counted once, by the review or by its own confirmation, never
by both and never by neither; reconciliation then finds nothing to repair.

Mallory's pledges are held as suspect (pending, their links already sent);
Adam the administrator restores and invalidates them while they are being
confirmed."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from abuse import review
from abuse.clients import keyed
from accounts.models import ReviewAction
from pledges import counting
from pledges.models import CountShard, Pledge
from tests.conftest import confirm_as_owner, make_pledge
from tests.staff import make_persona

pytestmark = pytest.mark.django_db(transaction=True)

MALLORYS = keyed("203.0.113.66", "network")
MALLORYS_NETWORK = review.Criteria(network=MALLORYS)
EVERY_ONE_OF_THEM = review.Criteria(network=MALLORYS, everything=True)


def held_pending(n: int) -> list[Pledge]:
    pledges = [
        make_pledge(f"m{i}@example.net", "PT" if i % 3 else "ES", confirmed=False) for i in range(n)
    ]
    Pledge.objects.filter(pk__in=[p.pk for p in pledges]).update(
        network_key=MALLORYS, standing=Pledge.Standing.SUSPECT
    )
    for country in ("PT", "ES"):
        CountShard.objects.ensure_shards(country)
    return pledges


def waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def counted_rows() -> dict[str, int]:
    counted = {}
    for code in Pledge.objects.counted().values_list("country", flat=True):
        counted[str(code)] = counted.get(str(code), 0) + 1
    return counted


def test_a_restore_during_a_confirmation_counts_it_once():
    adam = make_persona("administrator")
    (carla,) = held_pending(1)
    holding, release = threading.Event(), threading.Event()
    errors = []

    def confirm_slowly():
        # The confirmation has updated its row, read it suspect (so added
        # nothing) and holds the row until it commits.
        try:
            with transaction.atomic():
                assert confirm_as_owner(carla)
                holding.set()
                release.wait(timeout=20)
        except Exception as error:
            errors.append(repr(error))
        finally:
            connections.close_all()

    def restore():
        try:
            review.review(adam, review.Action.RESTORE, MALLORYS_NETWORK)
        except Exception as error:
            errors.append(repr(error))
        finally:
            connections.close_all()

    confirmer = threading.Thread(target=confirm_slowly)
    confirmer.start()
    assert holding.wait(timeout=20)
    restorer = threading.Thread(target=restore)
    restorer.start()
    deadline = time.monotonic() + 10
    while waiting_on_a_lock() == 0:  # the restore waits for the confirmation's row
        assert time.monotonic() < deadline, "the restore never waited"
        time.sleep(0.05)
    release.set()
    confirmer.join(timeout=20)
    restorer.join(timeout=20)

    assert errors == []
    assert ReviewAction.objects.get().counted_delta == 1
    assert counting.compute_counts()["countries"] == {"ES": 1}
    assert counting.reconcile_counts() == {}


def test_restores_and_invalidations_while_many_confirm_keep_the_counts_exact():
    adam = make_persona("administrator")
    pledges = held_pending(60)
    start = threading.Barrier(5)
    confirmers_done = threading.Event()
    errors = []

    def confirm(mine):
        try:
            start.wait(timeout=20)
            for pledge in mine:
                assert confirm_as_owner(pledge)
        except Exception as error:
            errors.append(repr(error))
        finally:
            connections.close_all()

    def keep_reviewing():
        try:
            start.wait(timeout=20)
            rounds = 0
            while not confirmers_done.is_set() or rounds < 2:
                review.review(adam, review.Action.RESTORE, MALLORYS_NETWORK)
                review.review(adam, review.Action.INVALIDATE, EVERY_ONE_OF_THEM)
                review.review(adam, review.Action.RESTORE, EVERY_ONE_OF_THEM)
                rounds += 1
        except Exception as error:
            errors.append(repr(error))
        finally:
            connections.close_all()

    confirmers = [threading.Thread(target=confirm, args=(pledges[i::4],)) for i in range(4)]
    reviewer = threading.Thread(target=keep_reviewing)
    for thread in [*confirmers, reviewer]:
        thread.start()
    for thread in confirmers:
        thread.join(timeout=60)
    confirmers_done.set()
    reviewer.join(timeout=60)

    assert errors == []
    assert Pledge.objects.confirmed().count() == 60
    assert set(Pledge.objects.values_list("standing", flat=True)) == {""}
    assert counting.compute_counts()["countries"] == counted_rows() == {"PT": 40, "ES": 20}
    assert counting.reconcile_counts() == {}
