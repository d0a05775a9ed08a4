"""Reviewing suspect pledges in bulk (/staff/review/): Adam the administrator
sees them grouped, with counts only, previews what restoring or invalidating
would change, then does it; the counts follow exactly, and every action is
logged. Nobody else reviews.

Ana (Portugal) is counted. Mallory the attacker signed six addresses at
example.net from one network within minutes and confirmed four of them (three
in Portugal, one in Spain): all six are held as suspect. Olga organises, Paula
moderates Portugal, Sara is a supporter."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from abuse import suspicion
from abuse.clients import keyed
from accounts.models import ReviewAction
from pledges import counting
from pledges.models import Pledge
from tests.conftest import make_pledge
from tests.staff import make_persona, sign_in_as

pytestmark = pytest.mark.django_db

MALLORYS = keyed("203.0.113.66", "network")


@pytest.fixture
def mallorys_burst():
    """Ana counted; Mallory's six held by the worker's own judgement."""
    ana = make_pledge("ana@example.org", "PT", display_name="Ana Silva")
    ana.choose_wall(on_wall=True, show_publicly=True, now=timezone.now())
    countries = ["PT", "PT", "PT", "ES", "PT", "PT"]
    for n, country in enumerate(countries, start=1):
        pledge = make_pledge(
            f"m{n}@example.net", country, display_name="Mallory Fake", confirmed=n <= 4
        )
        Pledge.objects.filter(pk=pledge.pk).update(network_key=MALLORYS)
        if n <= 4:
            pledge.choose_wall(on_wall=True, show_publicly=True, now=timezone.now())
    assert suspicion.judge(pledge.pk, network_key=MALLORYS, signed_at=pledge.signed_at) == 6
    assert counts() == {"PT": 1}
    return ana


def counts() -> dict[str, int]:
    return counting.compute_counts()["countries"]


def api_counts(client) -> dict[str, int]:
    return client.get("/api/v1/counts").json()["countries"]


def standings() -> dict[str, str]:
    return dict(Pledge.objects.values_list("email", "standing"))


def test_the_list_groups_suspects_with_counts_and_no_address_or_name(client, mallorys_burst):
    sign_in_as(client, "administrator")
    response = client.get("/staff/review/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "6 pledges are held as suspect." in html
    assert f"<code>{MALLORYS[:8]}</code>" in html
    assert '<th scope="row">example.net</th>' in html
    for private in ["m1@example.net", "ana@example.org", "Mallory Fake", "Ana Silva"]:
        assert private not in html


def test_the_preview_says_what_each_action_would_change_and_changes_nothing(client, mallorys_burst):
    sign_in_as(client, "administrator")
    before = standings()
    response = client.get("/staff/review/preview/", {"network": MALLORYS[:8]})
    assert response.status_code == 200
    restore, invalidate = response.context["previews"]
    assert (restore.pledges, restore.counts) == ({"ES": 1, "PT": 5}, {"ES": 1, "PT": 3})
    assert (invalidate.pledges, invalidate.counts) == ({"ES": 1, "PT": 5}, {})
    html = response.content.decode()
    assert "This changes 6 pledges; the counts change by +4." in html
    assert "This changes 6 pledges; the counts change by +0." in html
    assert standings() == before
    assert not ReviewAction.objects.exists()


def test_restoring_adds_exactly_what_it_restores_and_is_logged(
    client, mallorys_burst, django_capture_on_commit_callbacks
):
    adam, _secret = sign_in_as(client, "administrator")
    assert api_counts(client) == {"PT": 1}  # now in the cache
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/staff/review/apply/", {"action": "restore", "network": MALLORYS}, follow=True
        )
    assert response.status_code == 200
    assert "6 pledges restored; the counts changed by +4." in response.content.decode()
    assert set(standings().values()) == {""}
    # At once, though the counts were cached a moment ago.
    assert api_counts(client) == counts() == {"PT": 4, "ES": 1}
    assert counting.reconcile_counts() == {}
    logged = ReviewAction.objects.get()
    assert (logged.actor_id, logged.action, logged.criteria) == (
        adam.pk,
        "restore",
        {"network": MALLORYS},
    )
    assert (logged.pledges_changed, logged.counted_delta) == (6, 4)
    assert logged.country_deltas == {"ES": 1, "PT": 3}


def test_invalidating_removes_exactly_what_it_invalidates_and_is_logged(
    client, mallorys_burst, django_capture_on_commit_callbacks
):
    sign_in_as(client, "administrator")
    # Restored by mistake, then invalidated: counted ones leave the counts.
    client.post("/staff/review/apply/", {"action": "restore", "domain": "example.net"})
    assert counts() == {"PT": 4, "ES": 1}
    cache.clear()
    assert "Mallory Fake" in client.get("/wall/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/staff/review/apply/",
            {"action": "invalidate", "domain": "EXAMPLE.NET", "everything": "on"},
        )
    assert response.status_code == 302
    assert counts() == {"PT": 1}
    assert counting.reconcile_counts() == {}
    assert standings() == {
        "ana@example.org": "",
        **{f"m{n}@example.net": "invalid" for n in range(1, 7)},
    }
    wall = client.get("/wall/").content.decode()
    assert "Ana Silva" in wall and "Mallory Fake" not in wall
    logged = ReviewAction.objects.first()
    assert (logged.action, logged.criteria) == (
        "invalidate",
        {"domain": "example.net", "everything": True},
    )
    assert (logged.pledges_changed, logged.counted_delta, logged.country_deltas) == (
        6,
        -4,
        {"ES": -1, "PT": -3},
    )


def test_by_default_an_action_takes_suspect_pledges_only(client, mallorys_burst):
    sign_in_as(client, "administrator")
    now = timezone.now()
    window = {"signed_from": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")}
    client.post("/staff/review/apply/", {"action": "invalidate", **window})
    # Ana, counted, signed in the window too, and stays counted.
    assert standings()["ana@example.org"] == ""
    assert counts() == {"PT": 1}
    # Restoring without `everything` leaves the invalid ones invalid.
    client.post("/staff/review/apply/", {"action": "restore", **window})
    assert set(standings().values()) == {"", "invalid"}
    assert ReviewAction.objects.count() == 2
    assert ReviewAction.objects.first().pledges_changed == 0


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"action": "restore"}, "Choose a network, a domain or a time window."),
        ({"action": "restore", "network": "mallory"}, "A network is 8 to 32 of the characters"),
        ({"action": "restore", "network": "abc"}, "A network is 8 to 32 of the characters"),
        ({"action": "restore", "domain": "not a domain"}, "Enter a domain such as example.org."),
        (
            {
                "action": "restore",
                "signed_from": "2026-12-01T11:00",
                "signed_before": "2026-12-01T10:00",
            },
            "The end of the time window is not after its start.",
        ),
        ({"action": "restore", "signed_from": "yesterday"}, "Enter a valid date/time."),
        ({"action": "forget", "network": MALLORYS}, "Select a valid choice."),
    ],
)
def test_bad_criteria_are_a_400_that_says_why_and_change_nothing(
    client, mallorys_burst, data, error
):
    sign_in_as(client, "administrator")
    before = standings()
    response = client.post("/staff/review/apply/", data)
    assert response.status_code == 400
    assert error in response.content.decode()
    preview = client.get("/staff/review/preview/", {k: v for k, v in data.items() if k != "action"})
    assert preview.status_code == (200 if data["action"] == "forget" else 400)
    assert standings() == before
    assert counts() == {"PT": 1}
    assert not ReviewAction.objects.exists()


@pytest.mark.parametrize("persona", ["organiser", "moderator_pt"])
def test_only_administrators_review(client, mallorys_burst, persona):
    sign_in_as(client, persona)
    before = standings()
    assert client.get("/staff/review/").status_code == 403
    assert client.get("/staff/review/preview/", {"network": MALLORYS}).status_code == 403
    response = client.post("/staff/review/apply/", {"action": "restore", "network": MALLORYS})
    assert response.status_code == 403
    assert standings() == before
    assert counts() == {"PT": 1}
    assert not ReviewAction.objects.exists()


def test_a_supporter_learns_nothing_and_an_administrator_needs_a_second_factor(
    client, mallorys_burst
):
    client.force_login(make_persona("supporter"))
    assert client.post("/staff/review/apply/", {"action": "restore"}).status_code == 404
    client.force_login(make_persona("administrator"))  # no MFA set up yet
    response = client.post("/staff/review/apply/", {"action": "restore", "network": MALLORYS})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/totp/activate/")
    assert set(standings().values()) == {"", "suspect"}


def test_the_previews_button_applies_exactly_what_was_previewed(client, mallorys_burst):
    sign_in_as(client, "administrator")
    asked = {"domain": "example.net", "signed_from": "2000-01-01T00:00", "everything": "on"}
    html = client.get("/staff/review/preview/", asked).content.decode()
    forms = re.findall(
        r'<form method="post" action="/staff/review/apply/">(.*?)</form>', html, re.S
    )
    restore = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', forms[0]))
    del restore["csrfmiddlewaretoken"]
    assert restore == {**asked, "action": "restore"}
    client.post("/staff/review/apply/", restore)
    assert counts() == {"PT": 4, "ES": 1}
