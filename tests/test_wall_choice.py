"""Appearing on the supporters' wall is the owner's choice alone: asked, unticked,
on the thank-you page their own confirmation opens, and on "My pledge".

Ana confirms her pledge from Portugal. Mallory knows her pledge's public id (a
badge's address shows it) and would like to put her on the wall, or take her off.
Nobody appears by default."""

import re
from datetime import timedelta
from html import unescape

import pytest
import time_machine
from django.core import signing
from django.utils import timezone

from pledges.models import Pledge
from pledges.tokens import make_confirm_token, make_wall_choice_token
from tests.conftest import make_pledge, press_confirm, signed_in_supporter

pytestmark = pytest.mark.django_db

CHOICE = re.compile(r'name="choice" value="([^"]+)"')
WALL_CHOICE = "/confirm/wall-choice/"


def confirm_and_read_token(client, path, prefix="") -> tuple[str, str]:
    """Ana presses the button on her confirmation page: the thank-you page, and
    the token its wall question carries."""
    response = press_confirm(client, prefix + path)
    assert response.status_code == 200
    html = response.content.decode()
    return html, unescape(CHOICE.search(html).group(1))


def on_wall(pledge) -> tuple[bool, bool]:
    pledge.refresh_from_db()
    return pledge.on_wall, pledge.show_publicly


def test_it_asks_on_the_thank_you_page_with_both_boxes_unticked(client, signed_pledge):
    pledge, path = signed_pledge
    response = press_confirm(client, path)
    html = response.content.decode()
    assert "Appear on the supporters' wall?" in html
    assert f'action="{WALL_CHOICE}"' in html
    for box in ("on_wall", "show_publicly"):
        tag = re.search(rf'<input type="checkbox" name="{box}"[^>]*>', html).group(0)
        assert "checked" not in tag
    # The form names the pledge by its token only (the page also links the
    # badge, whose address is public by design).
    form = re.search(rf'<form[^>]*action="{WALL_CHOICE}".*?</form>', html, re.S).group(0)
    assert str(pledge.public_id) not in form
    # The page holds that token: no cache on the way may keep it.
    assert "no-store" in response.headers["Cache-Control"]
    assert on_wall(pledge) == (False, False)  # nobody is on the wall by default


def test_it_records_the_owners_answer_and_when(client, signed_pledge):
    pledge, path = signed_pledge
    _html, token = confirm_and_read_token(client, path)
    moment = timezone.now() + timedelta(minutes=5)
    with time_machine.travel(moment, tick=False):
        data = {"choice": token, "on_wall": "on", "show_publicly": "on"}
        response = client.post(WALL_CHOICE, data)
    assert response.status_code == 200
    assert "You are on the supporters' wall as <bdi>Ana Silva</bdi>" in response.content.decode()
    assert on_wall(pledge) == (True, True)
    assert pledge.on_wall_changed_at == moment
    # She changes her mind from the same page: off the wall, and that is recorded too.
    with time_machine.travel(moment + timedelta(minutes=1), tick=False):
        response = client.post(WALL_CHOICE, {"choice": token})
    assert "You are not on the supporters' wall." in response.content.decode()
    assert on_wall(pledge) == (False, False)
    assert pledge.on_wall_changed_at == moment + timedelta(minutes=1)


def test_it_answers_in_the_language_of_the_thank_you_page(client, signed_pledge):
    pledge, path = signed_pledge
    html, token = confirm_and_read_token(client, path, prefix="/pt")
    assert 'action="/pt/confirm/wall-choice/"' in html
    response = client.post("/pt" + WALL_CHOICE, {"choice": token, "on_wall": "on"})
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "pt"
    assert on_wall(pledge) == (True, False)


@pytest.mark.parametrize(
    "forged",
    [
        pytest.param(lambda pledge: str(pledge.public_id), id="bare public id"),
        pytest.param(lambda pledge: make_confirm_token(pledge.public_id), id="confirm token"),
        pytest.param(
            lambda pledge: signing.dumps(str(pledge.public_id), salt="another.purpose"),
            id="signed for another purpose",
        ),
        pytest.param(lambda pledge: make_wall_choice_token(pledge.public_id)[:-1], id="cut"),
        pytest.param(lambda pledge: "", id="missing"),
        pytest.param(lambda pledge: "x" * 500, id="too long"),
    ],
)
def test_a_stranger_cannot_choose_for_someone_else(client, forged):
    ana = make_pledge("ana@example.org", "PT", display_name="Ana Silva")
    data = {"choice": forged(ana), "on_wall": "on", "show_publicly": "on"}
    response = client.post(WALL_CHOICE, data)
    assert response.status_code == 404
    assert on_wall(ana) == (False, False)
    assert ana.on_wall_changed_at is None


