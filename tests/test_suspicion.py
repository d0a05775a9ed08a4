"""Silent suspicion: the worker holds out of the counts, and off the walls, the
signatures that look like one person pledging many times, while their signers
see and receive exactly what anyone does.

Ana signs from home (Portugal) as ana.silva@gmail.com; Bruno from his office
(Spain). Mallory the attacker signs many addresses from one network, confirms
them as fast as the emails come, and tries other spellings of Ana's mailbox."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache, caches
from django.utils import timezone

from abuse.clients import keyed
from pledges import counting, services
from pledges.models import CountShard, Pledge, PledgeRequest
from reports import exports
from tests.conftest import confirm_path, press_confirm

pytestmark = pytest.mark.django_db

ANAS_HOME = "198.51.100.7"
BRUNOS_OFFICE = "2001:db8:1:2::10"
MALLORYS = "203.0.113.66"
MALLORYS_KEY = keyed(MALLORYS, "network")
START = "2026-12-01T10:00:00+00:00"
ANA = {"display_name": "Ana Silva", "email": "ana.silva@gmail.com", "country": "PT"}


@pytest.fixture
def sign_from(client, django_capture_on_commit_callbacks, eager_tasks):
    """POST the pledge form from an address; the worker applies it at once."""

    def sign_from(address, email, *, country="PT", name="Someone"):
        data = {"display_name": name, "email": email, "country": country, "pledge": "on"}
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/pledge/", data, REMOTE_ADDR=address)
        assert (response.status_code, response["Location"]) == (302, "/pledge/sent/")
        return response

    return sign_from


def link_for(email: str) -> str:
    """The confirmation link in the latest email to `email`."""
    for message in reversed(mail.outbox):
        if message.to == [email] and "/confirm/" in message.body:
            return confirm_path(message)
    raise AssertionError(f"no confirmation link for {email}")


def confirm(client, email, **changes) -> Pledge:
    response = press_confirm(client, link_for(email), **changes)
    assert response.status_code == 200
    return Pledge.objects.get(email=email)


def counts() -> dict[str, int]:
    return counting.compute_counts()["countries"]


def standings() -> dict[str, str]:
    return dict(Pledge.objects.values_list("email", "standing"))


def test_a_burst_holds_every_pledge_of_the_window_and_the_counts_drop_exactly(client, sign_from):
    with time_machine.travel(START, tick=False) as clock:
        sign_from(ANAS_HOME, ANA["email"], name="Ana Silva")
        confirm(client, ANA["email"])
        sign_from(BRUNOS_OFFICE, "bruno@example.org", country="ES")
        confirm(client, "bruno@example.org")
        # Mallory confirms each of his first five before signing the next.
        for n in range(1, 6):
            clock.shift(timedelta(minutes=1))
            sign_from(MALLORYS, f"m{n}@example.net")
            confirm(client, f"m{n}@example.net")
        assert counts() == {"PT": 6, "ES": 1}
        assert set(standings().values()) == {""}

        clock.shift(timedelta(minutes=1))
        sign_from(MALLORYS, "m6@example.net")

    held = {f"m{n}@example.net" for n in range(1, 7)}
    assert {email for email, standing in standings().items() if standing} == held
    assert set(Pledge.objects.filter(email__in=held).values_list("standing", flat=True)) == {
        "suspect"
    }
    # The five he confirmed left the count, exactly; nobody else's did.
    assert counts() == {"PT": 1, "ES": 1}
    assert counting.reconcile_counts() == {}
    # Nothing told him: the sixth got its confirmation email like anyone.
    assert link_for("m6@example.net")


def test_signatures_spread_wider_than_the_window_are_no_burst(client, sign_from):
    with time_machine.travel(START, tick=False) as clock:
        for n in range(1, 8):
            sign_from(MALLORYS, f"m{n}@example.net")
            confirm(client, f"m{n}@example.net")
            clock.shift(timedelta(minutes=3))  # 4 in any 10 minutes
    assert set(standings().values()) == {""}
    assert counts() == {"PT": 7}


def test_a_stranger_signing_a_confirmed_address_in_a_burst_cannot_get_it_held(client, sign_from):
    with time_machine.travel(START, tick=False):
        sign_from(ANAS_HOME, ANA["email"], name="Ana Silva")
        confirm(client, ANA["email"])
        for n in range(1, 7):
            sign_from(MALLORYS, f"m{n}@example.net")
        sign_from(MALLORYS, ANA["email"])
    assert standings()[ANA["email"]] == ""
    assert counts() == {"PT": 1}


@pytest.mark.parametrize(
    "variant", ["a.n.a.silva@gmail.com", "Ana.Silva+blue@googlemail.com", "anasilva@gmail.com"]
)
def test_another_address_of_a_mailbox_that_pledged_is_held(client, sign_from, variant):
    sign_from(ANAS_HOME, ANA["email"], name="Ana Silva")
    confirm(client, ANA["email"])
    sign_from(MALLORYS, variant)
    # An address elsewhere with the same local part is another mailbox.
    sign_from(MALLORYS, "ana.silva@example.org")
    assert Pledge.objects.for_email(variant).get().standing == "suspect"
    assert Pledge.objects.get(email=ANA["email"]).standing == ""
    assert Pledge.objects.get(email="ana.silva@example.org").standing == ""


def test_confirming_a_suspect_counts_nothing_and_looks_the_same(client, sign_from):
    sign_from(ANAS_HOME, ANA["email"], name="Ana Silva")
    confirm(client, ANA["email"])
    sign_from(MALLORYS, "ana.silva+2@gmail.com", name="Ana Two")

    response = press_confirm(client, link_for("ana.silva+2@gmail.com"))
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    held = Pledge.objects.get(email="ana.silva+2@gmail.com")
    assert held.is_confirmed and held.standing == "suspect"
    assert held.supporter_number is not None  # a badge like anyone's
    assert counts() == {"PT": 1}
    assert counting.reconcile_counts() == {}


def test_a_suspect_is_in_no_count_figure_export_or_wall(client, sign_from):
    with time_machine.travel(START, tick=False):
        sign_from(ANAS_HOME, ANA["email"], name="Ana Silva")
        ana = confirm(client, ANA["email"])
        sign_from(MALLORYS, "a.na.silva@gmail.com", name="Mallory Fake")
        fake = confirm(client, "a.na.silva@gmail.com")
        for pledge in (ana, fake):
            assert pledge.choose_wall(on_wall=True, show_publicly=True, now=timezone.now())
    cache.clear()
    caches["local"].clear()

    assert client.get("/api/v1/counts").json()["countries"] == {"PT": 1}
    daily = client.get("/api/v1/counts/daily?country=PT&from=2026-12-01&to=2026-12-01").json()
    assert daily["total"] == 1
    day = date(2026, 12, 1)
    assert list(exports.country_day_rows(day, day, None)) == [(day, "PT", 1)]
    assert sum(CountShard.objects.totals().values()) == 1
    wall = client.get("/wall/").content.decode()
    assert "Ana Silva" in wall
    assert "Mallory Fake" not in wall


def test_erasing_a_suspect_keeps_it_uncounted(client, sign_from):
    sign_from(ANAS_HOME, ANA["email"], name="Ana Silva")
    confirm(client, ANA["email"])
    sign_from(MALLORYS, "ana.silva+2@gmail.com")
    held = confirm(client, "ana.silva+2@gmail.com")
    assert held.network_key and held.email_variant_key

    held.erase(timezone.now())

    held.refresh_from_db()
    assert (held.email, held.standing) == (None, "suspect")
    assert (held.network_key, held.email_variant_key) == ("", "")
    assert counts() == {"PT": 1}
    assert counting.reconcile_counts() == {}


def test_a_suspect_moving_country_moves_no_count(client, sign_from):
    sign_from(ANAS_HOME, ANA["email"], name="Ana Silva")
    confirm(client, ANA["email"])
    sign_from(MALLORYS, "ana.silva+2@gmail.com")
    held = confirm(client, "ana.silva+2@gmail.com")
    assert held.change_preferences(
        display_name="Someone",
        show_publicly=False,
        on_wall=False,
        country="ES",
        language="en",
        wants_updates=False,
        wording_version=held.wording_version,
        now=timezone.now(),
    )
    assert counts() == {"PT": 1}
    assert counting.reconcile_counts() == {}


def test_a_worker_dying_before_the_judgement_leaves_the_request_to_be_judged_again(
    monkeypatch, django_capture_on_commit_callbacks
):
    def receive(n):
        with django_capture_on_commit_callbacks(execute=False):  # applied below
            services.sign_pledge(
                display_name="M",
                email=f"m{n}@example.net",
                country="PT",
                language="en",
                network_key=MALLORYS_KEY,
            )
        return PledgeRequest.objects.latest("pk").pk

    services.apply_requests([receive(n) for n in range(1, 6)])
    sixth = receive(6)

    def killed(*args, **kwargs):
        raise SystemExit("the worker is killed")

    monkeypatch.setattr(services.suspicion, "judge", killed)
    with pytest.raises(SystemExit):
        services.apply_requests([sixth])
    assert Pledge.objects.filter(email="m6@example.net").exists()  # merged
    assert PledgeRequest.objects.filter(pk=sixth).exists()  # not judged: still there
    monkeypatch.undo()

    services.apply_requests([sixth])  # as the sweep hands it out again
    assert not PledgeRequest.objects.exists()
    assert set(standings().values()) == {"suspect"}
