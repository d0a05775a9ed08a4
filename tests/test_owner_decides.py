"""Only the owner decides what their pledge records. Mallory, who knows Dora's
address, signs it with his own choices, before or after Dora does; what is
recorded is what Dora submitted on the page her link opened."""

import pytest
from django.core import mail

from pledges.models import Pledge
from tests.conftest import confirm_path, press_confirm

pytestmark = pytest.mark.django_db

DORA = {"display_name": "Dora Costa", "email": "dora@example.org", "country": "PT", "pledge": "on"}
MALLORY_FOR_DORA = {
    "display_name": "Dora (hates news)",
    "email": "DORA@example.org",
    "country": "RU",
    "pledge": "on",
    "wants_updates": "on",  # not a field of the form: ignored, whoever sends it
}


def test_it_records_what_the_owner_confirmed_when_a_stranger_signed_first(sign, client):
    sign(MALLORY_FOR_DORA, path="/es/pledge/")
    sign(DORA, path="/pt/pledge/")
    [link_email] = mail.outbox  # Dora's own signature came within ten minutes
    path = confirm_path(link_email)
    # What the page shows is Dora's (the latest) signature, news unticked.
    response = press_confirm(client, "/pt" + path.removeprefix("/es"))
    assert response.status_code == 200
    pledge = Pledge.objects.get()
    assert (pledge.display_name, pledge.country, pledge.language) == ("Dora Costa", "PT", "pt")
    assert pledge.wants_updates is False


def test_it_records_what_the_owner_confirmed_when_a_stranger_signed_after(sign, client):
    sign(DORA, path="/pt/pledge/")
    sign(MALLORY_FOR_DORA, path="/es/pledge/")
    path = confirm_path(mail.outbox[0])
    # The page now proposes Mallory's details; Dora sees them and puts hers back.
    page = client.get(path).content.decode()
    assert 'value="Dora (hates news)"' in page and '<option value="RU" selected>' in page
    assert "checked" not in page.split('name="wants_updates"')[1].split(">")[0]
    response = client.post(path, {"display_name": "Dora Costa", "country": "PT"})
    assert response.status_code == 200
    pledge = Pledge.objects.get()
    assert (pledge.display_name, pledge.country, pledge.wants_updates) == (
        "Dora Costa",
        "PT",
        False,
    )


def test_a_stranger_cannot_change_a_confirmed_pledge(sign, client):
    sign(DORA)
    press_confirm(client, confirm_path(mail.outbox[0]), wants_updates="on")
    sign(MALLORY_FOR_DORA)
    pledge = Pledge.objects.get()
    assert (pledge.display_name, pledge.country, pledge.wants_updates) == ("Dora Costa", "PT", True)
