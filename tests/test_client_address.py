"""Who is asking: the socket's peer, unless a proxy we trust handed the request
on, and then only what our proxies vouch for. Mallory sends X-Forwarded-For
headers of her own; they must never change who she is."""

import pytest
from django.test import RequestFactory

from abuse.clients import client_address, network, network_key

factory = RequestFactory()


def request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return factory.get("/", **extra)


def test_it_ignores_a_forwarded_header_when_no_proxy_is_trusted(settings):
    settings.TRUSTED_PROXIES = []
    assert str(client_address(request("203.0.113.9", "198.51.100.1"))) == "203.0.113.9"


def test_it_ignores_a_forwarded_header_from_a_client_that_is_not_our_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert str(client_address(request("203.0.113.9", "198.51.100.1"))) == "203.0.113.9"


def test_it_reads_the_client_that_our_proxy_vouches_for(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert str(client_address(request("10.1.2.3", "198.51.100.7"))) == "198.51.100.7"


def test_it_skips_our_own_proxies_and_stops_at_the_first_outsider(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    # Mallory put 192.0.2.1 in front herself; our proxies only vouch for her.
    forwarded = "192.0.2.1, 198.51.100.7, 10.9.9.9"
    assert str(client_address(request("10.1.2.3", forwarded))) == "198.51.100.7"


def test_it_stops_at_garbage_beyond_our_proxies(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert str(client_address(request("10.1.2.3", "not-an-address, 10.4.4.4"))) == "10.4.4.4"


def test_it_groups_an_ipv6_client_by_its_slash_64():
    one = client_address(request("2001:db8:1:2:aaaa::1"))
    other = client_address(request("2001:db8:1:2:bbbb::2"))
    elsewhere = client_address(request("2001:db8:1:3::1"))
    assert network(one) == network(other) == "2001:db8:1:2::/64"
    assert network(elsewhere) != network(one)


def test_it_counts_each_ipv4_address_on_its_own():
    assert network(client_address(request("203.0.113.9"))) == "203.0.113.9"
    assert network(client_address(request("::ffff:203.0.113.9"))) == "203.0.113.9"


def test_it_stores_a_keyed_hash_never_the_address(settings):
    key = network_key(request("203.0.113.9"))
    assert "203" not in key and len(key) == 32
    assert key == network_key(request("203.0.113.9"))
    settings.SECRET_KEY = "another key entirely, as on another deployment"
    assert network_key(request("203.0.113.9")) != key


@pytest.mark.parametrize("value", ["10.0.0.0/8,garbage", "300.1.1.1"])
def test_it_refuses_to_start_with_a_proxy_list_it_cannot_read(monkeypatch, value):
    from django.core.exceptions import ImproperlyConfigured

    from config.env import env_networks

    monkeypatch.setenv("TRUSTED_PROXIES", value)
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES"):
        env_networks("TRUSTED_PROXIES")
