"""Signed, expiring tokens for the link that confirms a launch sign-up.

Signed with SECRET_KEY (HMAC) under their own salt, so a pledge's confirmation
token never opens this page nor the other way round; they carry no personal
data, only the subscription's public id and the signing time.
"""

from datetime import timedelta

from django.core import signing

LAUNCH_CONFIRM_SALT = "campaign.launch-signup.confirm"
# As long as a pledge's link: long enough for a holiday, short enough that an
# old email in a shared inbox soon stops working.
LAUNCH_CONFIRM_MAX_AGE = timedelta(days=14)


class BadToken(Exception):
    pass


class ExpiredToken(Exception):
    """A link that was ours but is too old; it still names its subscription,
    so the page can offer to ask again for the same country."""

    def __init__(self, public_id: str):
        super().__init__("expired")
        self.public_id = public_id


def make_launch_token(public_id) -> str:
    return signing.dumps(str(public_id), salt=LAUNCH_CONFIRM_SALT, compress=False)


def read_launch_token(token: str) -> str:
    """The subscription's public id, or ExpiredToken / BadToken."""
    if not token.isascii():
        # Every token we sign is ASCII; and Django's check would fail on a lone
        # surrogate with a UnicodeEncodeError, not a BadSignature.
        raise BadToken
    try:
        return signing.loads(token, salt=LAUNCH_CONFIRM_SALT, max_age=LAUNCH_CONFIRM_MAX_AGE)
    except signing.SignatureExpired:
        # Genuinely ours (the signature held), only too old.
        raise ExpiredToken(signing.loads(token, salt=LAUNCH_CONFIRM_SALT)) from None
    except signing.BadSignature as error:
        raise BadToken from error
