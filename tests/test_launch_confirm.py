"""Confirming "tell me when it launches": the worker emails a link in the
language of the page; the page it opens confirms nothing until its button is
pressed (mail scanners follow links); a confirmed address asking again is told
it is already on the list; a link too old, broken, or for a country launched
meanwhile says so and how to ask again.

Ana asks to hear of Portugal's launch; Carla typed Ana's address too."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from campaign.models import Country, LaunchSubscription
from campaign.tokens import LAUNCH_CONFIRM_MAX_AGE, make_launch_token
from pledges.tokens import make_confirm_token
from tests.launch import launch_link_path, subscribe, upcoming_country

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


@pytest.fixture
def portugal():
    return upcoming_country("PT")


@pytest.fixture
def ask(django_capture_on_commit_callbacks):
    """Ask as a browser would; the queued task runs in-process."""

    def ask(client, email="ana@example.org", language_prefix=""):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"{language_prefix}/countries/pt/notify/", {"email": email})
        assert response.status_code == 302
        return response

    return ask


def test_it_emails_a_link_in_the_language_of_the_page(client, portugal, ask):
    ask(client, language_prefix="/pt")
    [message] = mail.outbox
    assert message.to == ["ana@example.org"]
    assert "Portugal" in message.subject
    path = launch_link_path(message.body)
    assert path.startswith("/pt/countries/notify/")
    subscription = LaunchSubscription.objects.get()
    assert subscription.language == "pt"
    assert subscription.confirmed_at is None
    assert subscription.email_due == ""  # sent


def test_opening_the_link_confirms_nothing_and_the_button_confirms(client, portugal, ask):
    ask(client)
    path = launch_link_path(mail.outbox[0].body)

    page = Client().get(path)  # a mail scanner, or Ana opening it
    assert page.status_code == 200
    html = page.content.decode()
    assert '<button type="submit">Confirm</button>' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert LaunchSubscription.objects.get().confirmed_at is None

    response = client.post(path.replace("/countries/", "/pt/countries/", 1))
    assert response.status_code == 200
    subscription = LaunchSubscription.objects.get()
    assert subscription.confirmed_at is not None
    assert subscription.language == "pt"  # the owner's page decides the emails' language

    again = client.post(path)  # a second tab
    assert again.status_code == 200
    assert "You are on the list" in again.content.decode()
    assert LaunchSubscription.objects.get().confirmed_at == subscription.confirmed_at


def test_one_subscription_per_address_and_country_whatever_its_case(client, portugal, ask):
    ask(client, "ana@example.org")
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        ask(client, "ANA@Example.org")
    assert LaunchSubscription.objects.count() == 1
    assert len(mail.outbox) == 2  # a new link, after the resend window
    assert mail.outbox[1].to == ["ana@example.org"]  # to the address as first given


def test_it_resends_the_link_at_most_once_per_ten_minutes(client, portugal, ask):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        ask(client)
    with time_machine.travel(start + timedelta(minutes=9), tick=False):
        ask(client)
        ask(client)
    assert len(mail.outbox) == 1
    with time_machine.travel(start + timedelta(minutes=10, seconds=1), tick=False):
        ask(client)
    assert len(mail.outbox) == 2
    assert launch_link_path(mail.outbox[1].body)


def test_a_confirmed_address_asking_again_is_told_it_is_on_the_list(client, portugal, ask):
    ana = subscribe("ana@example.org", portugal, language="en")
    LaunchSubscription.objects.filter(pk=ana.pk).update(
        email_requested_at=timezone.now() - timedelta(hours=1)
    )
    # Carla types Ana's address on the Portuguese page.
    ask(Client(), "ana@example.org", language_prefix="/pt")
    [message] = mail.outbox
    assert "already on the list" in message.subject
    assert "/countries/notify/" not in message.body  # nothing to confirm again
    ana.refresh_from_db()
    assert ana.confirmed_at is not None
    assert ana.language == "en"  # what the owner confirmed stays


def test_an_expired_link_says_so_and_offers_to_ask_again(client, portugal, ask):
    ask(client)
    path = launch_link_path(mail.outbox[0].body)
    later = timezone.now() + LAUNCH_CONFIRM_MAX_AGE + timedelta(minutes=1)
    with time_machine.travel(later):
        for method in (client.get, client.post):
            response = method(path)
            assert response.status_code == 410
            html = response.content.decode()
            assert "This link has expired" in html
            assert 'action="/countries/pt/notify/"' in html  # ask again, right here
    assert LaunchSubscription.objects.get().confirmed_at is None


def test_a_broken_link_says_so(client, portugal):
    subscription = subscribe("ana@example.org", portugal, confirmed=False)
    token = make_launch_token(subscription.public_id)
    for path in ["/countries/notify/not-a-token/", f"/countries/notify/{token[:-2]}xx/"]:
        response = client.post(path)
        assert response.status_code == 404
        assert "This link does not work" in response.content.decode()
    assert LaunchSubscription.objects.get().confirmed_at is None


def test_a_pledge_link_is_no_launch_link(client, portugal):
    subscription = subscribe("ana@example.org", portugal, confirmed=False)
    path = f"/countries/notify/{make_confirm_token(subscription.public_id)}/"
    assert client.post(path).status_code == 404
    assert LaunchSubscription.objects.get().confirmed_at is None


def test_a_link_for_a_country_launched_meanwhile_says_it_has_launched(client, portugal):
    subscription = subscribe("ana@example.org", portugal, confirmed=False)
    path = f"/countries/notify/{make_launch_token(subscription.public_id)}/"
    Country.objects.filter(pk=portugal.pk).update(status=Country.Status.LAUNCHED)
    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code == 200
        assert "The Blue Heart has launched in Portugal" in response.content.decode()
    assert LaunchSubscription.objects.get().confirmed_at is None


def test_it_sends_nothing_for_a_country_launched_before_the_worker_applied_it(
    client, portugal, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post("/countries/pt/notify/", {"email": "ana@example.org"})
    Country.objects.filter(pk=portugal.pk).update(status=Country.Status.LAUNCHED)
    for callback in queued:
        callback()
    assert mail.outbox == []
    assert not LaunchSubscription.objects.exists()


def test_two_tabs_confirm_once(portugal):
    subscription = subscribe("ana@example.org", portugal, confirmed=False)
    now = timezone.now()
    assert subscription.confirm(language="en", now=now) is True
    assert subscription.confirm(language="pt", now=now + timedelta(seconds=1)) is False
    subscription.refresh_from_db()
    assert (subscription.confirmed_at, subscription.language) == (now, "en")


def test_it_cannot_be_confirmed_once_its_country_has_launched(portugal):
    # The page was opened before the launch; the button is pressed after it.
    subscription = subscribe("ana@example.org", portugal, confirmed=False)
    Country.objects.filter(pk=portugal.pk).update(status=Country.Status.LAUNCHED)
    assert subscription.confirm(language="en", now=timezone.now()) is False
    assert LaunchSubscription.objects.get().confirmed_at is None
