"""Where a signature came from is kept 30 days, for suspicion and review only:
the daily purge then forgets the network of every signature older than that,
on the pledges and in the review log. Erasure forgets it at once
(tests/test_suspicion.py).

Ana signed from home and confirmed; Adam the administrator reviewed Mallory's
network the same day."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from abuse import review
from abuse.clients import keyed
from accounts.models import ReviewAction
from pledges.models import Pledge
from pledges.tasks import purge_stale
from tests.conftest import confirm_path, press_confirm
from tests.staff import make_persona

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)
ANAS_HOME = "198.51.100.7"
ANA = {"display_name": "Ana", "email": "ana@example.org", "country": "PT", "pledge": "on"}


def purge_at(moment) -> dict:
    with time_machine.travel(moment, tick=False):
        return purge_stale.apply().get()


def test_the_purge_forgets_networks_30_days_after_the_signature(
    client, django_capture_on_commit_callbacks, eager_tasks
):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/pledge/", ANA, REMOTE_ADDR=ANAS_HOME)
        press_confirm(client, confirm_path(mail.outbox[-1]))
        mallorys = keyed("203.0.113.66", "network")
        adam = make_persona("administrator")
        review.review(adam, "invalidate", review.Criteria(network=mallorys))
    ana = Pledge.objects.get(email="ana@example.org")
    assert ana.network_key == keyed(ANAS_HOME, "network")

    assert purge_at(start + 30 * DAY - SECOND)["networks"] == 0
    ana.refresh_from_db()
    assert ana.network_key == keyed(ANAS_HOME, "network")
    assert ReviewAction.objects.get().criteria == {"network": mallorys}

    assert purge_at(start + 30 * DAY + SECOND)["networks"] == 1
    ana.refresh_from_db()
    assert (ana.network_key, ana.is_confirmed, ana.email) == ("", True, "ana@example.org")
    assert ReviewAction.objects.get().criteria == {"network": ""}
