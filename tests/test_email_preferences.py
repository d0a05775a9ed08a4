"""The links in every email's footer: one-click unsubscribe (RFC 8058) and the
email preferences page, both behind the signed token, with no sign-in.
Personas: Ana (Portugal) wants news; Bruno (Spain) is her neighbour on the list."""

import pytest
from django.test import Client
from django.utils import timezone

from mailings.tokens import make_token
from pledges.forms import WORDING_VERSION
from pledges.models import Pledge
from tests.conftest import make_pledge

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana():
    return make_pledge("ana@example.org", "PT", display_name="Ana Silva", wants_updates=True)


@pytest.fixture
def bruno():
    return make_pledge("bruno@example.org", "ES", display_name="Bruno García", wants_updates=True)


def preferences_path(pledge, prefix="") -> str:
    return f"{prefix}/email-preferences/{make_token(pledge.public_id)}/"


def unsubscribe_path(pledge, prefix="") -> str:
    return f"{prefix}/unsubscribe/{make_token(pledge.public_id)}/"


def main(response) -> str:
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def fresh(pledge) -> Pledge:
    return Pledge.objects.get(pk=pledge.pk)


def test_it_unsubscribes_at_once_on_a_one_click_post_without_csrf(ana, bruno):
    # What a mail provider sends (RFC 8058): a bare POST, no cookie, no CSRF token.
    client = Client(enforce_csrf_checks=True)
    response = client.post(unsubscribe_path(ana), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert fresh(ana).wants_updates is False
    assert fresh(ana).news_changed_at is not None
    assert fresh(bruno).wants_updates is True


def test_it_changes_nothing_on_a_get(client, ana):
    # Mail scanners follow links: only the button (a POST) unsubscribes.
    page = client.get(unsubscribe_path(ana))
    assert page.status_code == 200
    assert '<button type="submit">Unsubscribe</button>' in page.content.decode()
    assert fresh(ana).wants_updates is True


def test_it_answers_the_same_404_for_a_forged_an_erased_or_an_unconfirmed_link(client, ana):
    pending = make_pledge("carla@example.org", "PT", confirmed=False)
    erased_token = make_token(ana.public_id)
    ana.erase(now=timezone.now())
    forged = client.get("/unsubscribe/forged-token/")
    erased = client.post(f"/unsubscribe/{erased_token}/")
    unconfirmed = client.get(unsubscribe_path(pending))
    for response in (forged, erased, unconfirmed):
        assert response.status_code == 404
    # The same page (bar the address itself, which the language links repeat).
    assert main(forged) == main(erased) == main(unconfirmed)
    assert "This link no longer works" in main(forged)


def test_a_token_for_another_purpose_opens_nothing(client, ana):
    from pledges.tokens import make_wall_choice_token

    response = client.post(f"/unsubscribe/{make_wall_choice_token(ana.public_id)}/")
    assert response.status_code == 404
    assert fresh(ana).wants_updates is True


def test_it_shows_and_saves_the_owners_email_preferences(client, ana):
    page = client.get(preferences_path(ana)).content.decode()
    assert 'name="wants_updates" id="id_wants_updates" checked' in page
    assert "Also the news for Portugal" in page
    response = client.post(
        preferences_path(ana), {"wants_updates": "", "country_news": "", "language": "pt"}
    )
    assert response.status_code == 200
    assert "Your choices are saved." in response.content.decode()
    saved = fresh(ana)
    assert (saved.wants_updates, saved.country_news, saved.language) == (False, False, "pt")
    # The news choice is recorded with its time and the wording it was made under.
    assert saved.news_changed_at > ana.news_changed_at
    assert saved.news_wording_version == WORDING_VERSION


def test_it_keeps_the_news_consent_time_when_only_the_language_changes(client, ana):
    client.post(
        preferences_path(ana), {"wants_updates": "on", "country_news": "on", "language": "es"}
    )
    saved = fresh(ana)
    assert saved.language == "es"
    assert saved.news_changed_at == ana.news_changed_at


def test_it_refuses_a_language_we_do_not_offer_and_saves_nothing(client, ana):
    response = client.post(
        preferences_path(ana), {"wants_updates": "", "country_news": "", "language": "xx"}
    )
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    saved = fresh(ana)
    assert (saved.wants_updates, saved.country_news, saved.language) == (True, True, "en")


def test_the_preferences_form_needs_its_csrf_token(ana):
    client = Client(enforce_csrf_checks=True)
    response = client.post(preferences_path(ana), {"language": "pt"})
    assert response.status_code == 403
    assert fresh(ana).language == "en"


def test_no_cache_keeps_these_pages(client, ana):
    for path in (preferences_path(ana), unsubscribe_path(ana)):
        response = client.get(path)
        assert "no-store" in response["Cache-Control"]
        assert response["X-Robots-Tag"] == "noindex"


@pytest.mark.parametrize(
    ("prefix", "heading"),
    [("/es", "Preferencias de correo"), ("/pt", "Preferências de e-mail")],
)
def test_it_speaks_the_readers_language(client, ana, prefix, heading):
    assert f"<h1>{heading}</h1>" in client.get(preferences_path(ana, prefix)).content.decode()
