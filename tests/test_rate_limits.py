"""Rate limits on the public forms that send an email or change a supporter's
choices: per network (an IPv4 address, an IPv6 /64), per email domain and per
address, on the real Redis cache; a 429 page that says when to try again; and
signing that goes on when the cache is down.

Mallory the attacker signs strangers up from one network, then from many, and
forges X-Forwarded-For headers; Ana signs once, as anyone would; Bruno shares a
proxy with Mallory."""

import logging

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.utils import timezone

from abuse import limits
from campaign.models import LaunchRequest
from config.env import Rate, env_rate
from mailings.tokens import make_token
from pledges.models import Pledge, PledgeRequest
from tests.conftest import ANA, make_pledge
from tests.launch import upcoming_country
from tests.signin import requests_mail
from tests.staff import make_user

pytestmark = pytest.mark.django_db

HOUR, DAY = 3600, 86400
MALLORY = "203.0.113.66"


def stranger(n: int, domain: str = "example.org") -> dict:
    return {**ANA, "display_name": f"Stranger {n}", "email": f"stranger{n}@{domain}"}


def sign(data: dict, remote: str = MALLORY, path: str = "/pledge/", **headers):
    # A new client each time: no cookie or session ties the requests together.
    return Client().post(path, data, REMOTE_ADDR=remote, **headers)


@pytest.fixture
def tight(settings):
    """Small limits, so a test can go over them: 3 a network, 4 a domain and 2 an
    address."""
    settings.RATE_LIMIT_PER_NETWORK = Rate(3, HOUR)
    settings.RATE_LIMIT_PER_DOMAIN = Rate(4, HOUR)
    settings.RATE_LIMIT_PER_ADDRESS = Rate(2, DAY)
    return settings


def test_it_limits_signatures_per_ipv4_address(tight):
    assert [sign(stranger(n)).status_code for n in range(4)] == [302, 302, 302, 429]
    assert PledgeRequest.objects.count() == 3
    # Another network is not held back by Mallory's.
    assert sign(stranger(9), remote="198.51.100.7").status_code == 302


def test_a_request_refused_for_its_network_counts_nothing_against_its_address(tight):
    # Mallory's network is spent; her requests for Ana's address must not use up
    # Ana's own allowance (counting stops at the first limit a request goes over).
    for n in range(3):
        sign(stranger(n, domain="example.net"))
    assert [sign(ANA).status_code for _ in range(3)] == [429] * 3
    assert [sign(ANA, remote="198.51.100.7").status_code for _ in range(2)] == [302, 302]


@pytest.mark.parametrize(
    "backend",
    [
        "django_redis.cache.RedisCache",  # one script call for every scope
        "django.core.cache.backends.locmem.LocMemCache",  # the embedded default's cache
    ],
)
def test_it_limits_with_either_cache(tight, backend):
    tight.CACHES = {**tight.CACHES, "default": {**tight.CACHES["default"], "BACKEND": backend}}
    assert [sign(stranger(n, "example.net")).status_code for n in range(4)] == [302, 302, 302, 429]
    assert [sign(ANA, remote="198.51.100.7").status_code for _ in range(3)] == [302, 302, 429]


def test_it_counts_every_address_of_an_ipv6_slash_64_as_one_network(tight):
    remotes = [f"2001:db8:1:2::{n}" for n in range(1, 5)]
    statuses = [sign(stranger(n), remote=remote).status_code for n, remote in enumerate(remotes)]
    assert statuses == [302, 302, 302, 429]
    assert sign(stranger(9), remote="2001:db8:1:3::1").status_code == 302
    assert PledgeRequest.objects.count() == 4


def test_it_limits_one_domain_from_many_networks(tight):
    remotes = [f"198.51.100.{n}" for n in range(1, 7)]
    statuses = [
        sign(stranger(n, "small.example"), remote=remote).status_code
        for n, remote in enumerate(remotes)
    ]
    assert statuses == [302, 302, 302, 302, 429, 429]
    # The domain is counted whatever its case; other domains go on.
    assert sign(stranger(7, "SMALL.example"), remote="198.51.100.20").status_code == 429
    assert sign(stranger(8, "other.example"), remote="198.51.100.21").status_code == 302


