"""Confirming a pledge owes its owner the welcome email, in the same
transaction; a worker sends it once, with the links to their badge and to
"My pledge" in the language they confirmed in, as text and as HTML.

Ana signed from Portugal; she opens her confirmation link on the Portuguese
site and presses the button."""

import time

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from mailings.models import Delivery, Mailing
from pledges import services as pledge_services
from pledges.models import Pledge
from pledges.tokens import make_confirm_token
from tests.conftest import shown_on_confirm_page


def ana_signed() -> Pledge:
    return Pledge.objects.create(
        display_name="Ana Silva",
        email="ana@example.org",
        country="PT",
        language="pt",
        signed_at=timezone.now(),
    )


def confirm_on(client: Client, pledge: Pledge, prefix: str = "") -> int:
    """Open the link, press the button with what the page shows; the status."""
    path = f"{prefix}/confirm/{make_confirm_token(pledge.public_id)}/"
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return client.post(path, shown_on_confirm_page(page.content.decode())).status_code


def welcomes() -> list[Delivery]:
    return list(Delivery.objects.filter(mailing__kind=Mailing.Kind.WELCOME))


@pytest.mark.django_db
def test_confirming_owes_one_welcome_and_opening_the_link_owes_none(client):
    ana = ana_signed()
    client.get(f"/confirm/{make_confirm_token(ana.public_id)}/")
    assert welcomes() == []

    assert confirm_on(client, ana) == 200
    (welcome,) = welcomes()
    assert (welcome.pledge_id, welcome.state) == (ana.pk, Delivery.State.QUEUED)

    # The link again, after confirming: already confirmed, nothing more owed.
    path = f"/confirm/{make_confirm_token(ana.public_id)}/"
    assert client.post(path, {"display_name": "Ana", "country": "PT"}).status_code == 200
    assert len(welcomes()) == 1


@pytest.mark.django_db
def test_a_second_confirmation_from_another_tab_owes_no_second_welcome():
    # Two tabs pressed the button: the second reaches the service after the
    # first confirmed (the page it was shown said "confirm").
    ana = ana_signed()
    first, second = Pledge.objects.get(pk=ana.pk), Pledge.objects.get(pk=ana.pk)
    submitted = {
        "display_name": "Ana Silva",
        "country": "PT",
        "wants_updates": False,
        "language": "pt",
        "wording_version": "1",
    }
    assert pledge_services.confirm_pledge(first, **submitted) is True
    assert pledge_services.confirm_pledge(second, **submitted) is False
    assert [welcome.pledge_id for welcome in welcomes()] == [ana.pk]


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_the_welcome_once_with_her_links_in_her_language(
    celery_worker, smtp_inbox
):
    ana = ana_signed()
    assert confirm_on(Client(), ana, prefix="/pt") == 200
    ana.refresh_from_db()
    assert ana.language == "pt"

    ((recipients, message),) = smtp_inbox.wait_for(1)
    assert recipients == ["ana@example.org"]
    badge = f"{settings.SITE_URL}/pt/badge/{ana.public_id}/"
    my_pledge = f"{settings.SITE_URL}/pt/my-pledge/"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert badge in text
    assert my_pledge in text
    assert f'href="{badge}"' in html
    assert f'href="{my_pledge}"' in html

    deadline = time.monotonic() + 10
    while welcomes()[0].state != Delivery.State.SENT:
        assert time.monotonic() < deadline, welcomes()[0].state
        time.sleep(0.1)
    time.sleep(1)  # a second copy would have arrived by now
    assert len(smtp_inbox.messages) == 1
    # The welcome never ends: the next confirmation joins the same mailing.
    assert Mailing.objects.get(kind=Mailing.Kind.WELCOME).state == Mailing.State.SENDING
