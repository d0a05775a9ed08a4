"""The Get help page: its own text, then each country's help contacts as its
moderators entered them, in the visitor's language or else in English."""

import pytest

from tests import published

pytestmark = pytest.mark.django_db


@pytest.fixture
def get_help():
    return published.page(
        "get-help",
        texts={"en": {"title": "Get help", "body": "In an emergency in the EU, call 112."}},
    )


def test_it_lists_each_countrys_help_contacts_under_its_name(client, get_help):
    published.spain()
    published.country("PT", texts={"pt": {"help_contacts": "- Linha portuguesa"}})
    html = client.get("/pt/learn/get-help/").content.decode()
    assert "call 112" in html
    spain = html.index('<h3 id="contacts-es">Espanha</h3>')
    portugal = html.index('<h3 id="contacts-pt">Portugal</h3>')
    assert spain < html.index("Helpline listed by the Spain moderators") < portugal
    assert portugal < html.index("<li>Linha portuguesa</li>")


def test_it_says_when_a_countrys_contacts_are_shown_in_english(client, get_help):
    published.spain()
    html = client.get("/pt/learn/get-help/").content.decode()
    notice = "Estes contactos ainda não estão disponíveis em português; são apresentados em inglês."
    assert notice in html


def test_it_leaves_out_unpublished_countries_and_unpublished_contacts(client, get_help):
    published.spain(is_published=False)
    published.country("PT", texts={"en": {"help_contacts": "- Draft helpline"}}, live=[])
    html = client.get("/learn/get-help/").content.decode()
    assert "Helpline listed by the Spain moderators" not in html
    assert "Draft helpline" not in html
    assert "Help in each country" not in html


def test_other_pages_do_not_list_contacts(client):
    published.spain()
    published.page("unodc", texts={"en": {"title": "UNODC"}})
    assert "Helpline listed" not in client.get("/learn/unodc/").content.decode()
