""" "Tell me when it launches" (POST /countries/<iso2>/notify/): an address for a
published country still to launch; a translated error and nothing saved for a
bad one; the same "check your email" whoever the address belongs to.

Ana asks to hear of Portugal's launch; Spain has launched; France's page is
not public yet."""

import pytest
from django.core import mail
from django.test import Client

from campaign.models import Country, LaunchRequest, LaunchSubscription
from tests.launch import upcoming_country

pytestmark = pytest.mark.django_db


@pytest.fixture
def portugal():
    return upcoming_country("PT")


def ask(client, captured, path="/countries/pt/notify/", email="ana@example.org"):
    with captured(execute=False):  # what it queues is test_same_work's business
        return client.post(path, {"email": email})


def test_it_takes_the_address_and_says_check_your_email(
    client, portugal, django_capture_on_commit_callbacks
):
    response = ask(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response.headers["Location"] == "/countries/pt/notify/sent/"
    [request] = LaunchRequest.objects.all()
    assert (request.country, request.email, request.language) == (portugal, "ana@example.org", "en")
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Check your email" in page.content.decode()
    assert "Portugal" in page.content.decode()


def test_it_keeps_the_language_of_the_page(client, portugal, django_capture_on_commit_callbacks):
    response = ask(client, django_capture_on_commit_callbacks, path="/pt/countries/pt/notify/")
    assert response.headers["Location"] == "/pt/countries/pt/notify/sent/"
    assert LaunchRequest.objects.get().language == "pt"


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("not-an-address", "Introduza um endereço de e-mail válido."),
        ("", "Introduza o seu e-mail."),
    ],
    ids=["malformed", "missing"],
)
def test_it_refuses_a_bad_address_with_a_translated_error_and_saves_nothing(
    client, portugal, django_capture_on_commit_callbacks, email, message
):
    response = ask(client, django_capture_on_commit_callbacks, "/pt/countries/pt/notify/", email)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    # The error is tied to its field for screen readers.
    assert 'id="launch-signup-email_error"' in html
    assert 'aria-invalid="true"' in html
    assert not LaunchRequest.objects.exists()
    assert not LaunchSubscription.objects.exists()
    assert mail.outbox == []


def test_it_answers_404_for_a_country_that_is_unknown_or_not_public(
    client, django_capture_on_commit_callbacks
):
    upcoming_country("FR", published=False)
    for path in ["/countries/zz/notify/", "/countries/fr/notify/", "/countries/prt/notify/"]:
        assert ask(client, django_capture_on_commit_callbacks, path).status_code == 404, path
        assert client.get(path).status_code == 404, path
    assert client.get("/countries/fr/notify/sent/").status_code == 404
    assert not LaunchRequest.objects.exists()


def test_it_says_a_launched_country_has_launched_and_saves_nothing(
    client, django_capture_on_commit_callbacks
):
    spain = upcoming_country("ES")
    Country.objects.filter(pk=spain.pk).update(status=Country.Status.LAUNCHED)
    response = ask(client, django_capture_on_commit_callbacks, "/countries/es/notify/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "The Blue Heart has launched in Spain" in html
    assert 'href="/countries/es/"' in html
    assert not LaunchRequest.objects.exists()


def test_the_form_works_without_javascript_and_names_its_field(client, portugal):
    html = client.get("/pt/countries/pt/notify/").content.decode()
    assert '<form class="launch-signup" method="post" action="/pt/countries/pt/notify/"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<label for="launch-signup-email">' in html
    assert 'type="email" name="email"' in html
    assert 'id="launch-signup-email"' in html


def test_it_refuses_a_post_without_a_csrf_token(portugal):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/countries/pt/notify/", {"email": "ana@example.org"}).status_code == 403
    assert not LaunchRequest.objects.exists()


def test_it_answers_get_head_and_post_only(client, portugal):
    assert client.head("/countries/pt/notify/").status_code == 200
    assert client.put("/countries/pt/notify/").status_code == 405
    assert client.post("/countries/pt/notify/sent/").status_code == 405
