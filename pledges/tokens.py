"""Signed, expiring tokens: the confirmation link, and the thank-you page's
wall question.

Signed with SECRET_KEY (HMAC), so they cannot be guessed or forged, and they
carry no personal data: only the pledge's public id and the signing time. Each
purpose has its own salt, so one token never passes for the other.
"""

from datetime import timedelta

from django.core import signing

CONFIRM_SALT = "pledges.confirm"
CONFIRM_MAX_AGE = timedelta(days=14)
# The thank-you page carries this token in its wall question's form: only the
# owner's confirming POST is answered with it, so it proves the answer is theirs.
# A day leaves time to answer a page left open; later, "My pledge" asks the same.
WALL_CHOICE_SALT = "pledges.wall-choice"
WALL_CHOICE_MAX_AGE = timedelta(days=1)


class ExpiredToken(Exception):
    pass


class BadToken(Exception):
    pass


def make_confirm_token(public_id) -> str:
    return signing.dumps(str(public_id), salt=CONFIRM_SALT, compress=False)


def read_confirm_token(token: str) -> str:
    """The pledge's public id, or ExpiredToken / BadToken."""
    return _read(token, CONFIRM_SALT, CONFIRM_MAX_AGE)


def make_wall_choice_token(public_id) -> str:
    return signing.dumps(str(public_id), salt=WALL_CHOICE_SALT, compress=False)


def read_wall_choice_token(token: str) -> str:
    """The pledge's public id, or ExpiredToken / BadToken."""
    return _read(token, WALL_CHOICE_SALT, WALL_CHOICE_MAX_AGE)


def _read(token: str, salt: str, max_age: timedelta) -> str:
    if not token.isascii():
        # Every token we sign is ASCII; and Django's check would fail on a lone
        # surrogate with a UnicodeEncodeError, not a BadSignature.
        raise BadToken
    try:
        return signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired as error:
        raise ExpiredToken from error
    except signing.BadSignature as error:
        raise BadToken from error
