"""Signed, expiring tokens for the confirmation link.

Signed with SECRET_KEY (HMAC), so they cannot be guessed or forged, and they
carry no personal data: only the pledge's public id and the signing time.
"""

from datetime import timedelta

from django.core import signing

CONFIRM_SALT = "pledges.confirm"
CONFIRM_MAX_AGE = timedelta(days=14)


class ExpiredToken(Exception):
    pass


class BadToken(Exception):
    pass


def make_confirm_token(public_id) -> str:
    return signing.dumps(str(public_id), salt=CONFIRM_SALT, compress=False)


def read_confirm_token(token: str) -> str:
    """The pledge's public id, or ExpiredToken / BadToken."""
    try:
        return signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.SignatureExpired as error:
        raise ExpiredToken from error
    except signing.BadSignature as error:
        raise BadToken from error
