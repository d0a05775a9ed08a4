"""Organisers (and administrators) edit the information pages: drafts,
previews, publishing, history and restoring, as for country pages.
Moderators run their countries, not these pages."""

import pytest
from django.conf import settings
from django.test import Client

from pages.models import Page, PageTranslation
from tests import content
from tests.staff import sign_in_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def page():
    return content.info_page("blue-heart-test")


@pytest.fixture
def olga(client):
    return sign_in_as(client, "organiser")[0]


def edit_path(page, language="en") -> str:
    return f"/staff/pages/{page.slug}/translations/{language}/"


def test_an_organiser_writes_previews_and_publishes_a_page(
    client, olga, page, django_capture_on_commit_callbacks
):
    data = {"title": "The Blue Heart", "summary": "What it stands for", "body": "Blue is calm."}
    assert client.post(edit_path(page), {**data, "based_on": ""}).status_code == 302
    assert Client().get(f"/learn/{page.slug}/").status_code == 404  # not published yet
    preview = client.get(f"{edit_path(page)}preview/").content.decode()
    assert "Preview of the draft." in preview and "Blue is calm." in preview
    # Shared from the preview, it is the public address that travels.
    public_url = f"{settings.SITE_URL}/learn/{page.slug}/"
    assert f'<meta property="og:url" content="{public_url}">' in preview
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/staff/pages/{page.slug}/publish/").status_code == 302
    public = Client().get(f"/learn/{page.slug}/").content.decode()
    assert "The Blue Heart" in public and "Blue is calm." in public
    translation = PageTranslation.objects.get(page=page, language="en")
    assert translation.history.latest().history_user == olga


def test_visitors_see_a_change_only_once_published(
    client, olga, page, django_capture_on_commit_callbacks
):
    content.page_text(page, "en", title="First title")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/staff/pages/{page.slug}/publish/")
    assert "First title" in Client().get(f"/learn/{page.slug}/").content.decode()
    translation = PageTranslation.objects.get(page=page, language="en")
    client.post(edit_path(page), content.draft_form(translation, title="Second title"))
    assert "Second title" not in Client().get(f"/learn/{page.slug}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/staff/pages/{page.slug}/unpublish/")
    assert Client().get(f"/learn/{page.slug}/").status_code == 404
    assert not Page.objects.get(pk=page.pk).is_published


def test_bad_input_saves_nothing(client, olga, page):
    before = content.snapshot()
    data = {"title": "", "body": "A figure[^9].", "based_on": ""}
    response = client.post(edit_path(page), data)
    assert response.status_code == 400
    assert "cites a source that is never given" in response.content.decode()
    assert content.snapshot() == before


def test_the_history_shows_the_change_and_restores_it(client, olga, page):
    content.page_text(page, "en", olga, title="Old title", body="Old body")
    translation = content.page_text(page, "en", olga, title="New title", body="New body")
    history = client.get(f"/staff/pages/{page.slug}/history/").content.decode()
    assert "Old title</del>" in history and "New title</ins>" in history
    assert "by olga@example.org" in history
    first = translation.history.earliest()
    response = client.post(f"{edit_path(page)}restore/{first.history_id}/")
    assert response.status_code == 302
    translation.refresh_from_db()
    assert (translation.title, translation.body) == ("Old title", "Old body")
    assert translation.published_title == ""


def test_an_administrator_edits_pages_too(client, page):
    sign_in_as(client, "administrator")
    response = client.post(edit_path(page, "fr"), {"title": "Le Cœur bleu", "based_on": ""})
    assert response.status_code == 302
    assert PageTranslation.objects.filter(page=page, language="fr").exists()


@pytest.mark.parametrize("persona", ["moderator_pt", "moderator_es"])
def test_moderators_cannot_edit_information_pages(client, page, persona):
    translation = content.page_text(page, "en", title="Untouched")
    sign_in_as(client, persona)
    before = content.snapshot()
    responses = [
        client.get("/staff/pages/"),
        client.get(edit_path(page)),
        client.post(edit_path(page), content.draft_form(translation, title="Hijacked")),
        client.get(f"{edit_path(page)}preview/"),
        client.post(f"/staff/pages/{page.slug}/publish/"),
        client.post(f"/staff/pages/{page.slug}/unpublish/"),
        client.post(f"{edit_path(page)}restore/{translation.history.latest().history_id}/"),
    ]
    assert [response.status_code for response in responses] == [403] * len(responses)
    assert content.snapshot() == before


def test_an_unknown_page_is_a_404(client, olga):
    assert client.get("/staff/pages/no-such-page/").status_code == 404
    assert (
        client.post("/staff/pages/no-such-page/translations/en/", {"title": "X"}).status_code == 404
    )


def test_an_odd_language_is_a_404_never_a_500(client, olga, page):
    client.raise_request_exception = False
    for path in [
        "translations/e%00n/",
        "translations/e%00n/preview/",
        "translations/e%00n/restore/1/",
    ]:
        for send in (client.get, client.post):
            assert send(f"/staff/pages/{page.slug}/{path}").status_code in (404, 405), path
