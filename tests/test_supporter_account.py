"""Confirming a pledge proves the address is the supporter's: from then on it
signs them in with a code, with no sign-up and no password. Dora pledges."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from accounts.services import ensure_supporter_account
from tests.conftest import confirm_path, press_confirm
from tests.signin import code_in, requests_mail

# allauth's emails go through the outbox: the tasks run in-process here.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

DORA = {"display_name": "Dora Costa", "email": "dora@example.org", "country": "PT", "pledge": "on"}


def test_confirming_gives_the_address_an_account_that_signs_in_by_code(sign, client):
    sign(DORA)
    press_confirm(client, confirm_path(mail.outbox[0]))
    dora = User.objects.get(email="dora@example.org")
    assert not dora.has_usable_password()
    assert "dora" not in dora.username  # nothing derived from the address
    assert EmailAddress.objects.filter(user=dora, email="dora@example.org", verified=True).exists()

    browser = Client()
    with requests_mail():
        response = browser.post("/accounts/login/", {"login": "dora@example.org"})
    assert response.status_code == 302
    response = browser.post(response.headers["Location"], {"code": code_in(mail.outbox[-1])})
    assert response.status_code == 302
    assert response.headers["Location"] == "/my-pledge/"
    assert "Dora Costa" in browser.get("/my-pledge/").content.decode()


def test_an_account_that_already_uses_the_address_is_theirs(sign, client):
    dora = User.objects.create_user(username="d", email="dora@example.org")
    EmailAddress.objects.create(user=dora, email="dora@example.org", verified=False)
    sign(DORA)
    press_confirm(client, confirm_path(mail.outbox[0]))
    assert User.objects.count() == 1
    assert EmailAddress.objects.get(email="dora@example.org").verified


def test_an_unconfirmed_signature_makes_no_account(sign):
    sign(DORA)
    assert not User.objects.exists()


def test_it_keeps_an_address_typed_in_capitals_in_lower_case_and_signs_it_in(sign, client):
    sign({**DORA, "email": "Dora.Costa@Example.ORG"})
    press_confirm(client, confirm_path(mail.outbox[0]))
    dora = User.objects.get()
    assert dora.email == "dora.costa@example.org"
    assert EmailAddress.objects.get(user=dora).email == "dora.costa@example.org"

    browser = Client()
    with requests_mail():
        response = browser.post("/accounts/login/", {"login": "DORA.COSTA@example.org"})
    response = browser.post(response.headers["Location"], {"code": code_in(mail.outbox[-1])})
    assert response.headers["Location"] == "/my-pledge/"
    # Confirming again (another pledge link, say) finds the same account.
    assert ensure_supporter_account("dora.costa@EXAMPLE.org") == dora
    assert User.objects.count() == EmailAddress.objects.count() == 1


def test_it_finds_the_account_with_an_index_not_by_reading_every_account():
    # Each lookup of a confirmation must be an index probe: a scan of every
    # account would make confirming slower with every supporter (issue 13).
    dora = User.objects.create_user(username="d", email="dora@example.org")
    EmailAddress.objects.create(user=dora, email="dora@example.org", verified=False)
    for email in ("dora@example.org", "eve@example.org"):
        with CaptureQueriesContext(connection) as queries:
            ensure_supporter_account(email)
        lookups = [
            q["sql"]
            for q in queries.captured_queries
            if q["sql"].startswith("SELECT")
            and ("account_emailaddress" in q["sql"] or "accounts_user" in q["sql"])
        ]
        assert lookups
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            for sql in lookups:
                cursor.execute(f"EXPLAIN {sql}")
                plan = "\n".join(row[0] for row in cursor.fetchall())
                # A probe has an Index Cond; a full scan of an index only filters.
                assert "Index Cond" in plan and "Seq Scan" not in plan, plan
