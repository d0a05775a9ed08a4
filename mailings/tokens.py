"""The token in every email's unsubscribe and preferences links.

It never expires: RFC 8058 asks that an unsubscribe link keep working, and an
email may be read months later. It carries only the pledge's public id, signed
(its own salt), so it cannot be forged; erasing one's data draws a new public
id, so old links then lead nowhere.
"""

from django.core import signing

SALT = "mailings.email-preferences"


def make_token(public_id) -> str:
    return signing.dumps(str(public_id), salt=SALT, compress=False)


def read_token(token: str) -> str | None:
    """The pledge's public id, or None for a token we did not sign."""
    if not token.isascii():
        # Every token we sign is ASCII; and Django's check would fail on a lone
        # surrogate with a UnicodeEncodeError, not a BadSignature.
        return None
    try:
        return signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
