"""Country pages a moderator or an administrator may create: a moderator for
the countries granted to them, an administrator for any."""

import pytest

from campaign.models import Country
from tests import content
from tests.staff import sign_in_as

pytestmark = pytest.mark.django_db


def grant_france(user):
    from django.utils import timezone

    from accounts.models import RoleGrant

    RoleGrant.objects.create(user=user, role="moderator", country="FR", granted_at=timezone.now())


def test_a_moderator_sees_their_countries_and_a_button_for_one_without_a_page(client):
    paula = sign_in_as(client, "moderator_pt")[0]
    grant_france(paula)
    page = client.get("/staff/countries/").content.decode()
    assert 'href="/staff/countries/pt/"' in page
    assert "Create the page of France" in page
    assert "/staff/countries/es/" not in page and "Spain" not in page


def test_a_moderator_creates_their_country_s_page_unpublished(client):
    paula = sign_in_as(client, "moderator_pt")[0]
    grant_france(paula)
    response = client.post("/staff/countries/create/", {"code": "FR"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/countries/fr/"
    france = Country.objects.get(code="FR")
    assert not france.is_published
    assert france.history.get().history_user == paula
    # Pressing the button again (another tab) creates nothing more.
    assert client.post("/staff/countries/create/", {"code": "fr"}).status_code == 302
    assert Country.objects.filter(code="FR").count() == 1


def test_an_administrator_sees_every_country_and_creates_any(client):
    sign_in_as(client, "administrator")
    page = client.get("/staff/countries/").content.decode()
    assert "/staff/countries/es/" in page and "/staff/countries/pt/" in page
    assert 'name="code"' in page
    assert client.post("/staff/countries/create/", {"code": "BR"}).status_code == 302
    assert Country.objects.filter(code="BR").exists()


def test_an_unknown_country_is_refused(client):
    sign_in_as(client, "administrator")
    before = content.snapshot()
    response = client.post("/staff/countries/create/", {"code": "XX"})
    assert response.status_code == 400
    assert "Please choose a country from the list." in response.content.decode()
    assert content.snapshot() == before


def test_an_organiser_creates_no_country_page(client):
    sign_in_as(client, "organiser")
    assert client.get("/staff/countries/").status_code == 403
    assert client.post("/staff/countries/create/", {"code": "FR"}).status_code == 403
    assert not Country.objects.filter(code="FR").exists()
