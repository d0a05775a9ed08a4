"""Fuzzing every public form: whatever Mallory the attacker sends (any field
values, missing or repeated fields, any body, content type, charset, method and
headers; see tests/fuzzing.py), the answer is a success or a 4xx, never a 500;
a refused request (4xx, a rate limit's 429 included) and a GET write nothing;
a success writes only what it is for.

Ana has signed and not confirmed yet: her confirmation link is valid. Bruno has
confirmed: his wall question and his emails' links are valid, and he has an
account. Carla asked to hear of Portugal's launch and has not confirmed.
Mallory holds none of their tokens, but may tamper with them: a tampered token
never acts for anybody.
"""

import string
from urllib.parse import urlencode

import pytest
from allauth.account import app_settings as allauth_settings
from allauth.account import forms as allauth_forms
from allauth.utils import get_form_class
from django.http import QueryDict
from django.test import Client, RequestFactory
from hypothesis import example, given, note
from hypothesis import strategies as st

from accounts.services import ensure_supporter_account
from campaign.forms import LaunchSignupForm
from campaign.models import LaunchSubscription
from campaign.tokens import make_launch_token
from core.models import OutgoingEmail
from mailings.forms import EmailPreferencesForm
from mailings.tokens import make_token as make_email_token
from pledges.forms import ConfirmForm, NewLinkForm, PledgeForm, WallChoiceForm
from pledges.models import Pledge, PledgeRequest
from pledges.tokens import make_confirm_token, make_wall_choice_token
from tests import published
from tests.conftest import make_pledge
from tests.fuzzing import (
    ANY_TEXT,
    HEADERS,
    HOSTILE,
    METHODS,
    Sent,
    assert_answered,
    form_fields,
    fuzz_settings,
    isolated,
    path_segment,
    requests,
    snapshot,
    tampered,
)
from tests.launch import subscribe
from tests.signin import CODE_LINE

pytestmark = pytest.mark.django_db

LANGUAGE_PREFIXES = st.sampled_from(["", "/pt", "/es"])


@pytest.fixture(autouse=True)
def campaign(settings):
    """Portugal waiting to launch, Spain launched; loopback is a trusted proxy,
    so X-Forwarded-For is read (and fuzzed)."""
    settings.TRUSTED_PROXIES = ["127.0.0.0/8", "::1/128"]
    published.portugal()
    published.spain()


def declared(form, **valid) -> dict[str, str]:
    """Every field the form declares, with the valid value given for it (empty
    for any other, such as a trap field that must stay empty)."""
    unknown = set(valid) - set(form.fields)
    assert not unknown, f"{type(form).__name__} has no field {unknown}"
    return {name: valid.get(name, "") for name in form.fields}


def tokens(valid: str, *others: str) -> st.SearchStrategy[str]:
    """The token itself, tampered with, another purpose's token, or anything."""
    mistaken = [st.sampled_from(others)] if others else []
    return st.one_of(st.just(valid), tampered(valid), *mistaken, ANY_TEXT, HOSTILE)


def bruno() -> Pledge:
    # Made in each example, which is rolled back after it (isolated()).
    pledge = make_pledge("bruno@example.org", "ES", display_name="Bruno García", wants_updates=True)
    ensure_supporter_account(pledge.email)
    return pledge


# -- signing -------------------------------------------------------------------

SIGN = declared(
    PledgeForm(), display_name="Ana Silva", email="ana@example.org", country="PT", pledge="on"
)


@given(sent=requests(SIGN), prefix=LANGUAGE_PREFIXES, page=st.sampled_from(["pledge/", ""]))
@fuzz_settings
def test_signing_never_fails_and_writes_at_most_its_request(sent, prefix, page):
    # The home page shows the form but posts it to /pledge/: a POST there is a 405.
    with isolated():
        before = snapshot()
        response = sent.to(f"{prefix}/{page}")
        changes = snapshot().changes_since(before)
    assert_answered(response, changes, sent.method)
    # A signature writes one PledgeRequest; everything else happens in the worker.
    assert changes in ({}, {"pledges_pledgerequest": 1}), changes


