"""Fuzzing every token reader: the confirmation link's, the wall question's, the
launch link's and the email footer's (unsubscribe, preferences).

Whatever string Mallory the attacker hands a reader (any Unicode, lone
surrogates included, text made of arbitrary bytes, token-shaped strings), it
answers only as documented: BadToken (or None, for the footer's links, which
never expire) and never anything else. A token Ana was given and Mallory
changed by one character, cut short or extended never names anybody but Ana;
a token made for one purpose opens nothing else; an old one is expired, and
names only its own subject.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from hypothesis import currently_in_test_context, given, note
from hypothesis import strategies as st

from campaign import tokens as launch_tokens
from mailings import tokens as footer_tokens
from pledges import tokens as pledge_tokens
from tests.fuzzing import fuzz_settings, tampered

BAD = ("bad", None)


@dataclass(frozen=True)
class Reader:
    """A token's maker and reader, and what the reader documents it raises."""

    name: str
    make: Callable
    read: Callable
    max_age: timedelta | None  # None: never expires
    bad: type[Exception] | None  # None: answers None instead
    expired: type[Exception] | None

    def outcome(self, token: str) -> tuple[str, str | None]:
        """("valid", subject), ("expired", subject, when the error names it),
        or BAD; any other exception is the test's failure."""
        if currently_in_test_context():
            note(f"{self.name}: {token!r}")  # printed for a failing example
        try:
            subject = self.read(token)
        except Exception as error:
            if self.expired is not None and isinstance(error, self.expired):
                return ("expired", getattr(error, "public_id", None))
            if self.bad is not None and isinstance(error, self.bad):
                return BAD
            raise
        return BAD if subject is None else ("valid", subject)

    def __repr__(self) -> str:
        return self.name


READERS = [
    Reader(
        "confirmation link",
        pledge_tokens.make_confirm_token,
        pledge_tokens.read_confirm_token,
        pledge_tokens.CONFIRM_MAX_AGE,
        pledge_tokens.BadToken,
        pledge_tokens.ExpiredToken,
    ),
    Reader(
        "wall question",
        pledge_tokens.make_wall_choice_token,
        pledge_tokens.read_wall_choice_token,
        pledge_tokens.WALL_CHOICE_MAX_AGE,
        pledge_tokens.BadToken,
        pledge_tokens.ExpiredToken,
    ),
    Reader(
        "launch link",
        launch_tokens.make_launch_token,
        launch_tokens.read_launch_token,
        launch_tokens.LAUNCH_CONFIRM_MAX_AGE,
        launch_tokens.BadToken,
        launch_tokens.ExpiredToken,
    ),
    Reader(
        "email footer links", footer_tokens.make_token, footer_tokens.read_token, None, None, None
    ),
]

# Every code point, lone surrogates included (exclude_categories=() lifts
# Hypothesis's default exclusion of them), and those often: Django decodes a
# request with replacement, but a codec such as utf-7 makes them, and the
# readers promise to take any string.
ANY_CHARACTER = st.one_of(st.characters(exclude_categories=()), st.characters(categories=["Cs"]))
# What a token is made of: base64url, base62 and the separator.
TOKEN_CHARACTER = st.sampled_from(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_:"
)
STRINGS = st.one_of(
    st.text(ANY_CHARACTER),
    # Arbitrary bytes, as text: a character a byte, or undecodable bytes as
    # surrogates (surrogateescape).
    st.binary().map(lambda raw: raw.decode("latin-1")),
    st.binary().map(lambda raw: raw.decode("utf-8", "surrogateescape")),
    # Shaped like a token (so it gets as far as the signature), with anything
    # mixed in.
    st.lists(st.one_of(TOKEN_CHARACTER, TOKEN_CHARACTER, ANY_CHARACTER), max_size=80).map("".join),
)


@given(reader=st.sampled_from(READERS), token=STRINGS)
@fuzz_settings
def test_any_string_is_a_bad_token_and_nothing_else(reader, token):
    assert reader.outcome(token) == BAD


def aged(reader: Reader, old: bool):
    """The clock now, or just past the reader's maximum age."""
    if not old or reader.max_age is None:
        return time_machine.travel(datetime.now(UTC), tick=False)
    return time_machine.travel(datetime.now(UTC) + reader.max_age + timedelta(minutes=1))


@given(reader=st.sampled_from(READERS), public_id=st.uuids(), old=st.booleans(), data=st.data())
@fuzz_settings
def test_a_tampered_token_never_names_anyone_else(reader, public_id, old, data):
    token = reader.make(public_id)
    changed = data.draw(tampered(token, ANY_CHARACTER), label="changed")
    with aged(reader, old):
        _kind, subject = reader.outcome(changed)
    assert subject in (None, str(public_id))


@given(
    maker=st.sampled_from(READERS),
    reader=st.sampled_from(READERS),
    public_id=st.uuids(),
    old=st.booleans(),
)
@fuzz_settings
def test_a_token_opens_only_what_it_was_made_for_and_only_while_fresh(
    maker, reader, public_id, old
):
    token = maker.make(public_id)
    with aged(reader, old):
        outcome = reader.outcome(token)
    if maker is not reader:
        assert outcome == BAD
    elif old and reader.max_age is not None:
        assert outcome in (("expired", None), ("expired", str(public_id)))
    else:
        assert outcome == ("valid", str(public_id))


@pytest.mark.parametrize("reader", READERS, ids=repr)
def test_a_token_with_a_lone_surrogate_is_a_bad_token_not_a_unicode_error(reader):
    # Found by the fuzzing above: Django's signature check encodes the token and
    # raised UnicodeEncodeError. Through a request, a multipart body declared
    # utf-7 ("+2AA-" is U+D800) put one in the wall question's token: a 500.
    token = reader.make("7c0c1a3e-4b7b-4f4e-9a51-1d1f0b2a9c3d")
    assert reader.outcome("\ud800" + token) == BAD
    assert reader.outcome(token[:-1] + "\udfff") == BAD
