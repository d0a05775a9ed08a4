"""Granting and revoking roles: who may, the audit trail, and a fresh second
factor before any change."""

import pytest

from accounts.models import Role, RoleChange, RoleGrant, User
from accounts.rules import can
from tests.staff import enable_mfa, make_persona, sign_in_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def olga(client):
    """Olga the organiser, signed in with MFA and freshly re-authenticated."""
    return sign_in_as(client, "organiser", reauthenticated=True)[0]


@pytest.fixture
def adam(client):
    return sign_in_as(client, "administrator", reauthenticated=True)[0]


def test_it_asks_for_a_fresh_second_factor_before_a_change(client):
    olga = make_persona("organiser")
    enable_mfa(olga)
    sara = make_persona("supporter")
    client.force_login(olga)
    data = {"email": sara.email, "role": Role.MODERATOR, "country": "PT"}
    response = client.post("/staff/roles/grant/", data)
    assert response.status_code == 302
    assert "/reauthenticate/" in response.headers["Location"]
    assert not RoleGrant.objects.filter(user=sara).exists()
    assert not RoleChange.objects.exists()


def test_an_organiser_grants_and_revokes_a_moderator_and_both_are_logged(client, olga):
    sara = make_persona("supporter")
    data = {"email": "SARA@example.org", "role": Role.MODERATOR, "country": "pt"}
    assert client.post("/staff/roles/grant/", data).status_code == 302
    assert list(RoleGrant.objects.filter(user=sara).values_list("role", "country")) == [
        ("moderator", "PT")
    ]
    assert client.post("/staff/roles/revoke/", data).status_code == 302
    assert not RoleGrant.objects.filter(user=sara).exists()
    log = list(
        RoleChange.objects.order_by("id").values_list(
            "actor_id", "subject_id", "action", "role", "country"
        )
    )
    assert log == [
        (olga.pk, sara.pk, "grant", "moderator", "PT"),
        (olga.pk, sara.pk, "revoke", "moderator", "PT"),
    ]
    page = client.get("/staff/roles/").content.decode()
    assert f"for account #{sara.pk} by #{olga.pk}" in page


@pytest.mark.parametrize("role", [Role.ORGANISER, Role.ADMINISTRATOR])
def test_an_organiser_may_grant_no_other_role(client, olga, role):
    sara = make_persona("supporter")
    response = client.post("/staff/roles/grant/", {"email": sara.email, "role": role})
    assert response.status_code == 403
    sara.refresh_from_db()
    assert not sara.is_superuser
    assert not RoleGrant.objects.filter(user=sara).exists()
    assert not RoleChange.objects.exists()


def test_an_administrator_grants_and_revokes_every_role(client, adam):
    sara = make_persona("supporter")
    for role in (Role.ORGANISER, Role.ADMINISTRATOR):
        response = client.post("/staff/roles/grant/", {"email": sara.email, "role": role})
        assert response.status_code == 302
    sara.refresh_from_db()
    assert sara.is_superuser and sara.is_staff
    assert RoleGrant.objects.filter(user=sara, role=Role.ORGANISER).exists()
    client.post("/staff/roles/revoke/", {"email": sara.email, "role": Role.ADMINISTRATOR})
    sara.refresh_from_db()
    assert not sara.is_superuser and not sara.is_staff
    assert RoleChange.objects.count() == 3


def test_an_administrator_cannot_revoke_their_own_role(client, adam):
    response = client.post("/staff/roles/revoke/", {"email": adam.email, "role": "administrator"})
    assert response.status_code == 400
    assert "You cannot revoke your own administrator role." in response.content.decode()
    assert User.objects.get(pk=adam.pk).is_superuser


BAD_INPUT = [
    ({"email": "nobody@example.org", "role": "moderator", "country": "PT"}, "No account uses"),
    ({"email": "sara@example.org", "role": "moderator"}, "A moderator needs a country"),
    ({"email": "sara@example.org", "role": "organiser", "country": "PT"}, "only a moderator"),
    ({"email": "sara@example.org", "role": "moderator", "country": "XX"}, "from the list"),
    ({"email": "sara@example.org", "role": "king"}, "Select a valid choice"),
]


@pytest.mark.parametrize(("data", "message"), BAD_INPUT)
def test_it_refuses_bad_input_and_changes_nothing(client, adam, data, message):
    make_persona("supporter")
    response = client.post("/staff/roles/grant/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not RoleGrant.objects.filter(user__email="sara@example.org").exists()
    assert not RoleChange.objects.exists()


def test_a_moderator_may_not_change_roles(client):
    paula, _secret = sign_in_as(client, "moderator_pt", reauthenticated=True)
    data = {"email": paula.email, "role": Role.MODERATOR, "country": "ES"}
    assert client.post("/staff/roles/grant/", data).status_code == 403
    assert not RoleChange.objects.exists()


def test_a_moderator_acts_only_for_their_own_countries():
    paula, elena = make_persona("moderator_pt"), make_persona("moderator_es")
    olga, adam = make_persona("organiser"), make_persona("administrator")
    assert can(paula, "edit_country", "PT") and not can(paula, "edit_country", "ES")
    assert can(elena, "edit_country", "es") and not can(elena, "edit_country", "PT")
    assert not can(olga, "edit_country", "PT")
    assert can(adam, "edit_country", "ES")
    # Exports are country-scoped: a moderator's hold their countries alone.
    assert can(olga, "export", "ES") and can(paula, "export", "PT")
    assert not can(paula, "export", "ES")
    assert can(adam, "use_admin") and not can(olga, "use_admin")


def test_only_organisers_and_administrators_edit_the_information_pages():
    assert can(make_persona("organiser"), "edit_pages")
    assert can(make_persona("administrator"), "edit_pages")
    assert not can(make_persona("moderator_pt"), "edit_pages")
    assert not can(make_persona("supporter"), "edit_pages")
