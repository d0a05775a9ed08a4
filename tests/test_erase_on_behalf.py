"""An administrator erases a supporter's data at their request: behind a fresh
second factor, logged, and as thorough as the supporter's own button.

Adam administers; Ana pledged from Portugal and has an account; Bruno too."""

import pytest

from accounts.models import AccessLog, User
from pledges import counting
from pledges.models import Pledge
from tests.conftest import make_pledge
from tests.staff import make_user, reauthenticate, sign_in_as
from tests.traces import everywhere

pytestmark = pytest.mark.django_db


@pytest.fixture
def adam(client):
    return sign_in_as(client, "administrator")


def erase_url(pledge) -> str:
    return f"/admin/pledges/pledge/{pledge.pk}/erase/"


def test_it_erases_the_supporter_and_their_account_and_logs_it(client, adam):
    actor, secret = adam
    ana = make_pledge("ana@example.org", "PT", display_name="Ana Silva")
    make_user("ana@example.org")
    bruno = make_pledge("bruno@example.org", "ES", display_name="Bruno García")
    before = counting.compute_counts()["countries"]

    assert "cannot be undone" in client.get(erase_url(ana)).content.decode()
    reauthenticate(client, secret)
    response = client.post(erase_url(ana), {"confirm": "yes"})
    assert response.status_code == 302

    assert not User.objects.filter(email="ana@example.org").exists()
    assert everywhere("ana@example.org") == []
    assert everywhere("Ana Silva") == []
    assert everywhere("bruno@example.org") != []  # the search finds what is there
    assert counting.compute_counts()["countries"] == before
    assert Pledge.objects.get(pk=bruno.pk).display_name == "Bruno García"
    log = AccessLog.objects.get(action=AccessLog.Action.ERASE)
    assert (log.actor_id, log.object_id) == (actor.pk, str(ana.pk))


def test_it_asks_for_a_fresh_second_factor_first(client, adam):
    ana = make_pledge("ana@example.org", "PT", display_name="Ana Silva")
    response = client.post(erase_url(ana), {"confirm": "yes"})
    assert response.status_code == 302
    assert "/reauthenticate/" in response.headers["Location"]
    assert Pledge.objects.get(pk=ana.pk).display_name == "Ana Silva"
    assert not AccessLog.objects.filter(action=AccessLog.Action.ERASE).exists()


def test_it_asks_to_tick_the_box_first(client, adam):
    _actor, secret = adam
    ana = make_pledge("ana@example.org", "PT", display_name="Ana Silva")
    reauthenticate(client, secret)
    response = client.post(erase_url(ana), {})
    assert response.status_code == 200
    assert "Tick the box" in response.content.decode()
    assert Pledge.objects.get(pk=ana.pk).display_name == "Ana Silva"


def test_only_administrators_may(client):
    sign_in_as(client, "organiser")
    ana = make_pledge("ana@example.org", "PT", display_name="Ana Silva")
    response = client.post(erase_url(ana), {"confirm": "yes"}, follow=True)
    assert response.status_code == 403
    assert Pledge.objects.get(pk=ana.pk).display_name == "Ana Silva"
