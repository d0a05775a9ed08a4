"""Which campaign emails someone was sent is theirs: each row is kept 90 days
after it finished, then only the mailing's counts remain.
Personas: Ana got an update long ago; Bruno's is recent; Carla's is still owed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mailings import sending
from mailings.models import Delivery, Mailing
from tests.conftest import make_pledge

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def delivered(email: str, mailing: Mailing, *, state: str, days_ago: int | None) -> Delivery:
    pledge = make_pledge(email, "PT", wants_updates=True)
    finished = None if days_ago is None else NOW - timedelta(days=days_ago)
    return Delivery.objects.create(
        mailing=mailing, pledge=pledge, state=state, finished_at=finished
    )


def test_it_deletes_rows_finished_over_ninety_days_ago_and_keeps_the_counts():
    update = Mailing.objects.create(
        kind=Mailing.Kind.UPDATE, state=Mailing.State.SENT, total=3, sent=2
    )
    ana = delivered("ana@example.org", update, state=Delivery.State.SENT, days_ago=91)
    bruno = delivered("bruno@example.org", update, state=Delivery.State.SENT, days_ago=89)
    carla = delivered("carla@example.org", update, state=Delivery.State.QUEUED, days_ago=None)

    assert sending.purge_deliveries(NOW) == 1

    assert set(Delivery.objects.values_list("pk", flat=True)) == {bruno.pk, carla.pk}
    assert not Delivery.objects.filter(pk=ana.pk).exists()
    update.refresh_from_db()
    assert (update.total, update.sent) == (3, 2)
