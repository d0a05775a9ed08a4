"""The honeypot on every public form: a field people never see or reach, which
form-filling scripts fill in. Filled, the form gets the answer a person gets,
and nothing is written, sent, counted or changed.

Mallory's script fills in every field it finds; Ana fills in what she sees."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core import mail
from django.test import Client

from abuse.forms import TRAP_FIELD
from campaign.models import LaunchRequest, LaunchSubscription
from campaign.tokens import make_launch_token
from core.models import OutgoingEmail
from mailings.tokens import make_token
from pledges.models import Pledge, PledgeRequest
from pledges.tokens import make_confirm_token, make_wall_choice_token
from tests.conftest import ANA, make_pledge
from tests.launch import subscribe, upcoming_country
from tests.signin import requests_mail
from tests.staff import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

FILLED = {TRAP_FIELD: "https://spam.example"}


def post(client, path, data, captured):
    with captured(execute=True):  # whatever it queued runs, as on a real commit
        return client.post(path, data)


def answers(response) -> tuple:
    return response.status_code, response.headers.get("Location"), response.content


def test_it_hides_the_field_from_people_and_screen_readers(client):
    html = client.get("/pledge/").content.decode()
    trap = re.search(r'<div class="leave-empty" aria-hidden="true">.*?</div>', html, re.S)
    assert trap, "the honeypot is in a container hidden from screen readers"
    field = trap.group(0)
    assert '<label for="id_website">Leave this field empty</label>' in field
    tag = re.search(r"<input[^>]*>", field).group(0)
    assert f'name="{TRAP_FIELD}"' in tag
    assert 'tabindex="-1"' in tag and 'autocomplete="off"' in tag
    assert "value=" not in tag and "style=" not in html
    # Out of sight by the site's own stylesheet, not by an inline style.
    stylesheet = Path(finders.find("css/site.css")).read_text()
    assert re.search(r"\.leave-empty \{ position: absolute; inset-inline-start: -", stylesheet)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/pledge/",
        "/confirm/new-link/",
        "/countries/pt/",
        "/countries/pt/notify/",
        "/accounts/login/",
        "/accounts/login/code/",
        "/accounts/signup/",
    ],
)
def test_every_public_form_carries_it(client, path):
    upcoming_country("PT")
    html = client.get(path).content.decode()
    forms = re.findall(r'<form[^>]*method="post".*?</form>', html, re.S)
    public = [form for form in forms if "account_logout" not in form and "csrf" in form]
    assert public
    for form in public:
        if 'name="email"' in form or 'name="login"' in form or 'name="pledge"' in form:
            assert f'name="{TRAP_FIELD}"' in form, form


def test_a_filled_pledge_form_is_answered_as_ana_is_and_writes_nothing(
    django_capture_on_commit_callbacks,
):
    ana = post(Client(), "/pledge/", ANA, django_capture_on_commit_callbacks)
    assert PledgeRequest.objects.count() == 0 and Pledge.objects.count() == 1
    assert len(mail.outbox) == 1
    mallory = post(
        Client(),
        "/pledge/",
        {**ANA, "email": "victim@example.org", **FILLED},
        django_capture_on_commit_callbacks,
    )
    assert answers(mallory) == answers(ana) == (302, "/pledge/sent/", b"")
    # Never written, never emailed, never counted.
    assert not Pledge.objects.filter(email="victim@example.org").exists()
    assert PledgeRequest.objects.count() == 0
    assert len(mail.outbox) == 1


def test_a_filled_new_link_form_sends_nothing(django_capture_on_commit_callbacks):
    make_pledge("ana@example.org", "PT", confirmed=False)
    data = {"email": "ana@example.org", **FILLED}
    response = post(Client(), "/confirm/new-link/", data, django_capture_on_commit_callbacks)
    assert answers(response) == (302, "/pledge/sent/", b"")
    assert PledgeRequest.objects.count() == 0
    assert mail.outbox == []


def test_a_filled_launch_sign_up_writes_nothing(django_capture_on_commit_callbacks):
    upcoming_country("PT")
    data = {"email": "victim@example.org", **FILLED}
    response = post(Client(), "/countries/pt/notify/", data, django_capture_on_commit_callbacks)
    assert answers(response) == (302, "/countries/pt/notify/sent/", b"")
    assert not LaunchRequest.objects.exists() and not LaunchSubscription.objects.exists()
    assert mail.outbox == []


def test_a_filled_confirmation_is_thanked_and_confirms_nothing(client):
    pledge = make_pledge("ana@example.org", "PT", confirmed=False)
    path = f"/confirm/{make_confirm_token(pledge.public_id)}/"
    data = {"display_name": "Ana", "country": "PT", **FILLED}
    response = client.post(path, data)
    assert response.status_code == 200
    assert "Thank you for standing with the victims" in response.content.decode()
    pledge.refresh_from_db()
    assert not pledge.is_confirmed


def test_a_filled_wall_choice_changes_nothing(client):
    pledge = make_pledge("ana@example.org", "PT")
    data = {"choice": make_wall_choice_token(pledge.public_id), "on_wall": "on", **FILLED}
    response = client.post("/confirm/wall-choice/", data)
    assert response.status_code == 200
    assert "Your choice is saved" in response.content.decode()
    pledge.refresh_from_db()
    assert not pledge.on_wall


def test_a_filled_unsubscribe_or_preferences_form_changes_nothing(client):
    pledge = make_pledge("ana@example.org", "PT", wants_updates=True)
    token = make_token(pledge.public_id)
    unsubscribed = client.post(f"/unsubscribe/{token}/", FILLED)
    assert unsubscribed.status_code == 200
    assert "You are unsubscribed" in unsubscribed.content.decode()
    saved = client.post(f"/email-preferences/{token}/", {"language": "pt", **FILLED})
    assert saved.status_code == 200
    assert "Your choices are saved." in saved.content.decode()
    pledge.refresh_from_db()
    assert (pledge.wants_updates, pledge.language) == (True, "en")


def test_a_filled_launch_confirmation_confirms_nothing(client):
    subscription = subscribe("ana@example.org", upcoming_country("PT"), confirmed=False)
    path = f"/countries/notify/{make_launch_token(subscription.public_id)}/"
    assert f'name="{TRAP_FIELD}"' in client.get(path).content.decode()
    response = client.post(path, FILLED)
    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.confirmed_at is None


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/accounts/login/", {"login": "ana@example.org"}),
        ("/accounts/login/code/", {"email": "ana@example.org"}),
        ("/accounts/signup/", {"email": "mallory@example.org"}),
    ],
)
def test_a_filled_sign_in_or_sign_up_form_gets_an_error_and_no_code(client, path, data):
    make_user("ana@example.org")
    with requests_mail():
        response = client.post(path, {**data, **FILLED})
    assert response.status_code == 200
    assert "Please leave the field “Leave this field empty” empty." in response.content.decode()
    assert not OutgoingEmail.objects.exists()
    assert mail.outbox == []