def test_it_limits_one_address_the_same_whether_or_not_it_has_signed(tight):
    tight.RATE_LIMIT_PER_DOMAIN = Rate(100, HOUR)  # both addresses are at example.org
    make_pledge("known@example.org", "PT")
    answers = {}
    with time_machine.travel(timezone.now(), tick=False):
        for address in ("known@example.org", "unknown@example.org"):
            data = {**ANA, "email": address}
            remotes = ("198.51.100.1", "198.51.100.2", "198.51.100.3")
            responses = [sign(data, remote=remote) for remote in remotes]
            answers[address] = [
                (response.status_code, response.headers.get("Retry-After"), response.content)
                for response in responses
            ]
    # Counted as requests, not supporters: nothing tells the two apart.
    assert answers["known@example.org"] == answers["unknown@example.org"]
    assert [status for status, _after, _page in answers["unknown@example.org"]] == [302, 302, 429]
    # The address is counted whatever the case of its domain.
    assert sign({**ANA, "email": "unknown@EXAMPLE.org"}, remote="198.51.100.4").status_code == 429


def test_a_forged_forwarded_header_does_not_escape_the_limit(tight):
    tight.TRUSTED_PROXIES = []
    statuses = [
        sign(stranger(n), HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code for n in range(4)
    ]
    assert statuses == [302, 302, 302, 429]


def test_behind_a_trusted_proxy_each_client_is_counted_on_its_own(tight):
    tight.TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxy = "10.0.0.2"
    statuses = [
        sign(stranger(n), remote=proxy, HTTP_X_FORWARDED_FOR=MALLORY).status_code for n in range(4)
    ]
    assert statuses == [302, 302, 302, 429]
    # Bruno comes through the same proxy, from his own address.
    bruno = sign(stranger(9), remote=proxy, HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert bruno.status_code == 302


def test_the_429_page_says_when_to_try_again_and_writes_nothing(tight, eager_tasks):
    start = timezone.now().replace(minute=20, second=0, microsecond=0)
    with time_machine.travel(start, tick=False):
        for n in range(3):
            sign(stranger(n))
        requests, emails = PledgeRequest.objects.count(), len(mail.outbox)
        response = sign(stranger(3))
        portuguese = sign(stranger(4), path="/pt/pledge/")
    assert response.status_code == 429
    # The window is the clock's hour: 40 minutes are left of it.
    assert response.headers["Retry-After"] == str(40 * 60)
    page = response.content.decode()
    assert "<h1>Too many requests</h1>" in page
    assert "Please try again in 40\xa0minutes." in page
    assert '<link rel="stylesheet"' in page  # the site's own page, not a bare error
    assert PledgeRequest.objects.count() == requests
    assert len(mail.outbox) == emails
    # In the visitor's language (the wait in Django's own words; our sentences
    # follow once the catalogs are regenerated).
    assert portuguese.status_code == 429
    assert '<html lang="pt"' in portuguese.content.decode()
    assert "40\xa0minutos" in portuguese.content.decode()


def test_it_counts_nothing_on_get_pages(tight):
    client = Client(REMOTE_ADDR=MALLORY)
    assert {client.get("/pledge/").status_code for _ in range(10)} == {200}
    assert sign(stranger(1)).status_code == 302


def test_signing_goes_on_when_the_cache_is_down(tight, caplog):
    tight.CACHES = {
        **tight.CACHES,
        "default": {
            **tight.CACHES["default"],
            "LOCATION": "redis://127.0.0.1:9/1",  # nothing listens there
        },
    }
    try:
        with caplog.at_level(logging.WARNING, logger="abuse.limits"):
            statuses = [sign(stranger(n)).status_code for n in range(5)]
    finally:
        limits.cache_breaker.reset()
    assert statuses == [302] * 5
    assert PledgeRequest.objects.count() == 5
    [warning] = [record.getMessage() for record in caplog.records]
    assert warning == "rate limits skipped for sign: cache unreachable (ConnectionError)"
    assert "stranger" not in warning and MALLORY not in warning


def test_it_limits_new_links(tight):
    statuses = [
        Client()
        .post("/confirm/new-link/", {"email": f"stranger{n}@example.org"}, REMOTE_ADDR=MALLORY)
        .status_code
        for n in range(4)
    ]
    assert statuses == [302, 302, 302, 429]
    assert PledgeRequest.objects.count() == 3


def test_it_limits_launch_sign_ups(tight):
    upcoming_country("PT")
    statuses = [
        Client()
        .post("/countries/pt/notify/", {"email": f"stranger{n}@example.org"}, REMOTE_ADDR=MALLORY)
        .status_code
        for n in range(4)
    ]
    assert statuses == [302, 302, 302, 429]
    assert LaunchRequest.objects.count() == 3


def test_it_limits_how_often_one_address_is_unsubscribed_or_has_its_preferences_saved(tight):
    ana = make_pledge("ana@example.org", "PT", wants_updates=True)
    token = make_token(ana.public_id)
    remotes = ("198.51.100.1", "198.51.100.2", "198.51.100.3")
    unsubscribes = [
        Client().post(f"/unsubscribe/{token}/", REMOTE_ADDR=remote).status_code
        for remote in remotes
    ]
    assert unsubscribes == [200, 200, 429]
    saves = [
        Client()
        .post(f"/email-preferences/{token}/", {"language": "pt"}, REMOTE_ADDR=remote)
        .status_code
        for remote in remotes
    ]
    assert saves == [200, 200, 429]


def test_a_mail_providers_one_click_unsubscribes_are_not_held_back_by_its_network(tight):
    # One provider's servers unsubscribe many readers (RFC 8058), from one network.
    pledges = [make_pledge(f"reader{n}@example.org", "PT", wants_updates=True) for n in range(5)]
    statuses = [
        Client()
        .post(
            f"/unsubscribe/{make_token(pledge.public_id)}/",
            {"List-Unsubscribe": "One-Click"},
            REMOTE_ADDR=MALLORY,
        )
        .status_code
        for pledge in pledges
    ]
    assert statuses == [200] * 5
    assert not Pledge.objects.filter(wants_updates=True).exists()
    # People pressing the button, from that network, are.
    statuses = [
        Client().post(f"/unsubscribe/{make_token(pledge.public_id)}/", REMOTE_ADDR=MALLORY)
        for pledge in pledges[:4]
    ]
    assert [response.status_code for response in statuses] == [200, 200, 200, 429]


def test_sign_in_codes_are_limited_per_network_with_the_same_429_page(settings, eager_tasks):
    # allauth counts, with ACCOUNT_RATE_LIMITS built from the same settings.
    settings.ACCOUNT_RATE_LIMITS = {"login": "2/h/ip", "request_login_code": "2/h/ip,3/m/key"}
    settings.TRUSTED_PROXIES = []
    for n in range(2):
        make_user(f"member{n}@example.org")
    responses = []
    for n in range(3):
        with requests_mail():
            responses.append(
                Client().post(
                    "/accounts/login/",
                    {"login": f"member{n}@example.org"},
                    REMOTE_ADDR=MALLORY,
                    # Forged: no proxy is trusted, so it changes nothing.
                    HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
                )
            )
    assert [response.status_code for response in responses] == [302, 302, 429]
    refused = responses[-1]
    assert "<h1>Too many requests</h1>" in refused.content.decode()
    assert int(refused.headers["Retry-After"]) == settings.RATE_LIMIT_PER_NETWORK.seconds
    assert len(mail.outbox) == 2


def test_sign_in_codes_are_limited_per_domain(tight, eager_tasks):
    remotes = [f"198.51.100.{n}" for n in range(1, 7)]
    statuses = []
    for n, remote in enumerate(remotes):
        with requests_mail():
            response = Client().post(
                "/accounts/login/code/", {"email": f"m{n}@small.example"}, REMOTE_ADDR=remote
            )
        statuses.append(response.status_code)
    assert statuses == [302, 302, 302, 302, 429, 429]
    assert len(mail.outbox) == 4  # "no account here" notes, one an address


def test_allauth_limits_by_our_settings_per_network_and_per_address(settings):
    network = f"{settings.RATE_LIMIT_PER_NETWORK.count}/{settings.RATE_LIMIT_PER_NETWORK.seconds}s"
    address = f"{settings.RATE_LIMIT_PER_ADDRESS.count}/{settings.RATE_LIMIT_PER_ADDRESS.seconds}s"
    assert f"{network}/ip" in settings.ACCOUNT_RATE_LIMITS["login"]
    assert f"{network}/ip" in settings.ACCOUNT_RATE_LIMITS["signup"]
    codes = settings.ACCOUNT_RATE_LIMITS["request_login_code"]
    assert f"{network}/ip" in codes and f"{address}/key" in codes


@pytest.mark.parametrize(("value", "rate"), [("30/10m", (30, 600)), ("5/d", (5, DAY))])
def test_it_reads_a_rate_as_a_count_per_period(monkeypatch, value, rate):
    monkeypatch.setenv("RATE_LIMIT_PER_NETWORK", value)
    assert env_rate("RATE_LIMIT_PER_NETWORK", "100/h") == rate


@pytest.mark.parametrize("value", ["100", "0/h", "5/w", "five/d", "5/0m"])
def test_it_refuses_to_start_with_a_rate_it_cannot_read(monkeypatch, value):
    monkeypatch.setenv("RATE_LIMIT_PER_NETWORK", value)
    with pytest.raises(ImproperlyConfigured, match="RATE_LIMIT_PER_NETWORK"):
        env_rate("RATE_LIMIT_PER_NETWORK", "100/h")
