"""Signing in with a code sent by email, through the real path: the live server over
HTTP, allauth's mail going out over SMTP to a real server (the SMTP sink), the code
read from the email that arrived there. allauth's emails go through the outbox
like every other; the tasks run in-process here (eager_tasks), so no Celery
worker takes part (tests/test_outgoing_email.py covers the worker's path).

Ana has an account (her address verified); Bruno has none."""

import re

import pytest
from allauth.account.models import EmailAddress

from accounts.models import User
from tests.browserless import CSRF_INPUT, Visitor
from tests.signin import code_in
from tests.staff import make_user

# allauth's emails go through the outbox: the tasks run in-process here (in the
# live server's thread), so the emails still reach the SMTP sink.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager_tasks")]

ANA = "ana@example.org"
BRUNO = "bruno@example.org"


def signed_in(visitor: Visitor) -> bool:
    # The account pages send anyone not signed in to the sign-in page.
    _status, url, _page = visitor.get("/accounts/email/")
    return url == visitor.base_url + "/accounts/email/"


def test_it_signs_in_with_the_code_from_the_email(live_server, smtp_inbox):
    make_user(ANA)
    ana = Visitor(live_server.url)

    status, url, _page = ana.submit("/accounts/login/code/", {"email": ANA})
    assert (status, url) == (200, live_server.url + "/accounts/login/code/confirm/")
    [(recipients, message)] = smtp_inbox.wait_for(1)
    assert recipients == [ANA]
    assert message["Subject"] == "Your Blue Heart sign-in code"

    assert not signed_in(ana)
    _status, url, _page = ana.submit("/accounts/login/code/confirm/", {"code": code_in(message)})
    # Where signing in lands (LOGIN_REDIRECT_URL).
    assert url == live_server.url + "/my-pledge/"
    assert signed_in(ana)
    assert f"Signed in as <bdi>{ANA}</bdi>" in ana.get("/accounts/email/")[2]


def test_it_lands_a_portuguese_supporter_on_the_portuguese_page(live_server, smtp_inbox):
    make_user(ANA)
    ana = Visitor(live_server.url)
    ana.submit("/pt/accounts/login/", {"login": ANA})
    [(_recipients, message)] = smtp_inbox.wait_for(1)
    assert message["Subject"] == "O seu código para iniciar sessão no Coração Azul"
    _status, url, _page = ana.submit("/pt/accounts/login/code/confirm/", {"code": code_in(message)})
    assert url == live_server.url + "/pt/my-pledge/"


def test_it_signs_up_with_an_email_address_alone_verified_by_code(live_server, smtp_inbox):
    bruno = Visitor(live_server.url)
    _status, _url, form = bruno.get("/accounts/signup/")
    # The address alone, and the honeypot that no person sees (abuse/forms.py).
    fields = {"csrfmiddlewaretoken", "email", "website"}
    assert set(re.findall(r'<input[^>]* name="([^"]+)"', form)) == fields

    status, url, _page = bruno.submit("/accounts/signup/", {"email": BRUNO})
    assert (status, url) == (200, live_server.url + "/accounts/confirm-email/")
    [(recipients, message)] = smtp_inbox.wait_for(1)
    assert recipients == [BRUNO]
    assert message["Subject"] == "Confirm your email address for Blue Heart"
    assert not EmailAddress.objects.get(email=BRUNO).verified

    _status, url, _page = bruno.submit("/accounts/confirm-email/", {"code": code_in(message)})
    assert url == live_server.url + "/my-pledge/"
    assert EmailAddress.objects.get(email=BRUNO).verified
    account = User.objects.get(email=BRUNO)
    assert not account.has_usable_password()
    assert "bruno" not in account.username  # nothing personal in the username


def masked(page: str, address: str) -> str:
    """The page as anyone would see it: without the address typed and the token."""
    return page.replace(address, "ADDRESS").replace(CSRF_INPUT.search(page).group(1), "TOKEN")


@pytest.mark.parametrize(
    ("path", "field"), [("/accounts/login/code/", "email"), ("/accounts/signup/", "email")]
)
def test_it_answers_an_address_with_an_account_as_one_without(live_server, smtp_inbox, path, field):
    make_user(ANA)
    ana, bruno = Visitor(live_server.url), Visitor(live_server.url)
    ana_status, ana_url, ana_page = ana.submit(path, {field: ANA})
    bruno_status, bruno_url, bruno_page = bruno.submit(path, {field: BRUNO})

    assert (ana_status, ana_url) == (bruno_status, bruno_url)
    assert masked(ana_page, ANA) == masked(bruno_page, BRUNO)
    # Each address got one email; what it says is for its owner's eyes only.
    assert sorted(recipients for recipients, _message in smtp_inbox.wait_for(2)) == [
        [ANA],
        [BRUNO],
    ]


def test_it_refuses_a_wrong_code_with_a_translated_error(live_server, smtp_inbox):
    make_user(ANA)
    ana = Visitor(live_server.url)
    ana.submit("/pt/accounts/login/code/", {"email": ANA})
    smtp_inbox.wait_for(1)

    status, url, page = ana.submit("/pt/accounts/login/code/confirm/", {"code": "AAAA-AAAA"})
    assert (status, url) == (200, live_server.url + "/pt/accounts/login/code/confirm/")
    assert '<ul class="errorlist" id="id_code_error"><li>Código errado.</li></ul>' in page
    assert 'aria-invalid="true"' in page
    assert not signed_in(ana)


def test_it_stops_taking_codes_after_three_wrong_ones(live_server, smtp_inbox):
    make_user(ANA)
    ana = Visitor(live_server.url)
    ana.submit("/accounts/login/code/", {"email": ANA})
    [(_recipients, message)] = smtp_inbox.wait_for(1)

    for _attempt in range(3):
        ana.submit("/accounts/login/code/confirm/", {"code": "AAAA-AAAA"})
    _status, url, _page = ana.submit(
        "/accounts/login/code/confirm/",
        {"code": code_in(message)},
        form_page="/accounts/login/code/",
    )
    assert url == live_server.url + "/accounts/login/code/"
    assert not signed_in(ana)


def test_it_limits_how_often_one_address_can_ask_for_a_code(live_server, smtp_inbox):
    make_user(ANA)
    for _request in range(3):  # allauth's default: 3 a minute for one address
        Visitor(live_server.url).submit("/accounts/login/code/", {"email": ANA})
    smtp_inbox.wait_for(3)

    # Whoever asks, in whatever session.
    status, url, page = Visitor(live_server.url).submit("/accounts/login/code/", {"email": ANA})
    assert (status, url) == (200, live_server.url + "/accounts/login/code/")
    assert "Too many failed login attempts. Try again later." in page
    assert len(smtp_inbox.messages) == 3
