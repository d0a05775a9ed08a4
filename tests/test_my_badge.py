"""My pledge: the owner withdraws their badge, or brings it back; no one else can.

Ana pledged from Portugal, Bruno from Spain."""

import pytest

from tests.conftest import make_pledge, press_confirm, signed_in_supporter

pytestmark = pytest.mark.django_db


def test_it_withdraws_and_restores_the_badge(client):
    _, pledge = signed_in_supporter(client, "ana@example.org", "PT", "Ana Silva")
    page = client.get("/my-pledge/").content.decode()
    assert f'href="/badge/{pledge.public_id}/"' in page
    assert "Withdraw my badge" in page
    response = client.post("/my-pledge/badge/", {"pledge": pledge.public_id, "badge": "withdraw"})
    assert response.status_code == 302
    for suffix in ("/", ".svg", ".png"):
        assert client.get(f"/badge/{pledge.public_id}{suffix}").status_code == 410
    assert "Bring my badge back" in client.get("/my-pledge/").content.decode()
    client.post("/my-pledge/badge/", {"pledge": pledge.public_id, "badge": "restore"})
    for suffix in ("/", ".svg", ".png"):
        assert client.get(f"/badge/{pledge.public_id}{suffix}").status_code == 200


def test_it_keeps_the_first_withdrawal_time(client):
    _, pledge = signed_in_supporter(client, "ana@example.org", "PT", "Ana Silva")
    client.post("/my-pledge/badge/", {"pledge": pledge.public_id, "badge": "withdraw"})
    pledge.refresh_from_db()
    first = pledge.badge_withdrawn_at
    client.post("/my-pledge/badge/", {"pledge": pledge.public_id, "badge": "withdraw"})
    pledge.refresh_from_db()
    assert pledge.badge_withdrawn_at == first


def test_it_lets_no_one_withdraw_someone_elses_badge(client):
    signed_in_supporter(client, "ana@example.org", "PT", "Ana Silva")
    bruno = make_pledge("bruno@example.org", "ES", display_name="Bruno García")
    response = client.post("/my-pledge/badge/", {"pledge": bruno.public_id, "badge": "withdraw"})
    assert response.status_code == 404
    bruno.refresh_from_db()
    assert bruno.badge_withdrawn_at is None


def test_it_asks_strangers_to_sign_in(client):
    pledge = make_pledge("ana@example.org", "PT")
    response = client.post("/my-pledge/badge/", {"pledge": pledge.public_id, "badge": "withdraw"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    pledge.refresh_from_db()
    assert pledge.badge_withdrawn_at is None


def test_it_only_takes_post(client):
    signed_in_supporter(client, "ana@example.org", "PT", "Ana Silva")
    assert client.get("/my-pledge/badge/").status_code == 405


def test_it_refuses_an_unknown_choice(client):
    _, pledge = signed_in_supporter(client, "ana@example.org", "PT", "Ana Silva")
    response = client.post("/my-pledge/badge/", {"pledge": pledge.public_id, "badge": "burn"})
    assert response.status_code == 400


def test_the_thank_you_page_links_to_the_badge(client, signed_pledge):
    pledge, path = signed_pledge
    response = press_confirm(client, path)
    assert response.status_code == 200
    assert f'href="/badge/{pledge.public_id}/"' in response.content.decode()
