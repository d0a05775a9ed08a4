"""Staff access to personal data is logged: the admin lists pledges without
any, and opening one (its name and address) writes an access-log row first.
Both are read-only; so is the log.

Adam administers (with MFA); Ana pledged from Portugal."""

import pytest
import time_machine

from accounts.models import AccessLog, User
from tests.conftest import make_pledge
from tests.staff import make_persona, sign_in_as

pytestmark = pytest.mark.django_db

AT = "2026-12-01T09:00:00+00:00"


@pytest.fixture
def adam(client):
    return sign_in_as(client, "administrator")[0]


@pytest.fixture
def anas_pledge():
    return make_pledge("ana@example.org", "PT", display_name="Ana Silva")


def test_the_list_shows_no_personal_data_and_logs_nothing(client, adam, anas_pledge):
    response = client.get("/admin/pledges/pledge/")
    assert response.status_code == 200
    html = response.content.decode()
    assert str(anas_pledge.public_id) in html
    assert "ana@example.org" not in html
    assert "Ana Silva" not in html
    assert not AccessLog.objects.exists()


def test_opening_a_pledge_logs_who_which_and_when(client, adam, anas_pledge):
    with time_machine.travel(AT, tick=False):
        response = client.get(f"/admin/pledges/pledge/{anas_pledge.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "ana@example.org" in html and "Ana Silva" in html
    log = list(AccessLog.objects.values_list("actor_id", "action", "model", "object_id", "at"))
    assert [(*row[:4], row[4].isoformat()) for row in log] == [
        (adam.pk, "view", "pledges.pledge", str(anas_pledge.pk), AT)
    ]
    client.get(f"/admin/pledges/pledge/{anas_pledge.pk}/change/")
    assert AccessLog.objects.count() == 2


def test_opening_an_account_is_logged_too(client, adam):
    sara = make_persona("supporter")
    assert client.get(f"/admin/accounts/user/{sara.pk}/change/").status_code == 200
    assert list(AccessLog.objects.values_list("model", "object_id")) == [
        ("accounts.user", str(sara.pk))
    ]


def test_staff_without_the_admin_open_nothing_and_leave_no_log(client, anas_pledge):
    sign_in_as(client, "organiser")
    response = client.get(f"/admin/pledges/pledge/{anas_pledge.pk}/change/", follow=True)
    assert response.status_code == 403
    assert "ana@example.org" not in response.content.decode()
    assert not AccessLog.objects.exists()


def test_pledges_and_the_log_are_read_only(client, adam, anas_pledge):
    page = f"/admin/pledges/pledge/{anas_pledge.pk}/change/"
    response = client.post(page, {"display_name": "Mallory", "email": "m@example.org"})
    assert response.status_code == 403
    anas_pledge.refresh_from_db()
    assert anas_pledge.display_name == "Ana Silva"
    for url in (
        "/admin/pledges/pledge/add/",
        f"/admin/pledges/pledge/{anas_pledge.pk}/delete/",
        "/admin/accounts/accesslog/add/",
    ):
        assert client.get(url).status_code == 403, url
    client.get(page)
    entry = AccessLog.objects.get()
    assert client.get("/admin/accounts/accesslog/").status_code == 200
    assert client.post(f"/admin/accounts/accesslog/{entry.pk}/change/", {}).status_code == 403
    assert client.get(f"/admin/accounts/accesslog/{entry.pk}/delete/").status_code == 403
    assert AccessLog.objects.count() == 1


def test_the_account_list_shows_no_address_or_name(client, adam):
    make_persona("supporter")
    User.objects.filter(email="sara@example.org").update(first_name="Sara", last_name="Lima")
    html = client.get("/admin/accounts/user/").content.decode()
    assert "sara@example.org" not in html and "Lima" not in html
    assert not AccessLog.objects.exists()
    found = client.get("/admin/accounts/user/", {"q": "sara@example.org"}).content.decode()
    assert "1 result" in found  # searching by address still finds the account
