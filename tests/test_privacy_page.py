"""The privacy page: what we keep, why, for how long, and how to download or
erase it, in every offered language; the data controller only where set."""

import pytest

from tests.test_settings import start_and_print

pytestmark = pytest.mark.django_db

CONTROLLER = "Who is responsible for your data"


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/privacy/", "A pledge that is never confirmed is deleted 30 days after it was signed"),
        ("/es/privacy/", "Un compromiso que nunca se confirma se borra 30 días después de"),
        ("/pt/privacy/", "Um compromisso que nunca é confirmado é apagado 30 dias depois"),
    ],
)
def test_it_explains_what_we_keep_in_every_language(client, path, words):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert words in html
    prefix = path.removesuffix("privacy/")
    assert f'href="{prefix}my-pledge/"' in html


def test_it_names_no_controller_unless_one_is_configured(client, settings):
    settings.DATA_CONTROLLER_NAME = None
    settings.DATA_CONTROLLER_CONTACT = None
    assert CONTROLLER not in client.get("/privacy/").content.decode()


def test_it_shows_the_controller_where_set(client, settings):
    settings.DATA_CONTROLLER_NAME = "Blue Heart Campaign Office"
    settings.DATA_CONTROLLER_CONTACT = "privacy@blueheart.example.org"
    html = client.get("/privacy/").content.decode()
    assert CONTROLLER in html
    assert "Blue Heart Campaign Office" in html
    assert '<a href="mailto:privacy@blueheart.example.org">' in html


def test_it_shows_the_name_alone_when_no_contact_is_set(client, settings):
    settings.DATA_CONTROLLER_NAME = "Blue Heart Campaign Office"
    settings.DATA_CONTROLLER_CONTACT = None
    html = client.get("/privacy/").content.decode()
    assert "Blue Heart Campaign Office" in html
    assert "Contact:" not in html


def test_the_controller_comes_from_the_environment():
    shown = "settings.DATA_CONTROLLER_NAME, settings.DATA_CONTROLLER_CONTACT"
    assert start_and_print(shown).stdout.strip() == "None None"
    result = start_and_print(
        shown, DATA_CONTROLLER_NAME="Campaign Office", DATA_CONTROLLER_CONTACT="https://x.example"
    )
    assert result.stdout.strip() == "Campaign Office https://x.example"


def test_every_page_links_to_it_from_the_footer(client):
    for path in ("/", "/pt/pledge/"):
        html = client.get(path).content.decode()
        footer = html[html.index('<footer class="site-footer">') :]
        assert f'href="{path[:4] if path.startswith("/pt/") else "/"}privacy/"' in footer
