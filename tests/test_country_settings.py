"""A country's settings: status, launch date, languages, goal. Bad input
changes nothing; on a published page a change shows at once."""

import datetime

import pytest

from campaign.models import Country
from core.shared_pages import content_version
from tests import content
from tests.staff import sign_in_as

pytestmark = pytest.mark.django_db

URL = "/staff/countries/pt/"
GOOD = {
    "status": "upcoming",
    "launch_date": "2021-04-20",
    "launch_date_precision": "day",
    "languages": ["pt", "en"],
    "supporter_goal": "1000",
}


@pytest.fixture
def paula(client):
    return sign_in_as(client, "moderator_pt")[0]


def test_it_saves_the_settings_as_a_revision(client, paula):
    assert client.post(URL, GOOD).status_code == 302
    country = Country.objects.get(code="PT")
    assert country.launch_date == datetime.date(2021, 4, 20)
    assert country.supporter_goal == 1000
    assert country.history.latest().history_user == paula


def test_a_month_is_kept_as_its_first_day(client, paula):
    client.post(URL, {**GOOD, "launch_date_precision": "month"})
    country = Country.objects.get(code="PT")
    assert country.launch_date == datetime.date(2021, 4, 1)
    assert country.launch_date_label() == "April 2021"


def test_it_keeps_the_country_s_own_languages_first(client, paula):
    Country.objects.filter(code="PT").update(languages=["pt"])
    client.post(URL, {**GOOD, "languages": ["en", "pt", "fr"]})
    assert Country.objects.get(code="PT").languages == ["pt", "en", "fr"]


def test_a_change_to_a_published_page_reaches_every_worker(
    client, paula, django_capture_on_commit_callbacks
):
    assert Country.objects.get(code="PT").is_published  # the starter content
    before = content_version()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, GOOD)
    assert content_version() != before


BAD_INPUT = [
    ({"status": "launched", "launch_date": ""}, "A launched country needs its launch date."),
    ({"launch_date": "20 April"}, "Please enter a date such as 2021-04-01."),
    ({"launch_date_precision": "year"}, "Select a valid choice."),
    ({"languages": ["en", "klingon"]}, "Please choose languages from the list."),
    ({"supporter_goal": "0"}, "A goal is at least one supporter."),
    ({"supporter_goal": "many"}, "Enter a whole number."),
    ({"supporter_goal": "99999999999"}, "less than or equal to"),
    ({"status": "draft"}, "Select a valid choice."),
]


@pytest.mark.parametrize(("changes", "message"), BAD_INPUT)
def test_bad_input_shows_its_error_and_saves_nothing(client, paula, changes, message):
    before = content.snapshot()
    response = client.post(URL, {**GOOD, **changes})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert content.snapshot() == before


def test_saving_unchanged_settings_makes_no_revision(client, paula):
    client.post(URL, GOOD)
    before = content.snapshot()
    response = client.post(URL, GOOD, follow=True)
    assert "Nothing changed." in response.content.decode()
    assert content.snapshot() == before