@given(data=form_fields(SIGN))
# Always tried: Ana's signature as it should be, and with only the box left
# unticked, where every other field would be there to write.
@example(data=SIGN)
@example(data={**SIGN, "pledge": ""})
@fuzz_settings
def test_a_signature_is_taken_exactly_when_its_form_is_valid(data):
    body = QueryDict(mutable=True)
    for name, value in data.items():
        body.setlist(name, value if isinstance(value, list) else [value])
    form = PledgeForm(body)
    note(f"POST /pledge/ {body.urlencode()!r}")  # printed for a failing example
    with isolated():
        before = snapshot()
        response = Client().post(
            "/pledge/", body.urlencode(), content_type="application/x-www-form-urlencoded"
        )
        changes = snapshot().changes_since(before)
        taken = list(PledgeRequest.objects.values("display_name", "email", "country"))
    assert_answered(response, changes, "POST")
    if response.status_code == 429:
        return  # a rate limit: refused, and (above) nothing written
    if form.is_valid():
        assert (response.status_code, response.headers["Location"]) == (302, "/pledge/sent/")
        assert changes == {"pledges_pledgerequest": 1}
        assert taken == [{key: form.cleaned_data[key] for key in taken[0]}]
    else:
        assert response.status_code == 400


NEW_LINK = declared(NewLinkForm(), email="ana@example.org")


@given(sent=requests(NEW_LINK), prefix=LANGUAGE_PREFIXES)
@fuzz_settings
def test_asking_for_a_new_link_never_fails_and_writes_at_most_its_request(sent, prefix):
    with isolated():
        before = snapshot()
        response = sent.to(f"{prefix}/confirm/new-link/")
        changes = snapshot().changes_since(before)
    assert_answered(response, changes, sent.method)
    assert changes in ({}, {"pledges_pledgerequest": 1}), changes


# -- confirming ----------------------------------------------------------------

CONFIRM = declared(ConfirmForm(), display_name="Ana Silva", country="PT", wants_updates="on")


@given(sent=requests(CONFIRM), prefix=LANGUAGE_PREFIXES, data=st.data())
@fuzz_settings
def test_the_confirmation_page_never_fails_and_only_anas_link_confirms_her(sent, prefix, data):
    with isolated():
        ana = make_pledge("ana@example.org", "PT", confirmed=False, display_name="Ana Silva")
        valid = make_confirm_token(ana.public_id)
        token = data.draw(tokens(valid, make_wall_choice_token(ana.public_id)), label="token")
        before = snapshot()
        response = sent.to(f"{prefix}/confirm/{path_segment(token)}/")
        changes = snapshot().changes_since(before)
        ana.refresh_from_db()
    assert_answered(response, changes, sent.method)
    if token != valid:
        assert not ana.is_confirmed
        assert not changes


WALL_CHOICE = declared(WallChoiceForm(), choice="", on_wall="on", show_publicly="on")


@given(method=METHODS, prefix=LANGUAGE_PREFIXES, data=st.data())
@fuzz_settings
def test_the_wall_question_never_fails_and_only_brunos_token_answers_it(method, prefix, data):
    with isolated():
        pledge = bruno()
        valid = make_wall_choice_token(pledge.public_id)
        token = data.draw(tokens(valid, make_confirm_token(pledge.public_id)), label="choice")
        # The token goes in the form's hidden field, wherever Mallory puts the rest.
        sent = data.draw(requests({**WALL_CHOICE, "choice": token}, st.just(method)), label="sent")
        before = snapshot()
        response = sent.to(f"{prefix}/confirm/wall-choice/")
        changes = snapshot().changes_since(before)
        pledge.refresh_from_db()
    assert_answered(response, changes, sent.method)
    if token != valid:
        assert not pledge.on_wall
        assert not changes


# -- hearing of a launch -------------------------------------------------------

LAUNCH_SIGNUP = declared(LaunchSignupForm(), email="carla@example.org")
COUNTRY_CODES = st.one_of(
    st.sampled_from(["pt", "PT", "es", "fr", "xx"]),
    st.text(st.characters(codec="utf-8"), min_size=2, max_size=2),
)