def test_a_stranger_cannot_take_the_owner_off_the_wall_either(client):
    ana = make_pledge("ana@example.org", "PT", display_name="Ana Silva")
    ana.choose_wall(on_wall=True, show_publicly=True, now=timezone.now())
    response = client.post(WALL_CHOICE, {"choice": str(ana.public_id)})
    assert response.status_code == 404
    assert on_wall(ana) == (True, True)


def test_the_question_expires_after_a_day_and_points_to_my_pledge(client, signed_pledge):
    pledge, path = signed_pledge
    _html, token = confirm_and_read_token(client, path)
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        response = client.post(WALL_CHOICE, {"choice": token, "on_wall": "on"})
    assert response.status_code == 410
    assert 'href="/my-pledge/"' in response.content.decode()
    assert on_wall(pledge) == (False, False)


def test_only_a_confirmed_pledge_can_go_on_the_wall(client):
    carla = make_pledge("carla@example.org", "PT", confirmed=False)
    token = make_wall_choice_token(carla.public_id)  # never given out for a pending pledge
    response = client.post(WALL_CHOICE, {"choice": token, "on_wall": "on"})
    assert response.status_code == 404
    assert on_wall(carla) == (False, False)


def test_an_erased_pledge_leaves_the_wall_and_its_old_page_changes_nothing(client, signed_pledge):
    pledge, path = signed_pledge
    _html, token = confirm_and_read_token(client, path)
    client.post(WALL_CHOICE, {"choice": token, "on_wall": "on", "show_publicly": "on"})
    assert on_wall(pledge) == (True, True)
    pledge.erase(timezone.now())
    assert on_wall(pledge) == (False, False)  # erasure resets the choice
    response = client.post(WALL_CHOICE, {"choice": token, "on_wall": "on"})
    assert response.status_code == 404
    assert on_wall(pledge) == (False, False)
    assert Pledge.objects.on_wall().count() == 0


def test_it_takes_only_a_post(client):
    assert client.get(WALL_CHOICE).status_code == 405


# "My pledge" asks the same.


def preferences(pledge, **changes) -> dict:
    data = {
        "pledge": str(pledge.public_id),
        "display_name": pledge.display_name,
        "country": pledge.country.code,
        "language": pledge.language,
    }
    return {**data, **changes}


def test_my_pledge_offers_the_wall_unticked_and_saves_the_choice_and_when(client):
    _ana, pledge = signed_in_supporter(client, "ana@example.org", "PT", "Ana Silva")
    html = client.get("/my-pledge/").content.decode()
    tag = re.search(r'<input type="checkbox" name="on_wall"[^>]*>', html).group(0)
    assert "checked" not in tag
    assert "Show me on the supporters&#x27; wall of this site, with my country" in html
    day = timedelta(days=1)
    start = timezone.now()
    with time_machine.travel(start + day, tick=False):
        response = client.post("/my-pledge/", preferences(pledge, on_wall="on"))
    assert response.status_code == 302
    assert on_wall(pledge) == (True, False)
    assert pledge.on_wall_changed_at == start + day
    html = client.get("/my-pledge/").content.decode()
    assert "checked" in re.search(r'<input type="checkbox" name="on_wall"[^>]*>', html).group(0)
    with time_machine.travel(start + 2 * day, tick=False):  # no new choice, no new time
        client.post("/my-pledge/", preferences(pledge, on_wall="on", display_name="Ana S."))
    assert pledge.on_wall_changed_at == start + day
    with time_machine.travel(start + 3 * day, tick=False):
        client.post("/my-pledge/", preferences(pledge))
    assert on_wall(pledge) == (False, False)
    assert pledge.on_wall_changed_at == start + 3 * day


def test_my_pledge_changes_no_one_elses_wall_choice(client):
    signed_in_supporter(client, "ana@example.org", "PT", "Ana Silva")
    bruno = make_pledge("bruno@example.org", "ES", display_name="Bruno García")
    response = client.post("/my-pledge/", preferences(bruno, on_wall="on"))
    assert response.status_code == 404
    assert on_wall(bruno) == (False, False)
