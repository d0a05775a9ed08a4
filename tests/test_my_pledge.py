"""My pledge: a signed-in supporter sees and changes their own pledge, the one
whose address is one of their verified addresses, and no one else's.

Ana pledged from Portugal, Bruno from Spain; Carla signed but never confirmed;
Sara has an account and no pledge."""

import re
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core.cache import cache

from pledges import counting
from pledges.forms import WORDING_VERSION
from tests.conftest import make_pledge, press_confirm, signed_in_supporter
from tests.staff import make_user

pytestmark = pytest.mark.django_db


def counts(client) -> dict:
    """What /api/v1/counts says now (its 2-second cache emptied first)."""
    cache.delete(counting.COUNTS_CACHE_KEY)
    return client.get("/api/v1/counts").json()["countries"]


def preferences(pledge, **changes) -> dict:
    """The form as the page shows it, with the changes."""
    data = {
        "pledge": str(pledge.public_id),
        "display_name": pledge.display_name,
        "country": pledge.country.code,
        "language": pledge.language,
    }
    if pledge.show_publicly:
        data["show_publicly"] = "on"
    if pledge.wants_updates:
        data["wants_updates"] = "on"
    return {**data, **changes}


@pytest.fixture
def anas_pledge(client):
    """Ana, signed in, whose confirmed pledge is from Portugal."""
    return signed_in_supporter(client, "ana@example.org", "PT", "Ana Silva")[1]


@pytest.mark.parametrize("path", ["/my-pledge/", "/pt/my-pledge/"])
def test_it_asks_visitors_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    language = path.removesuffix("/my-pledge/")  # "" or "/pt": sign in in the same language
    assert response.headers["Location"].startswith(f"{language}/accounts/login/?next=")
    assert client.post(path, {}).status_code == 302


