"""Who is asking: the client's address, and the network it belongs to.

The address is REMOTE_ADDR unless that is one of the proxies the deployment
trusts (TRUSTED_PROXIES). Only then is X-Forwarded-For read, from the right,
skipping the trusted proxies: anyone can send that header, so an entry is
believed only when the hop that added it is ours.

Networks are what limits and signals group by: one IPv4 address, or an IPv6
/64 (a single home or phone is given a whole /64). What is stored is a keyed
hash of the network, never the address: enough to group, useless to anyone
without the key.
"""

import ipaddress
from functools import cache

from django.conf import settings
from django.utils.crypto import salted_hmac

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# An address we could not read groups with every other such request.
UNKNOWN = "unknown"


@cache
def _trusted(proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _parse(value: str) -> IPAddress | None:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _is_trusted(address: IPAddress) -> bool:
    return any(address in network for network in _trusted(tuple(settings.TRUSTED_PROXIES)))


def client_address(request) -> IPAddress | None:
    """The client's address, as far as the proxies we trust vouch for it."""
    address = _parse(request.META.get("REMOTE_ADDR", ""))
    if address is None or not _is_trusted(address):
        return address
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        hop_address = _parse(hop)
        if hop_address is None:
            # Garbage from beyond our proxies: the last address we can vouch
            # for is the one that handed it to us.
            return address
        address = hop_address
        if not _is_trusted(address):
            return address
    return address


def network(address: IPAddress | None) -> str:
    """The network a request counts against: the address itself for IPv4, its
    /64 for IPv6."""
    if address is None:
        return UNKNOWN
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def keyed(value: str, purpose: str) -> str:
    """A keyed hash of value (an address, a network, a domain): the same value
    always gives the same key, but nobody without SECRET_KEY can tell which
    value it was."""
    return salted_hmac(f"blueheart.abuse.{purpose}", value, algorithm="sha256").hexdigest()[:32]


def network_key(request) -> str:
    """The keyed hash of the request's network: what limits and signals group
    by, and all that is ever stored of where a request came from."""
    return keyed(network(client_address(request)), "network")
