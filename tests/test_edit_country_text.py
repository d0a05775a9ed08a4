"""A moderator writes their country's page text: each save a revision naming
them, never live before a publish; bad input changes nothing."""

import pytest
from django.core.files.base import ContentFile

from campaign.models import CountryTranslation
from tests import content
from tests.staff import sign_in_as

pytestmark = pytest.mark.django_db

URL = "/staff/countries/pt/translations/pt/"


@pytest.fixture
def paula(client):
    return sign_in_as(client, "moderator_pt")[0]


@pytest.fixture
def live_text():
    """Portugal's Portuguese text, published as "Antes"."""
    translation = content.country_text("PT", "pt", headline="Antes", body="Linha um")
    CountryTranslation.objects.filter(pk=translation.pk).update(
        published_headline="Antes", published_body="Linha um", published_at="2026-11-01T00:00Z"
    )
    translation.refresh_from_db()
    return translation


def test_it_saves_the_draft_as_a_revision_that_names_the_editor(client, paula, live_text):
    data = content.draft_form(live_text, headline="Depois", body="Linha um\nLinha dois")
    response = client.post(URL, data)
    assert response.status_code == 302
    live_text.refresh_from_db()
    assert (live_text.headline, live_text.body) == ("Depois", "Linha um\nLinha dois")
    latest = live_text.history.latest()
    assert latest.history_user == paula
    assert latest.headline == "Depois"


def test_the_draft_is_not_public_until_published(client, paula, live_text):
    client.post(URL, content.draft_form(live_text, headline="Depois"))
    live_text.refresh_from_db()
    assert live_text.published_headline == "Antes"
    public = client.get("/pt/countries/pt/")
    assert "Depois" not in public.content.decode()


def test_it_writes_a_new_language(client, paula):
    content.country("PT")
    # The starter text has Portugal in every language: take French away first.
    CountryTranslation.objects.filter(country__code="PT", language="fr").delete()
    page = client.get("/staff/countries/pt/translations/fr/")
    assert page.status_code == 200
    assert "Portugal: page text in French" in page.content.decode()
    data = {"headline": "Le Cœur bleu", "body": "", "partners": "", "based_on": ""}
    assert client.post("/staff/countries/pt/translations/fr/", data).status_code == 302
    created = CountryTranslation.objects.get(country__code="PT", language="fr")
    assert created.headline == "Le Cœur bleu"
    assert created.history.get().history_type == "+"
    assert not created.is_live


def test_it_knows_only_the_content_languages(client, paula):
    content.country("PT")
    assert client.get("/staff/countries/pt/translations/xx/").status_code == 404
    response = client.post("/staff/countries/pt/translations/xx/", {"headline": "X"})
    assert response.status_code == 404
    assert not CountryTranslation.objects.filter(language="xx").exists()


BAD_INPUT = [
    ({"headline": ""}, "This field is required."),
    ({"headline": "x" * 201}, "at most 200 characters"),
    ({"body": "A figure[^1] without its source."}, "cites a source that is never given"),
    ({"help_contacts": "```chart\ncaption: Victims\nSpain | many\n```"}, "is not a number"),
    ({"based_on": "not-a-number"}, "This form is out of date."),
]


@pytest.mark.parametrize(("changes", "message"), BAD_INPUT)
def test_bad_input_shows_its_error_and_saves_nothing(client, paula, live_text, changes, message):
    before = content.snapshot()
    response = client.post(URL, content.draft_form(live_text, **changes))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Please correct the errors below." in page
    assert message in page
    assert content.snapshot() == before


def test_a_hero_image_needs_its_description(client, paula, live_text, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    country = live_text.country
    country.hero_image.save("hero.png", ContentFile(b"not really a png"), save=True)
    before = content.snapshot()
    response = client.post(URL, content.draft_form(live_text, hero_alt=" "))
    assert response.status_code == 400
    assert "please describe it" in response.content.decode()
    assert content.snapshot() == before


def test_it_refuses_to_overwrite_a_newer_save_and_keeps_the_editors_text(client, paula, live_text):
    opened = content.draft_form(live_text)
    # Meanwhile, Elena's colleague in Portugal (or Paula in another tab) saves.
    content.country_text("PT", "pt", headline="Saved elsewhere")
    before = content.snapshot()
    response = client.post(URL, {**opened, "headline": "Mine"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else saved this text after you opened it." in page
    assert 'value="Mine"' in page
    assert content.snapshot() == before
    # Saving the form as shown again replaces theirs, knowingly.
    newer = content.drafts.latest_revision_id(live_text)
    assert f'name="based_on" value="{newer}"' in page
    assert client.post(URL, {**opened, "headline": "Mine", "based_on": newer}).status_code == 302
    live_text.refresh_from_db()
    assert live_text.headline == "Mine"


def test_a_publish_in_between_is_no_conflict(client, paula, live_text):
    opened = content.draft_form(live_text)
    client.post("/staff/countries/pt/publish/")
    assert client.post(URL, {**opened, "headline": "Depois"}).status_code == 302


def test_saving_unchanged_text_makes_no_revision(client, paula):
    text = content.country_text("PT", "pt", headline="Olá", body="Linha um\nLinha dois")
    revisions = text.history.count()
    # Browsers send CRLF line ends; the stored text has LF.
    data = content.draft_form(text, body="Linha um\r\nLinha dois")
    response = client.post(URL, data, follow=True)
    assert "Nothing changed." in response.content.decode()
    assert text.history.count() == revisions


def test_a_spain_moderator_cannot_write_portugal_s_text(client, live_text):
    sign_in_as(client, "moderator_es")
    before = content.snapshot()
    assert client.post(URL, content.draft_form(live_text, headline="X")).status_code == 403
    assert content.snapshot() == before


@pytest.mark.parametrize(
    "path",
    [
        "/staff/countries/p%00t/",
        "/staff/countries/portugal/",
        "/staff/countries/pt/translations/p%00t/",
        "/staff/countries/pt/translations/p%00t/preview/",
        "/staff/countries/pt/translations/p%00t/restore/1/",
        "/staff/countries/pt/translations/pt/restore/99999999999999999999999/",
    ],
)
def test_odd_addresses_are_a_404_never_a_500(client, path):
    sign_in_as(client, "administrator")
    content.country_text("PT", "pt", headline="Olá")
    client.raise_request_exception = False
    for send in (client.get, client.post):
        assert send(path).status_code in (404, 405), send  # 405: a GET-only or POST-only page