@given(sent=requests(LAUNCH_SIGNUP), prefix=LANGUAGE_PREFIXES, iso2=COUNTRY_CODES)
@fuzz_settings
def test_asking_to_hear_of_a_launch_never_fails_and_writes_at_most_its_request(sent, prefix, iso2):
    with isolated():
        before = snapshot()
        response = sent.to(f"{prefix}/countries/{path_segment(iso2)}/notify/")
        changes = snapshot().changes_since(before)
    assert_answered(response, changes, sent.method)
    assert changes in ({}, {"campaign_launchrequest": 1}), changes


@given(sent=requests({}), prefix=LANGUAGE_PREFIXES, data=st.data())
@fuzz_settings
def test_the_launch_link_never_fails_and_only_carlas_link_confirms_her(sent, prefix, data):
    with isolated():
        carla = subscribe("carla@example.org", published.portugal(), confirmed=False)
        valid = make_launch_token(carla.public_id)
        token = data.draw(tokens(valid, make_confirm_token(carla.public_id)), label="token")
        before = snapshot()
        response = sent.to(f"{prefix}/countries/notify/{path_segment(token)}/")
        changes = snapshot().changes_since(before)
        confirmed = LaunchSubscription.objects.get(pk=carla.pk).is_confirmed
    assert_answered(response, changes, sent.method)
    if token != valid:
        assert not confirmed
        assert not changes


# -- the links in every email --------------------------------------------------

PREFERENCES = declared(
    EmailPreferencesForm(country_name="Spain"), wants_updates="on", country_news="on", language="pt"
)


@given(sent=requests(PREFERENCES), prefix=LANGUAGE_PREFIXES, data=st.data())
@fuzz_settings
def test_unsubscribing_never_fails_and_only_brunos_link_unsubscribes_him(sent, prefix, data):
    with isolated():
        pledge = bruno()
        valid = make_email_token(pledge.public_id)
        token = data.draw(tokens(valid, make_confirm_token(pledge.public_id)), label="token")
        before = snapshot()
        response = sent.to(f"{prefix}/unsubscribe/{path_segment(token)}/")
        changes = snapshot().changes_since(before)
        pledge.refresh_from_db()
    assert_answered(response, changes, sent.method)
    if token != valid:
        assert pledge.wants_updates
        assert not changes


@given(sent=requests(PREFERENCES), prefix=LANGUAGE_PREFIXES, data=st.data())
@fuzz_settings
def test_email_preferences_never_fail_and_only_brunos_link_changes_them(sent, prefix, data):
    with isolated():
        pledge = bruno()
        valid = make_email_token(pledge.public_id)
        token = data.draw(tokens(valid, make_confirm_token(pledge.public_id)), label="token")
        before = snapshot()
        response = sent.to(f"{prefix}/email-preferences/{path_segment(token)}/")
        changes = snapshot().changes_since(before)
    assert_answered(response, changes, sent.method)
    if token != valid:
        assert not changes
    elif response.status_code == 200 and sent.method == "POST":
        # Saved, or the form shown again with its errors (a 400, above).
        assert set(changes) <= {"pledges_pledge"}


# -- signing in (django-allauth) -----------------------------------------------


def allauth_form(name: str, default, **kwargs):
    return get_form_class(allauth_settings.FORMS, name, default)(**kwargs)


LOGIN = declared(
    allauth_form("login", allauth_forms.LoginForm, request=RequestFactory().get("/")),
    login="bruno@example.org",
)
REQUEST_CODE = declared(
    allauth_form("request_login_code", allauth_forms.RequestLoginCodeForm),
    email="bruno@example.org",
)
SIGNUP = declared(allauth_form("signup", allauth_forms.SignupForm), email="dora@example.org")
# allauth answers a refused form with the form again (200), not a 4xx.
ALLAUTH_FORMS = st.sampled_from(
    [
        ("accounts/login/", LOGIN, {"core_outgoingemail", "django_session"}),
        ("accounts/login/code/", REQUEST_CODE, {"core_outgoingemail", "django_session"}),
        (
            "accounts/signup/",
            SIGNUP,
            {"core_outgoingemail", "django_session", "accounts_user", "account_emailaddress"},
        ),
    ]
)


