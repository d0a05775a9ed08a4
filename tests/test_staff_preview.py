"""A preview is the public page with the draft, marked as a preview, while
visitors still get what is published; never indexed, never kept by a cache."""

from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client

from campaign.models import CountryTranslation
from tests import content
from tests.staff import sign_in_as

pytestmark = pytest.mark.django_db

PREVIEW = "/staff/countries/pt/translations/pt/preview/"


@pytest.fixture
def drafted():
    """Portugal's page: "Publicado" is live, "Rascunho" is the draft."""
    translation = content.country_text("PT", "pt", headline="Publicado", body="Texto **live**")
    CountryTranslation.objects.filter(pk=translation.pk).update(
        published_headline="Publicado",
        published_body="Texto **live**",
        published_at="2026-11-01T00:00Z",
    )
    return content.country_text("PT", "pt", headline="Rascunho", body="Texto **novo**")


def test_it_shows_the_draft_while_visitors_see_what_is_published(client, drafted):
    sign_in_as(client, "moderator_pt")
    public_before = Client().get("/pt/countries/pt/").content.decode()
    preview = client.get(PREVIEW)
    assert preview.status_code == 200
    page = preview.content.decode()
    assert '<h1 id="country-title">Rascunho</h1>' in page
    assert "<strong>novo</strong>" in page
    assert "Publicado" not in page
    # Visitors, before and after the preview (no copy of the preview is kept for them).
    for public in (public_before, Client().get("/pt/countries/pt/").content.decode()):
        assert '<h1 id="country-title">Publicado</h1>' in public
        assert "Rascunho" not in public


def test_it_is_the_public_template_marked_as_a_preview(client, drafted):
    sign_in_as(client, "moderator_pt")
    page = client.get(PREVIEW).content.decode()
    # The Portuguese page as the public will see it, banner included.
    assert "Pré-visualização do rascunho." in page
    assert 'href="/staff/countries/pt/translations/pt/"' in page  # back to editing
    assert 'class="country-page" lang="pt"' in page
    assert "<title>Pré-visualização: Rascunho" in page


def test_it_is_never_indexed_nor_kept(client, drafted):
    sign_in_as(client, "moderator_pt")
    response = client.get(PREVIEW)
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    cache_control = response.headers["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control


def test_it_speaks_the_language_of_the_text(client, drafted):
    sign_in_as(client, "moderator_pt")
    response = client.get(PREVIEW)
    assert response.headers["Content-Language"] == "pt"
    assert '<html lang="pt"' in response.content.decode()


def test_a_language_without_text_has_no_preview(client, drafted):
    # The starter text has Portugal in every language: take French away first.
    CountryTranslation.objects.filter(country__code="PT", language="fr").delete()
    sign_in_as(client, "moderator_pt")
    assert client.get("/staff/countries/pt/translations/fr/preview/").status_code == 404


def test_a_spain_moderator_cannot_preview_portugal(client, drafted):
    sign_in_as(client, "moderator_es")
    response = client.get(PREVIEW)
    assert response.status_code == 403
    assert "Rascunho" not in response.content.decode()


def test_its_share_links_give_the_public_address(client, drafted):
    sign_in_as(client, "moderator_pt")
    page = client.get(PREVIEW).content.decode()
    public = urlencode({"u": f"{settings.SITE_URL}/pt/countries/pt/"})
    assert f"sharer.php?{public}" in page
    assert "%2Fstaff%2F" not in page
    assert f'<meta property="og:url" content="{settings.SITE_URL}/pt/countries/pt/">' in page
