"""The editing services refuse an actor who may not act, whoever calls them:
the line that holds if a new view or task forgets its own check."""

import pytest
from django.core.exceptions import PermissionDenied

from campaign import services as countries
from campaign.models import Country
from pages import services as pages
from tests import content
from tests.staff import make_persona

pytestmark = pytest.mark.django_db


def test_a_moderator_cannot_act_on_another_country_through_the_services():
    paula = make_persona("moderator_pt")
    spain = Country.objects.get(code="ES")
    text = content.country_text("ES", "es", headline="Hola")
    revision = text.history.latest().history_id
    before = content.snapshot()
    calls = [
        lambda: countries.create_country(paula, "FR"),
        lambda: countries.update_country_settings(paula, spain, {"supporter_goal": 1}),
        lambda: countries.save_country_translation(
            paula, spain, "es", {"headline": "X"}, based_on=revision
        ),
        lambda: countries.publish_country(paula, spain),
        lambda: countries.unpublish_country(paula, spain),
        lambda: countries.restore_country_translation(paula, text, revision),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert content.snapshot() == before


def test_a_moderator_cannot_edit_information_pages_through_the_services():
    paula = make_persona("moderator_pt")
    page = content.info_page()
    text = content.page_text(page, "en", title="Untouched")
    revision = text.history.latest().history_id
    before = content.snapshot()
    calls = [
        lambda: pages.save_page_translation(paula, page, "en", {"title": "X"}, based_on=revision),
        lambda: pages.publish_page(paula, page),
        lambda: pages.unpublish_page(paula, page),
        lambda: pages.restore_page_translation(paula, text, revision),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert content.snapshot() == before


def test_a_save_outside_any_request_still_names_its_author():
    # No request, so no HistoryRequestMiddleware: the service names the actor itself.
    paula = make_persona("moderator_pt")
    portugal = Country.objects.get(code="PT")
    content.forget_starter_texts("PT")
    text = {"headline": "Olá", "body": "", "partners": "", "help_contacts": "", "hero_alt": ""}
    saved = countries.save_country_translation(paula, portugal, "pt", text, based_on=None)
    assert saved.history.latest().history_user == paula
    countries.publish_country(paula, portugal)
    assert portugal.history.latest().history_user == paula