def test_it_shows_the_supporters_own_pledge(client, anas_pledge):
    response = client.get("/my-pledge/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your pledge with <bdi>ana@example.org</bdi>" in html
    assert 'name="display_name" value="Ana Silva"' in html
    assert '<option value="PT" selected>' in html
    assert '<option value="en" selected>' in html
    assert f'name="pledge" value="{anas_pledge.public_id}"' in html
    assert 'href="/my-pledge/my-data.json"' in html
    assert 'href="/my-pledge/delete/"' in html
    assert "no-store" in response.headers["Cache-Control"]


def test_it_links_a_pledge_through_a_verified_address_whatever_its_case(client):
    make_pledge("ana@example.org", "PT", display_name="Ana Silva")
    user = make_user("Ana@Example.ORG")
    client.force_login(user)
    assert "Ana Silva" in client.get("/my-pledge/").content.decode()


def test_an_unverified_address_links_to_no_pledge(client):
    ana = make_pledge("ana@example.org", "PT", display_name="Ana Silva")
    user = make_user("mallory@example.org")
    EmailAddress.objects.create(user=user, email="ana@example.org", verified=False)
    client.force_login(user)
    html = client.get("/my-pledge/").content.decode()
    assert "Ana Silva" not in html
    assert "You have not taken the pledge" in html
    response = client.post("/my-pledge/", preferences(ana, display_name="Mallory"))
    assert response.status_code == 404
    ana.refresh_from_db()
    assert ana.display_name == "Ana Silva"


def test_a_supporter_never_sees_or_changes_another_supporters_pledge(client, anas_pledge):
    bruno = make_pledge("bruno@example.org", "ES", display_name="Bruno García")
    html = client.get("/my-pledge/").content.decode()
    assert "Bruno" not in html
    assert "bruno@example.org" not in html
    assert str(bruno.public_id) not in html
    response = client.post("/my-pledge/", preferences(bruno, display_name="Ana", country="PT"))
    assert response.status_code == 404
    bruno.refresh_from_db()
    assert (bruno.display_name, bruno.country) == ("Bruno García", "ES")


def test_it_saves_the_preferences_and_moves_the_count_with_the_country(client, anas_pledge):
    make_pledge("bruno@example.org", "ES")
    make_pledge("carla@example.org", "PT")
    assert counts(client) == {"ES": 1, "PT": 2}
    data = preferences(
        anas_pledge, display_name="Ana S.", show_publicly="on", country="ES", language="pt"
    )
    response = client.post("/my-pledge/", data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/my-pledge/"
    anas_pledge.refresh_from_db()
    pledge = anas_pledge
    saved = (pledge.display_name, pledge.show_publicly, pledge.country.code, pledge.language)
    assert saved == ("Ana S.", True, "ES", "pt")
    assert counts(client) == {"ES": 2, "PT": 1}
    assert counting.reconcile_counts() == {}  # the counters agree with the pledges
    assert "Your pledge is up to date." in client.get("/my-pledge/").content.decode()


def test_it_records_when_and_under_which_wording_the_news_choice_was_made(client, anas_pledge):
    confirmed_at = anas_pledge.news_changed_at
    day = timedelta(days=1)
    with time_machine.travel(confirmed_at + day, tick=False):
        response = client.post("/my-pledge/", preferences(anas_pledge, display_name="Ana S."))
        assert response.status_code == 302
    anas_pledge.refresh_from_db()
    assert anas_pledge.news_changed_at == confirmed_at  # no new choice, no new consent
    with time_machine.travel(confirmed_at + 2 * day, tick=False):
        client.post("/my-pledge/", preferences(anas_pledge, wants_updates="on"))
    anas_pledge.refresh_from_db()
    assert anas_pledge.wants_updates is True
    assert anas_pledge.news_changed_at == confirmed_at + 2 * day
    assert anas_pledge.news_wording_version == WORDING_VERSION
    with time_machine.travel(confirmed_at + 3 * day, tick=False):
        data = preferences(anas_pledge)
        del data["wants_updates"]
        client.post("/my-pledge/", data)
    anas_pledge.refresh_from_db()
    assert anas_pledge.wants_updates is False
    assert anas_pledge.news_changed_at == confirmed_at + 3 * day


@pytest.mark.parametrize(
    ("path", "changes", "error"),
    [
        ("/my-pledge/", {"country": "XX"}, "Please choose a country from the list."),
        ("/pt/my-pledge/", {"country": "XX"}, "Escolha um país da lista."),
        ("/es/my-pledge/", {"language": "xx"}, "Elige un idioma de la lista."),
        ("/my-pledge/", {"display_name": "Ana\r\nBcc: x"}, "Please remove line breaks"),
        ("/my-pledge/", {"display_name": ""}, "This field is required."),
    ],
)
def test_it_refuses_bad_input_with_a_translated_error_and_saves_nothing(
    client, anas_pledge, path, changes, error
):
    before = counts(client)
    data = preferences(anas_pledge, display_name="Ana S.", country="ES", wants_updates="on")
    response = client.post(path, {**data, **changes})
    assert response.status_code == 400
    assert error in response.content.decode()
    anas_pledge.refresh_from_db()
    pledge = anas_pledge
    kept = (pledge.display_name, pledge.country.code, pledge.wants_updates)
    assert kept == ("Ana Silva", "PT", False)
    assert counts(client) == before


def test_a_pending_pledge_waits_for_confirmation(client):
    _carla, pledge = signed_in_supporter(
        client, "carla@example.org", "PT", "Carla", confirmed=False
    )
    html = client.get("/my-pledge/").content.decode()
    assert "waits for confirmation" in html
    assert 'href="/confirm/new-link/"' in html
    assert "deleted 30 days after it was signed" in html
    assert 'name="display_name"' not in html
    response = client.post("/my-pledge/", preferences(pledge, display_name="Someone"))
    assert response.status_code == 404
    assert counts(client) == {}


def test_a_supporter_without_a_pledge_is_shown_how_to_take_one(client):
    client.force_login(make_user("sara@example.org"))
    html = client.get("/pt/my-pledge/").content.decode()
    assert "Ainda não assinou o compromisso com o endereço com que iniciou sessão." in html
    assert 'href="/pt/pledge/"' in html


def test_the_thank_you_page_leads_to_my_pledge(client, signed_pledge):
    _pledge, path = signed_pledge
    html = press_confirm(client, path).content.decode()
    assert re.search(r'<a href="/my-pledge/">My pledge</a>', html)


def test_it_shows_each_pledge_of_a_supporter_with_two_verified_addresses(client, anas_pledge):
    make_pledge("ana.work@example.org", "ES", display_name="Ana at work")
    user = EmailAddress.objects.get(email="ana@example.org").user
    EmailAddress.objects.create(user=user, email="ana.work@example.org", verified=True)
    html = client.get("/my-pledge/").content.decode()
    assert "Your pledge with <bdi>ana@example.org</bdi>" in html
    assert "Your pledge with <bdi>ana.work@example.org</bdi>" in html
    assert 'id="id_display_name"' in html and 'id="id_1_display_name"' in html


def test_only_a_confirmed_pledge_takes_changes_even_from_another_tab(client):
    # The page offers no form for a pending pledge; the model refuses too, so a
    # pending (or erased) pledge can never move a count.
    pending = make_pledge("carla@example.org", "PT", confirmed=False)
    changes = {
        "display_name": "Carla",
        "show_publicly": False,
        "on_wall": True,
        "country": "ES",
        "language": "en",
        "wants_updates": True,
        "wording_version": WORDING_VERSION,
        "now": pending.signed_at,
    }
    assert pending.change_preferences(**changes) is False
    pending.refresh_from_db()
    assert (pending.country.code, pending.wants_updates, pending.on_wall) == ("PT", False, False)
    assert counts(client) == {}
