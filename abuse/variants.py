"""Variants of one mailbox: addresses that differ but reach the same inbox.

Some providers ignore dots in the local part (j.o.e@gmail.com is joe@gmail.com)
or deliver "sub-addresses" (joe+blue@outlook.com, joe-blue@yahoo.com) to the
base mailbox. One person could pledge once per variant and be counted each
time, so a new address whose canonical variant matches another pledge's is
held as suspect (abuse/suspicion.py) until an administrator reviews it.

PROVIDERS is the one list of these rules: a domain not on it is taken as its
owner wrote it, lower-cased, because elsewhere a dot or a plus may well make
another mailbox. What is stored is a keyed hash of the canonical variant
(`variant_key`), never the variant itself.
"""

from dataclasses import dataclass

from abuse.clients import keyed


@dataclass(frozen=True)
class Provider:
    # The provider's one domain, for domains that are aliases of each other.
    domain: str
    # Whether dots in the local part are ignored (Gmail's are).
    ignores_dots: bool = False
    # The separator after which the rest of the local part is a tag, if any.
    tag: str | None = None


_GMAIL = Provider("gmail.com", ignores_dots=True, tag="+")

# What each provider ignores in the local part: dots (Gmail), or a tag after
# "+" (or "-" at Yahoo) that its users add to sort or to hide their address.
PROVIDERS: dict[str, Provider] = {
    "gmail.com": _GMAIL,
    "googlemail.com": _GMAIL,
    "outlook.com": Provider("outlook.com", tag="+"),
    "hotmail.com": Provider("hotmail.com", tag="+"),
    "live.com": Provider("live.com", tag="+"),
    "icloud.com": Provider("icloud.com", tag="+"),
    "me.com": Provider("me.com", tag="+"),
    "fastmail.com": Provider("fastmail.com", tag="+"),
    "proton.me": Provider("proton.me", tag="+"),
    "protonmail.com": Provider("protonmail.com", tag="+"),
    # Yahoo's disposable addresses are base-keyword@yahoo.com.
    "yahoo.com": Provider("yahoo.com", tag="-"),
}


def canonical(email: str) -> str:
    """The mailbox an address reaches: lower-cased, and for PROVIDERS without
    what the provider ignores."""
    local, at, domain = email.lower().rpartition("@")
    if not at:
        return email.lower()
    provider = PROVIDERS.get(domain)
    if provider is None:
        return f"{local}@{domain}"
    if provider.tag:
        local = local.split(provider.tag, 1)[0]
    if provider.ignores_dots:
        local = local.replace(".", "")
    return f"{local}@{provider.domain}"


def variant_key(email: str) -> str:
    """The keyed hash of the address's canonical variant: equal for two
    variants of one mailbox, useless to anyone without SECRET_KEY."""
    return keyed(canonical(email), "address")