@given(form=ALLAUTH_FORMS, prefix=LANGUAGE_PREFIXES, data=st.data())
@fuzz_settings
def test_signing_in_and_up_never_fail_and_a_refused_form_writes_nothing(form, prefix, data):
    page, valid, success_writes = form
    sent = data.draw(requests(valid), label="sent")
    with isolated():
        bruno()
        before = snapshot()
        response = sent.to(f"{prefix}/{page}")
        changes = snapshot().changes_since(before)
    assert_answered(response, changes, sent.method)
    if response.status_code == 200:
        assert not changes  # the form again, with its errors
    else:
        assert set(changes) <= success_writes


# The code field's starting value: shaped like allauth's codes but never one
# sent (none is asked for here), so the page must refuse it; the fuzzer then
# varies it and every other field. The properties (no 500, nothing written on
# refusal) are asserted for each example whatever the value.
CONFIRM_CODE = declared(
    allauth_form("confirm_login_code", allauth_forms.ConfirmLoginCodeForm), code="XXXX-XXXX"
)


@given(method=METHODS, prefix=LANGUAGE_PREFIXES, data=st.data())
@fuzz_settings
def test_a_wrong_sign_in_code_never_fails_and_signs_no_one_in(method, prefix, data):
    with isolated():
        pledge = bruno()
        client = Client()
        client.post("/accounts/login/code/", {"email": pledge.email})
        [message] = OutgoingEmail.objects.filter(recipient=pledge.email)
        valid = CODE_LINE.search(message.body).group(1)
        code = data.draw(tokens(valid), label="code")
        sent = data.draw(requests({**CONFIRM_CODE, "code": code}, st.just(method)), label="sent")
        before = snapshot()
        response = sent.to(f"{prefix}/accounts/login/code/confirm/", client)
        changes = snapshot().changes_since(before)
        signed_in = "_auth_user_id" in client.session
    assert_answered(response, changes, sent.method)
    if signed_in:
        # Bruno's code, give or take the dashes, spaces and case allauth ignores.
        assert ignoring_punctuation(code) == ignoring_punctuation(valid)
    else:
        # allauth counts the tries in the session, and nothing else.
        assert set(changes) <= {"django_session"}


def ignoring_punctuation(code: str) -> str:
    return code.translate(str.maketrans("", "", string.punctuation + string.whitespace)).lower()


# -- pages that only read --------------------------------------------------------

QUERY_NAMES = st.one_of(st.sampled_from(["country", "lang", "v", "page"]), ANY_TEXT)
QUERIES = st.lists(st.tuples(QUERY_NAMES, st.one_of(ANY_TEXT, HOSTILE)), max_size=4)
PAGE_NUMBERS = st.one_of(st.integers(min_value=0, max_value=60), st.integers(min_value=0))


@st.composite
def read_only_paths(draw, badge_id: str) -> str:
    public_id = draw(st.one_of(st.just(badge_id), st.uuids().map(str)))
    return draw(
        st.sampled_from(
            [
                f"/badge/{public_id}/",
                f"/badge/{public_id}.svg",
                f"/badge/{public_id}.png",
                f"/badge/{public_id}/share.png",
                f"/badge/{path_segment(draw(ANY_TEXT))}/",
                "/embed/counter/",
                "/embed/count.svg",
                "/wall/",
                f"/wall/{draw(PAGE_NUMBERS)}/",
                f"/countries/{path_segment(draw(COUNTRY_CODES))}/wall/",
                f"/countries/{path_segment(draw(COUNTRY_CODES))}/wall/{draw(PAGE_NUMBERS)}/",
            ]
        )
    )


@given(data=st.data(), prefix=LANGUAGE_PREFIXES, query=QUERIES, method=METHODS)
@fuzz_settings
def test_badges_widgets_and_walls_never_fail_and_write_nothing(data, prefix, query, method):
    with isolated():
        pledge = bruno()
        path = data.draw(read_only_paths(str(pledge.public_id)), label="path")
        if not path.startswith("/embed/"):
            path = prefix + path  # the widgets live outside the language prefixes
        headers = data.draw(HEADERS, label="headers")
        sent = Sent(method, urlencode(query), b"", "", headers)
        before = snapshot()
        response = sent.to(path)
        changes = snapshot().changes_since(before)
    assert_answered(response, changes, "GET")
