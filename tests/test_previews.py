"""The context builders show staff exactly what publishing will put live:
draft=True reads the drafts (of any row, live or not) as the public page would
read the published text, fallback included."""

import pytest
from django.template.loader import render_to_string

from campaign.content import country_page_context
from pages.content import info_page_context
from tests import published

pytestmark = pytest.mark.django_db


def test_a_country_preview_shows_a_translation_not_yet_published():
    spain = published.spain(live=["en"])
    spain.translations.filter(language="es").update(headline="Borrador nuevo")
    preview = country_page_context(spain, "es", draft=True)
    assert (preview["headline"], preview["content_language"]) == ("Borrador nuevo", "es")
    assert preview["fallback"] is None
    public = country_page_context(spain, "es")
    assert (public["headline"], public["content_language"]) == ("Spain joins the Blue Heart", "en")


def test_a_country_preview_renders_like_the_public_page():
    spain = published.spain()
    spain.translations.filter(language="en").update(body="A **new** draft body")
    html = render_to_string("campaign/country.html", country_page_context(spain, "en", draft=True))
    assert "<strong>new</strong> draft body" in html
    assert '<option value="ES" selected>' in html


def test_a_page_preview_shows_the_draft_and_the_public_one_does_not():
    page = published.page("unodc", texts={"en": {"title": "UNODC"}})
    page.translations.update(title="UNODC and the Protocol")
    assert info_page_context(page, "en", draft=True)["title"] == "UNODC and the Protocol"
    assert info_page_context(page, "en")["title"] == "UNODC"


def test_a_page_preview_falls_back_as_the_public_page_does():
    page = published.page("unodc", texts={"en": {"title": "UNODC"}}, live=[])
    preview = info_page_context(page, "pt", draft=True)
    # Named as the reader (English here) names them.
    assert preview["fallback"] == {"requested_name": "Portuguese", "shown_name": "English"}
    assert info_page_context(page, "pt")["translation"] is None
