"""Restoring an earlier revision of a country page's text: the draft comes
back as a new revision saying where from, and is not live until published."""

import pytest
from django.utils.formats import date_format

from campaign.models import CountryTranslation
from tests import content
from tests.staff import sign_in_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def paula(client):
    return sign_in_as(client, "moderator_pt")[0]


@pytest.fixture
def revisions(paula):
    """Three revisions of Portugal's Portuguese text; the second is live."""
    content.country_text("PT", "pt", paula, headline="Um", body="Primeiro corpo")
    second = content.country_text("PT", "pt", paula, headline="Dois", body="Segundo corpo")
    CountryTranslation.objects.filter(pk=second.pk).update(
        published_headline="Dois", published_body="Segundo corpo", published_at="2026-11-01T00:00Z"
    )
    content.country_text("PT", "pt", paula, headline="Três", hero_alt="Uma praia")
    return list(second.history.order_by("history_id"))


def restore_path(record) -> str:
    return f"/staff/countries/pt/translations/pt/restore/{record.history_id}/"


def test_it_brings_back_the_draft_as_a_new_revision(client, paula, revisions):
    first = revisions[0]
    response = client.post(restore_path(first))
    assert response.status_code == 302
    translation = CountryTranslation.objects.get(country__code="PT", language="pt")
    assert (translation.headline, translation.body, translation.hero_alt) == (
        "Um",
        "Primeiro corpo",
        "",
    )
    latest = translation.history.latest()
    assert latest.history_id not in {record.history_id for record in revisions}
    assert latest.history_user == paula
    assert translation.history.count() == 4


def test_the_restored_text_is_not_live_until_published(client, paula, revisions):
    client.post(restore_path(revisions[0]))
    translation = CountryTranslation.objects.get(country__code="PT", language="pt")
    assert (translation.published_headline, translation.published_body) == ("Dois", "Segundo corpo")
    client.post("/staff/countries/pt/publish/")
    translation.refresh_from_db()
    assert translation.published_headline == "Um"


def test_the_history_says_where_the_text_came_from(client, paula, revisions):
    first = revisions[0]
    client.post(restore_path(first))
    page = client.get("/staff/countries/pt/history/").content.decode()
    when = date_format(first.history_date, "DATETIME_FORMAT")
    assert f"Text in Portuguese, revision 4: Restored from revision 1 of {when}" in page


def test_the_history_offers_to_restore_every_revision_but_the_current_one(client, paula, revisions):
    page = client.get("/staff/countries/pt/history/").content.decode()
    assert restore_path(revisions[0]) in page
    assert restore_path(revisions[1]) in page
    assert restore_path(revisions[2]) not in page


def test_restoring_the_current_text_changes_nothing(client, paula, revisions):
    before = content.snapshot()
    response = client.post(restore_path(revisions[2]), follow=True)
    assert "nothing changed" in response.content.decode()
    assert content.snapshot() == before


def test_a_revision_of_another_text_cannot_be_restored_here(client, paula, revisions):
    english = content.country_text("PT", "en", paula, headline="English")
    other = english.history.latest()
    before = content.snapshot()
    assert client.post(restore_path(other)).status_code == 404
    assert client.post("/staff/countries/pt/translations/pt/restore/999999/").status_code == 404
    assert content.snapshot() == before


def test_a_spain_moderator_cannot_restore_portugal_s_text(client, revisions):
    sign_in_as(client, "moderator_es")
    before = content.snapshot()
    assert client.post(restore_path(revisions[0])).status_code == 403
    assert content.snapshot() == before
