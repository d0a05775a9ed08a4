"""A form sent back with errors says where they are, to everyone: each field in error
is marked invalid (aria-invalid) and names its error (aria-describedby, on the
field or, for a group of radio buttons, on its fieldset), and the summary above the
form is announced (role="alert") and links to every field in error. Read from the
HTML as served, without a browser; tests/test_browser_keyboard.py checks, in
Chromium, that the summary is what a screen reader is given."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from mailings.models import Mailing, MailingText
from pledges.tokens import make_confirm_token
from tests.articles import Element, parse
from tests.conftest import make_pledge
from tests.staff import sign_in_as

pytestmark = pytest.mark.django_db

CONTROLS = {"input", "select", "textarea"}


def check_errors_are_linked(html: str) -> list[Element]:
    """Asserts the promise on a page with errors; returns its invalid fields."""
    elements = list(parse(html).iter())
    by_id = {element.attrs["id"]: element for element in elements if "id" in element.attrs}
    invalid = [e for e in elements if e.tag in CONTROLS and e.attrs.get("aria-invalid") == "true"]
    assert invalid, "no field is marked invalid"
    for control in invalid:
        # Its own aria-describedby, or its group's (a fieldset of radio buttons).
        named = control.attrs.get("aria-describedby", "").split()
        for group in control.ancestors():
            if group.tag == "fieldset":
                named += group.attrs.get("aria-describedby", "").split()
        errors = [
            by_id[id_] for id_ in named if id_ in by_id and "errorlist" in by_id[id_].classes()
        ]
        assert errors and all(error.text().strip() for error in errors), (
            f"{control.attrs.get('name')} is not linked to its error"
        )
    # Every field's error is named by a field (none is left for the eye only).
    for error in elements:
        if "errorlist" in error.classes() and error.attrs.get("id", "").endswith("_error"):
            assert any(
                error.attrs["id"] in e.attrs.get("aria-describedby", "").split() for e in elements
            ), f"{error.attrs['id']} names no field"
    # The summary is announced and leads to each field in error.
    [summary] = [e for e in elements if "error-summary" in e.classes()]
    assert summary.attrs.get("role") == "alert"
    targets = {a.attrs["href"].removeprefix("#") for a in summary.iter() if a.tag == "a"}
    for control in invalid:
        group = next((a for a in control.ancestors() if a.tag == "fieldset"), None)
        link_to = {control.attrs.get("id")} | (
            {w.attrs.get("id") for w in group.iter()} if group else set()
        )
        assert targets & link_to, f"the summary has no link to {control.attrs.get('name')}"
    return invalid


def names(fields: list[Element]) -> set[str]:
    return {field.attrs["name"] for field in fields}


@pytest.mark.parametrize("language", ["en", "ar", "pt"])
def test_it_links_the_pledge_form_s_errors_to_their_fields(client, language):
    prefix = "" if language == "en" else f"/{language}"
    response = client.post(f"{prefix}/pledge/", {"email": "not an email"})
    assert response.status_code == 400
    invalid = check_errors_are_linked(response.content.decode())
    assert names(invalid) == {"display_name", "email", "country", "pledge"}


def test_it_links_the_confirmation_form_s_errors_to_their_fields(client):
    pledge = make_pledge("ana@example.org", "PT", confirmed=False, display_name="Ana Silva")
    response = client.post(
        f"/confirm/{make_confirm_token(pledge.public_id)}/", {"display_name": "", "country": "PT"}
    )
    assert names(check_errors_are_linked(response.content.decode())) == {"display_name"}


def test_it_links_the_sign_in_form_s_errors_to_their_fields(client):
    for path, name in [
        ("/accounts/login/", "login"),
        ("/accounts/signup/", "email"),
        ("/fr/accounts/login/code/", "email"),
    ]:
        response = client.post(path, {name: "not an email"})
        assert names(check_errors_are_linked(response.content.decode())) == {name}, path


def test_it_links_a_staff_form_s_errors_to_their_fields(client):
    sign_in_as(client, "organiser")
    response = client.post("/staff/exports/", {"start": "2026-02-30"})
    assert response.status_code == 400
    assert "start" in names(check_errors_are_linked(response.content.decode()))


def test_it_links_the_error_of_a_group_of_radio_buttons_to_the_group(client):
    # Django names no error on the buttons of a group: the fieldset must.
    sign_in_as(client, "organiser")
    update = Mailing.objects.create(kind=Mailing.Kind.UPDATE)
    MailingText.objects.create(mailing=update, language="en", subject="News", body="Hello.")
    response = client.post(f"/staff/updates/{update.pk}/send/", {"when": "yesterday"})
    assert response.status_code == 400
    assert names(check_errors_are_linked(response.content.decode())) == {"when"}


def test_the_summary_is_in_the_page_s_language(client):
    with translation.override("pt"):
        expected = gettext("Please correct the errors below.")
    response = Client().post("/pt/pledge/", {})
    [summary] = [
        e for e in parse(response.content.decode()).iter() if "error-summary" in e.classes()
    ]
    assert expected in " ".join(summary.text().split())


def test_the_check_catches_a_field_without_its_error():
    # Guards the guard: an invalid field that names nothing fails it.
    html = (
        '<div class="error-summary" role="alert"><a href="#id_email">Email</a></div>'
        '<ul class="errorlist" id="id_email_error"><li>Enter an address.</li></ul>'
        '<input name="email" id="id_email" aria-invalid="true">'
    )
    with pytest.raises(AssertionError, match="not linked"):
        check_errors_are_linked(html)
