"""Publishing a country's page puts every language's draft live at once, for
every visitor; unpublishing takes the page off the site. Each in one
transaction."""

import pytest
from django.test import Client

from campaign.models import Country, CountryTranslation
from core import drafts
from core.shared_pages import content_version
from tests import content
from tests.staff import sign_in_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def paula(client):
    return sign_in_as(client, "moderator_pt")[0]


@pytest.fixture
def publish(client, django_capture_on_commit_callbacks):
    """POST as the staff page's button does; work queued for the commit runs."""

    def publish(path):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path)

    return publish


def public_page(path) -> str:
    """The page as an anonymous visitor gets it (a shared copy, if one is kept)."""
    return Client().get(path).content.decode()


def test_visitors_see_the_new_text_only_once_published(client, paula, publish):
    content.country_text("PT", "pt", headline="Primeira versão")
    publish("/staff/countries/pt/publish/")
    assert "Primeira versão" in public_page("/pt/countries/pt/")  # now kept as a copy
    content.country_text("PT", "pt", headline="Segunda versão")
    assert "Segunda versão" not in public_page("/pt/countries/pt/")
    response = publish("/staff/countries/pt/publish/")
    assert response.status_code == 302
    page = public_page("/pt/countries/pt/")
    assert "Segunda versão" in page
    assert "Primeira versão" not in page


def test_it_publishes_every_language_and_records_who(client, paula, publish):
    pt = content.country_text("PT", "pt", headline="Olá", body="Corpo")
    en = content.country_text("PT", "en", headline="Hello", help_contacts="Call 112")
    publish("/staff/countries/pt/publish/")
    for translation, fields in [(pt, ("Olá", "Corpo")), (en, ("Hello", ""))]:
        translation.refresh_from_db()
        assert (translation.published_headline, translation.published_body) == fields
        assert translation.is_live
        latest = translation.history.latest()
        assert (latest.history_user, latest.history_change_reason) == (paula, drafts.PUBLISHED)
    en.refresh_from_db()
    assert en.published_help_contacts == "Call 112"
    country = Country.objects.get(code="PT")
    assert country.is_published and country.published_at is not None


def test_publishing_changes_the_content_version_for_every_worker(paula, publish):
    content.country_text("PT", "pt", headline="Olá")
    before = content_version()
    publish("/staff/countries/pt/publish/")
    assert content_version() != before


def test_unpublishing_takes_the_page_off_the_site(client, paula, publish):
    content.country_text("PT", "pt", headline="Olá")
    publish("/staff/countries/pt/publish/")
    assert "Olá" in public_page("/pt/countries/pt/")
    response = publish("/staff/countries/pt/unpublish/")
    assert response.status_code == 302
    assert not Country.objects.get(code="PT").is_published
    assert Client().get("/pt/countries/pt/").status_code == 404
    # The text stays, ready to publish again.
    assert CountryTranslation.objects.get(country__code="PT", language="pt").is_live


def test_a_page_without_text_cannot_be_published(client, publish):
    sign_in_as(client, "administrator")
    Country.objects.create(code="FR")
    before = content.snapshot()
    response = publish("/staff/countries/fr/publish/")
    assert response.status_code == 400
    assert "Write at least one translation before publishing." in response.content.decode()
    assert content.snapshot() == before


def test_a_failed_publish_leaves_nothing_half_done(client, paula, monkeypatch):
    content.country_text("PT", "pt", headline="Olá")
    content.country_text("PT", "en", headline="Hello")
    Country.objects.filter(code="PT").update(is_published=False)
    before = content.snapshot()
    saving = drafts.record_save

    def fail_on_the_country(instance, *args, **kwargs):
        if isinstance(instance, Country):
            raise RuntimeError("the database went away")
        return saving(instance, *args, **kwargs)

    monkeypatch.setattr(drafts, "record_save", fail_on_the_country)
    with pytest.raises(RuntimeError):
        client.post("/staff/countries/pt/publish/")
    assert content.snapshot() == before


def test_publishing_what_is_live_already_changes_nothing(client, paula, publish):
    content.country_text("PT", "pt", headline="Olá")
    publish("/staff/countries/pt/publish/")
    before = content.snapshot()
    response = client.post("/staff/countries/pt/publish/", follow=True)
    assert "Nothing to publish: the page is live as drafted." in response.content.decode()
    assert content.snapshot() == before


@pytest.mark.parametrize("action", ["publish", "unpublish"])
def test_it_takes_only_a_post(client, paula, action):
    content.country_text("PT", "pt", headline="Olá")
    assert client.get(f"/staff/countries/pt/{action}/").status_code == 405
