"""The error pages (core/errors.py) answer a POST whose body Django refused, a
bug the fuzz tests found (tests/test_fuzz_forms.py): Django's error views ran
CSRF's check again, read the refused body again, and failed in turn.

Mallory posts 1,001 fields, or a multipart body with a broken boundary, with a
CSRF cookie, as a browser that once visited would; Ana, signed in, gets the
sign-out form's token on an error page all the same."""

import pytest
from django.core.signals import got_request_exception
from django.test import Client

from tests.staff import make_user

pytestmark = pytest.mark.django_db

TOO_MANY_FIELDS = ("&".join(f"f{n}=x" for n in range(1_001)), "application/x-www-form-urlencoded")
BROKEN_MULTIPART = ("x", "multipart/form-data; boundary=\x00")


@pytest.fixture
def unhandled():
    """The errors Django reports as unhandled (as error trackers hear of them)."""
    errors = []

    def record(sender, request, **kwargs):
        errors.append(request.path)

    got_request_exception.connect(record)
    yield errors
    got_request_exception.disconnect(record)


def mallory() -> Client:
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.cookies["csrftoken"] = "b" * 32
    return client


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/nowhere/", 404),  # no such page
        ("/countries/fr/notify/", 404),  # the view's own 404, before it reads the body
        ("/pledge/", 400),  # refused while CSRF's check reads it
    ],
)
@pytest.mark.parametrize("body", [TOO_MANY_FIELDS, BROKEN_MULTIPART], ids=["fields", "multipart"])
def test_a_post_with_a_refused_body_gets_its_error_page_not_a_500(unhandled, path, status, body):
    content, content_type = body
    response = mallory().generic("POST", path, content, content_type=content_type)
    assert response.status_code in (status, 400)
    assert response["X-Frame-Options"] == "DENY"
    assert not unhandled


def test_a_signed_in_visitor_can_still_sign_out_from_an_error_page(client):
    client.force_login(make_user("ana@example.org"))
    response = client.get("/nowhere/")
    assert response.status_code == 404
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()
