"""Staff personas and their second factor, for the tests of staff pages."""

import base64
import hashlib
import hmac
import secrets
import struct
import time

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from accounts.models import Role, RoleGrant, User

PERSONAS = [
    "anonymous",
    "supporter",
    "moderator_pt",
    "moderator_es",
    "organiser",
    "administrator",
]


def make_user(email: str, **fields) -> User:
    """An account with a verified address; the one confirming a pledge made for
    that address already, if it did (accounts.services.ensure_supporter_account)."""
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        if fields:
            User.objects.filter(pk=user.pk).update(**fields)
            user.refresh_from_db()
        return user
    # A random username, as accounts.adapter gives every account.
    user = User.objects.create_user(username=f"user-{secrets.token_hex(8)}", email=email, **fields)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def make_persona(name: str) -> User | None:
    """Supporter Sara, Paula who moderates Portugal, Elena who moderates Spain,
    Olga the organiser and Adam the administrator."""
    if name == "anonymous":
        return None
    email = {
        "supporter": "sara@example.org",
        "moderator_pt": "paula@example.org",
        "moderator_es": "elena@example.org",
        "organiser": "olga@example.org",
        "administrator": "adam@example.org",
    }[name]
    user = make_user(email, is_superuser=name == "administrator", is_staff=name == "administrator")
    now = "2026-11-28T00:00:00Z"
    if name.startswith("moderator_"):
        country = name.removeprefix("moderator_").upper()
        RoleGrant.objects.create(user=user, role=Role.MODERATOR, country=country, granted_at=now)
    if name == "organiser":
        RoleGrant.objects.create(user=user, role=Role.ORGANISER, granted_at=now)
    return user


def enable_mfa(user: User) -> str:
    """Set up TOTP for the user, as the activation page does; returns the secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str, at: float | None = None) -> str:
    """The code an authenticator app shows now (RFC 6238: SHA-1, 30 s, 6 digits).

    Close to the end of a 30-second step it waits for the next one, as a person
    would: allauth accepts the current step only, and a code that crossed the
    boundary on its way to the server would be refused."""
    if at is None and 30 - time.time() % 30 < 3:
        time.sleep(30 - time.time() % 30)
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int((at or time.time()) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def sign_in_as(client, persona: str, *, reauthenticated: bool = False) -> tuple[User, str]:
    """The persona, with MFA set up, signed in on `client` (and, if asked, having
    just confirmed who they are again). Returns the user and their TOTP secret."""
    user = make_persona(persona)
    secret = enable_mfa(user)
    client.force_login(user)
    if reauthenticated:
        reauthenticate(client, secret)
    return user, secret


def reauthenticate(client, secret: str) -> None:
    """Confirm who you are again with a fresh code, as sensitive actions ask."""
    response = client.post("/accounts/2fa/reauthenticate/", {"code": totp_code(secret)})
    assert response.status_code == 302, response.status_code
