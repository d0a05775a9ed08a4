"""Delete my data: after a confirmation step and a fresh proof of identity, the
supporter's name, address and account are erased for good, the mail queued for
them is dropped, and the counts stay exactly as they were.

Ana pledged from Portugal and signs in with codes only (no password); she is
also a moderator for Portugal, with a second factor. Bruno pledged from Spain
and chose a password. Carla signed and never confirmed. Adam administers."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import NoReverseMatch, reverse

from accounts import privacy
from accounts import services as account_services
from accounts.models import AccessLog, Role, RoleChange, RoleGrant, User
from mailings.models import Delivery, Suppression
from pledges import counting, services
from pledges.models import Pledge, PledgeEmail, PledgeRequest
from pledges.tokens import make_confirm_token
from tests.conftest import confirm_path, press_confirm
from tests.signin import requests_mail
from tests.staff import enable_mfa, make_persona, make_user
from tests.traces import everywhere

# allauth's emails go through the outbox: the tasks run in-process here.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

ANAS = ["ana@example.org", "Ana Silva", "Ana S."]
CODE = re.compile(r"^([A-Z0-9]{3,}(?:-[A-Z0-9]{3,})*)$", re.MULTILINE)


def counts(client) -> dict:
    cache.delete(counting.COUNTS_CACHE_KEY)
    return client.get("/api/v1/counts").json()["countries"]


def sign_and_confirm(client, sign, data, **changes) -> Pledge:
    sign(data)
    press_confirm(client, confirm_path(mail.outbox[-1]), **changes)
    return Pledge.objects.get(email=data["email"])


@pytest.fixture
def ana_everywhere(client, sign, ana, bruno, django_capture_on_commit_callbacks):
    """Ana's traces in every corner: her pledge (confirmed on the Portuguese page,
    with news, renamed later on My pledge) and the log of its emails, an email
    still owed to her, a signature of her address still in its table, an
    account with a second factor and a moderator's role (granted by Adam, and
    her account then changed in the admin), Adam's look at her pledge, a
    browser she is signed in on, and a sign-in started elsewhere that names
    her address. Bruno pledged too. Returns her pledge and that other browser."""
    visitor = Client()
    pledge = sign_and_confirm(visitor, sign, ana, wants_updates="on")
    sign_and_confirm(visitor, sign, bruno)
    user = make_user("ana@example.org")
    enable_mfa(user)
    adam = make_persona("administrator")
    account_services.grant_role(adam, user, Role.MODERATOR, "PT")
    # An account named by its address (as one made before names were random).
    User.objects.filter(pk=user.pk).update(username="ana@example.org")
    user.refresh_from_db()
    LogEntry.objects.log_actions(adam.pk, [user], CHANGE, change_message="Changed email.")
    privacy.log_access(adam, pledge)
    client.force_login(user)
    data = {"pledge": pledge.public_id, "display_name": "Ana S.", "country": "PT"}
    assert client.post("/my-pledge/", {**data, "language": "pt"}).status_code == 302
    # Signed again: the "already pledged" note is owed, and one more signature waits.
    Pledge.objects.filter(pk=pledge.pk).update(
        email_due=Pledge.EmailDue.ALREADY_PLEDGED, email_requested_at=pledge.confirmed_at
    )
    with django_capture_on_commit_callbacks(execute=False):
        services.sign_pledge(
            display_name="Ana", email="ana@example.org", country="PT", language="pt"
        )
    other_browser = Client()
    other_browser.force_login(user)
    elsewhere = SessionStore()
    elsewhere["sign_in_started"] = {"email": "ANA@example.org"}
    elsewhere.create()
    pledge.refresh_from_db()
    assert pledge.email_due == Pledge.EmailDue.ALREADY_PLEDGED
    assert PledgeEmail.objects.filter(pledge=pledge).exists()
    return pledge, other_browser


def erase_through_the_site(client, path="/my-pledge/delete/") -> object:
    """Tick the box, then prove who you are as allauth asks (for a code-only
    supporter: a code sent to her address), and see the erasure through."""
    assert client.get(path).status_code == 200
    response = client.post(path, {"understand": "on"})
    assert response.status_code == 302
    ask = urlsplit(response.headers["Location"])
    assert ask.path.endswith("/accounts/reauthenticate/code/"), ask
    assert Pledge.objects.filter(email="ana@example.org").exists()  # nothing erased yet
    (next_url,) = parse_qs(ask.query)["next"]
    assert next_url == path
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    sent = len(mail.outbox)
    with requests_mail():
        response = client.post(ask.path, {"recipient": "ana@example.org", "next": next_url})
    assert response.status_code == 302
    assert len(mail.outbox) == sent + 1
    code = CODE.search(mail.outbox[-1].body).group(1)
    confirm = urlsplit(response.headers["Location"]).path
    return client.post(confirm, {"code": code, "next": next_url})


def cannot_sign_in(email: str, password: str | None = None) -> None:
    """No way in with this address: not with a password, nor with a code
    where sign-in by code is on."""
    browser = Client()
    if password:
        response = browser.post("/accounts/login/", {"login": email, "password": password})
        assert response.status_code == 200  # the form again, with its error
    try:
        request_code = reverse("account_request_login_code")
    except NoReverseMatch:
        request_code = None
    if request_code:
        sent = len(mail.outbox)
        with requests_mail():
            browser.post(request_code, {"email": email})
        assert not any(CODE.search(message.body) for message in mail.outbox[sent:])
    assert "_auth_user_id" not in browser.session
    assert not User.objects.filter(email__iexact=email).exists()
    assert not EmailAddress.objects.filter(email__iexact=email).exists()


def test_it_erases_every_trace_and_keeps_the_counts(client, ana_everywhere):
    pledge, other_browser = ana_everywhere
    old_link = f"/confirm/{make_confirm_token(pledge.public_id)}/"
    user_id = EmailAddress.objects.get(email="ana@example.org").user_id
    before = counts(client)
    audit_rows = RoleChange.objects.count()
    # The search finds what is there: her traces now, Bruno's throughout.
    found = everywhere("ana@example.org")
    for place in [
        "pledges_pledge.email",
        "pledges_pledgerequest.email",
        "accounts_user.email",
        "account_emailaddress.email",
        "django_admin_log.object_repr",
    ]:
        assert place in found
    assert any(place.startswith("session ") for place in found)
    assert "pledges_pledge.display_name" in everywhere("Ana S.")
    # Her welcome email's delivery row, and a bounce once recorded for her address.
    assert Delivery.objects.filter(pledge_id=pledge.pk).exists()
    Suppression.objects.create(address="ana@example.org", reason=Suppression.Reason.BOUNCED)
    assert "mailings_suppression.address" in everywhere("ana@example.org")

    response = erase_through_the_site(client)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/").content.decode()
    assert "Your data has been erased." in home
    assert "Signed in as" not in home
    for text in ANAS:
        assert everywhere(text) == [], text
    assert "pledges_pledge.email" in everywhere("bruno@example.org")
    assert counts(client) == before == {"ES": 1, "PT": 1}
    assert counting.reconcile_counts() == {}  # and the counters still agree with the rows
    anonymous = Pledge.objects.get(pk=pledge.pk)
    assert (anonymous.email, anonymous.display_name, anonymous.country.code) == (None, "", "PT")
    assert anonymous.confirmed_at == pledge.confirmed_at.replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    assert anonymous.erased_at is not None
    assert anonymous.public_id != pledge.public_id
    assert anonymous.email_due == ""
    assert not PledgeEmail.objects.filter(pledge=pledge).exists()
    assert not Delivery.objects.filter(pledge_id=pledge.pk).exists()
    assert not PledgeRequest.objects.exists()
    assert not User.objects.filter(pk=user_id).exists()
    assert not Authenticator.objects.filter(user_id=user_id).exists()
    assert not RoleGrant.objects.filter(user_id=user_id).exists()
    assert RoleChange.objects.count() == audit_rows  # the trails keep bare ids
    assert AccessLog.objects.filter(object_id=str(pledge.pk)).exists()
    assert other_browser.get("/my-pledge/").status_code == 302  # signed out there too
    assert client.get(old_link).status_code == 404
    cannot_sign_in("ana@example.org")


def test_a_pending_pledge_is_simply_deleted(client, sign):
    carla = {"display_name": "Carla", "email": "carla@example.org", "country": "PT", "pledge": "on"}
    sign(carla)
    old_link = confirm_path(mail.outbox[-1])
    user = make_user("carla@example.org")
    client.force_login(user)
    before = counts(client)
    pledge = Pledge.objects.get(email="carla@example.org")
    assert PledgeEmail.objects.filter(pledge=pledge).exists()
    privacy.erase(user)
    assert not Pledge.objects.filter(pk=pledge.pk).exists()
    assert not PledgeEmail.objects.exists()
    assert everywhere("carla@example.org") == []
    assert counts(client) == before == {}
    assert client.get(old_link).status_code == 404


def test_it_asks_to_tick_the_box_first(client, sign, ana):
    sign_and_confirm(Client(), sign, ana)
    client.force_login(make_user("ana@example.org"))
    response = client.post("/pt/my-pledge/delete/", {})
    assert response.status_code == 400
    assert "Marque a caixa para confirmar." in response.content.decode()
    assert Pledge.objects.filter(email="ana@example.org", display_name="Ana Silva").exists()
    assert User.objects.filter(email="ana@example.org").exists()


def test_it_asks_visitors_to_sign_in(client):
    for method in (client.get, client.post):
        response = method("/my-pledge/delete/")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/accounts/login/")


def test_an_email_sent_while_the_pledge_is_erased_leaves_no_trace(sign, ana):
    pledge = sign_and_confirm(Client(), sign, ana)
    user = make_user("ana@example.org")
    privacy.erase(user)
    # A worker that was mid-send when she erased her data records it afterwards.
    assert PledgeEmail.objects.record(pledge.pk, "already_pledged", pledge.confirmed_at) is False
    assert not PledgeEmail.objects.exists()
