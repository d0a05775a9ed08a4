"""Download my data: a JSON file of everything we hold about the signed-in
supporter, and nothing about anyone else.

Ana (Portugal) and Bruno (Spain) both signed and confirmed; Paula moderates
Portugal, a role Adam the administrator granted her."""

import json

import pytest
import time_machine
from django.core import mail

from accounts import services as account_services
from accounts.models import Role, User
from pledges import services
from pledges.forms import WORDING_VERSION
from pledges.models import Pledge, PledgeRequest
from tests.conftest import confirm_path, press_confirm
from tests.staff import enable_mfa, make_persona, make_user

pytestmark = pytest.mark.django_db

SIGNED = "2026-12-01T10:00:00+00:00"
CONFIRMED = "2026-12-01T10:05:00+00:00"
SIGNED_AGAIN = "2026-12-01T10:20:00+00:00"
DOWNLOADED = "2026-12-01T10:30:00+00:00"


def download(client) -> dict:
    response = client.get("/my-pledge/my-data.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="blue-heart-my-data.json"'
    )
    assert response.headers["Cache-Control"] == "no-store, private"
    return json.loads(response.content)


@pytest.fixture
def two_supporters(client, sign, ana, bruno, django_capture_on_commit_callbacks):
    """Ana and Bruno sign and confirm through the site, Ana with news; Ana signs
    again later (she is told she already pledged), and so does someone with
    Bruno's address, not yet applied. Then Ana makes an account with a second
    factor and signs in. Yields her second factor's secret."""
    with time_machine.travel(SIGNED, tick=False) as clock:
        sign(ana)
        sign(bruno)
        ana_link, bruno_link = (confirm_path(message) for message in mail.outbox)
        clock.move_to(CONFIRMED)
        press_confirm(client, ana_link, wants_updates="on")
        press_confirm(client, bruno_link, wants_updates="on")
        clock.move_to(SIGNED_AGAIN)
        sign(ana)
        assert mail.outbox[-1].subject == "You have already taken the Blue Heart pledge"
        with django_capture_on_commit_callbacks(execute=False):  # still in its table
            services.sign_pledge(
                display_name="B.", email="bruno@example.org", country="ES", language="es"
            )
        clock.move_to(DOWNLOADED)
        user = make_user("ana@example.org")
        secret = enable_mfa(user)
        client.force_login(user)
        yield secret


def test_it_downloads_exactly_what_we_hold_about_the_supporter(client, two_supporters):
    secret = two_supporters
    pledge = Pledge.objects.get(email="ana@example.org")
    assert pledge.supporter_number is not None  # the export gives the badge's number
    bruno = Pledge.objects.get(email="bruno@example.org")
    with time_machine.travel(DOWNLOADED, tick=False):
        response = client.get("/my-pledge/my-data.json")
    body = response.content.decode()
    assert json.loads(body) == {
        "format": 1,
        "generated_at": DOWNLOADED,
        "account": {
            "username": User.objects.get(email="ana@example.org").username,
            "name": "",
            "first_name": "",
            "last_name": "",
            "email": "ana@example.org",
            "email_addresses": [{"email": "ana@example.org", "verified": True, "primary": True}],
            "joined_at": CONFIRMED,  # confirming made the account
            "last_login_at": DOWNLOADED,
            "has_password": False,
        },
        "roles": [],
        "moderated_countries": [],
        "role_changes": [],
        "two_factor_authenticators": [
            {"type": "totp", "created_at": DOWNLOADED, "last_used_at": None}
        ],
        "pledges": [
            {
                "public_id": str(pledge.public_id),
                "email": "ana@example.org",
                "display_name": "Ana Silva",
                "show_publicly": False,
                "on_wall": False,
                "on_wall_changed_at": None,
                "badge_withdrawn_at": None,
                "country": "PT",
                "language": "en",
                "signed_at": SIGNED,
                "confirmed_at": CONFIRMED,
                "supporter_number": pledge.supporter_number,
                "consents": {
                    "pledge": {"given_at": CONFIRMED, "wording_version": WORDING_VERSION},
                    "campaign_news": {
                        "wants_news": True,
                        "choice_made_at": CONFIRMED,
                        "wording_version": WORDING_VERSION,
                    },
                },
                "emails_sent": [
                    {"kind": "confirmation", "sent_at": SIGNED},
                    {"kind": "already_pledged", "sent_at": SIGNED_AGAIN},
                ],
                "campaign_emails": [
                    {
                        "kind": "welcome",
                        "state": "queued",  # no worker runs here: it is still owed
                        "queued_at": CONFIRMED,
                        "finished_at": None,
                    }
                ],
                "email_waiting_to_be_sent": None,
            }
        ],
        "requests_in_progress": [],
        "launch_subscriptions": [],
        "launch_requests_in_progress": [],
    }
    # Nothing of Bruno's (his pledge, his pending request), and never a secret.
    assert "bruno" not in body.lower()
    assert "Bruno" not in body
    assert str(bruno.public_id) not in body
    assert secret not in body


def test_it_shows_bruno_his_own_data_and_not_anas(client, two_supporters):
    client.force_login(make_user("bruno@example.org"))
    data = download(client)
    assert [pledge["display_name"] for pledge in data["pledges"]] == ["Bruno García"]
    assert [r["display_name"] for r in data["requests_in_progress"]] == ["B."]
    assert data["two_factor_authenticators"] == []
    assert "ana" not in json.dumps(data).lower()


def test_it_lists_a_staff_members_roles_and_countries(client):
    adam = make_persona("administrator")
    paula = make_user("paula@example.org")
    account_services.grant_role(adam, paula, Role.MODERATOR, "PT")
    client.force_login(paula)
    data = download(client)
    assert data["roles"] == ["moderator"]
    assert data["moderated_countries"] == ["PT"]
    assert [(c["action"], c["role"], c["country"]) for c in data["role_changes"]] == [
        ("grant", "moderator", "PT")
    ]
    assert "adam" not in json.dumps(data)
    assert data["pledges"] == []


def test_it_includes_an_email_still_waiting_to_be_sent(client):
    user = make_user("carla@example.org")
    with time_machine.travel(SIGNED, tick=False):
        services.sign_pledge(
            display_name="Carla", email="carla@example.org", country="PT", language="pt"
        )
        services.apply_requests(list(PledgeRequest.objects.values_list("pk", flat=True)))
    client.force_login(user)
    (pledge,) = download(client)["pledges"]
    assert pledge["confirmed_at"] is None
    assert pledge["consents"]["pledge"] == {"given_at": None, "wording_version": None}
    assert pledge["emails_sent"] == []
    assert pledge["email_waiting_to_be_sent"] == {"kind": "confirmation", "requested_at": SIGNED}


def test_it_asks_visitors_to_sign_in(client):
    response = client.get("/my-pledge/my-data.json")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login/")
