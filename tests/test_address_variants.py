"""Variants of one mailbox (abuse/variants.py): what each provider on the list
ignores, and nothing for a domain not on it."""

import re

import pytest

from abuse.variants import PROVIDERS, canonical, variant_key


@pytest.mark.parametrize(
    ("address", "mailbox"),
    [
        ("Ana.Silva@Gmail.com", "anasilva@gmail.com"),
        ("a.n.a.silva+blue@googlemail.com", "anasilva@gmail.com"),
        ("ana+news+more@outlook.com", "ana@outlook.com"),
        ("ana.silva+x@hotmail.com", "ana.silva@hotmail.com"),
        ("ana+x@live.com", "ana@live.com"),
        ("ana+x@icloud.com", "ana@icloud.com"),
        ("ana+x@me.com", "ana@me.com"),
        ("ana+x@fastmail.com", "ana@fastmail.com"),
        ("ana+x@proton.me", "ana@proton.me"),
        ("ana+x@protonmail.com", "ana@protonmail.com"),
        ("ana-shopping@yahoo.com", "ana@yahoo.com"),
        # A provider not on the list: a dot or a plus may make another mailbox.
        ("Ana.Silva+x@Example.org", "ana.silva+x@example.org"),
        ("ana+x@yahoo.com", "ana+x@yahoo.com"),
    ],
)
def test_it_reduces_an_address_to_its_mailbox(address, mailbox):
    assert canonical(address) == mailbox


def test_every_listed_domain_is_its_own_or_an_alias_of_one_listed():
    for provider in PROVIDERS.values():
        assert provider.domain in PROVIDERS
        assert provider.tag in ("+", "-")


def test_the_stored_key_is_equal_for_variants_and_reveals_nothing():
    key = variant_key("a.na+1@gmail.com")
    assert key == variant_key("ANA@googlemail.com") != variant_key("ana@example.org")
    assert re.fullmatch("[0-9a-f]{32}", key)  # a keyed hash, not the address
