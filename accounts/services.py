"""Supporters' accounts, and granting and revoking roles: each change and its
audit row in one transaction."""

import secrets
from datetime import datetime

from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, RoleChange, RoleGrant, User
from accounts.rules import can


def ensure_supporter_account(email: str) -> User:
    """The account of a supporter who has just confirmed their pledge.

    Confirming (a POST from the page their emailed link opened) proves the
    address is theirs, so it is an account's verified address from then on, and
    they sign in with a code sent to it: no sign-up, no password. An account that
    already uses the address is theirs; nothing is changed but the verification.

    The address is kept in lower case, as allauth keeps and looks up every
    address, so both lookups here are index probes: a case-insensitive match
    (`__iexact`, UPPER() on PostgreSQL) has no index and read every account on
    every confirmation.
    """
    email = email.lower()
    with transaction.atomic():
        address = EmailAddress.objects.lookup([email]).select_for_update().first()
        if address is not None:
            if not address.verified:
                EmailAddress.objects.filter(pk=address.pk).update(verified=True)
            return address.user
        user = account_with_email(email)
        if user is None:
            # A random username, as accounts.adapter gives: none derived from the address.
            user = User(username=f"user-{secrets.token_hex(8)}", email=email)
            user.set_unusable_password()
            user.save()
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def account_with_email(email: str) -> User | None:
    """The account whose email is `email`, whatever its case: on lower(email),
    which is what the unique index accounts_user_email_ci_unique holds (and only
    for non-empty addresses, as that partial index does), so it is one probe."""
    return (
        User.objects.alias(email_key=Lower("email"))
        .filter(email_key=email.lower())
        .exclude(email="")
        .first()
    )


def grant_role(
    actor: User, subject: User, role: str, country: str = "", now: datetime | None = None
) -> bool:
    """Give `subject` the role (a moderator: for `country`). False if they had it."""
    _check(actor, "grant", role, country)
    now = now or timezone.now()
    with transaction.atomic():
        if role == Role.ADMINISTRATOR:
            changed = User.objects.filter(pk=subject.pk, is_superuser=False).update(
                is_superuser=True, is_staff=True
            )
        else:
            _grant, changed = RoleGrant.objects.get_or_create(
                user=subject, role=role, country=country, defaults={"granted_at": now}
            )
        if changed:
            _log(actor, subject, RoleChange.Action.GRANT, role, country, now)
    return bool(changed)


def revoke_role(
    actor: User, subject: User, role: str, country: str = "", now: datetime | None = None
) -> bool:
    """Take the role away. False if they did not have it."""
    _check(actor, "revoke", role, country)
    now = now or timezone.now()
    with transaction.atomic():
        if role == Role.ADMINISTRATOR:
            if actor.pk == subject.pk:
                raise ValidationError(_("You cannot revoke your own administrator role."))
            changed = User.objects.filter(pk=subject.pk, is_superuser=True).update(
                is_superuser=False, is_staff=False
            )
        else:
            changed, _kinds = RoleGrant.objects.filter(
                user=subject, role=role, country=country
            ).delete()
        if changed:
            _log(actor, subject, RoleChange.Action.REVOKE, role, country, now)
    return bool(changed)


def _check(actor: User, action: str, role: str, country: str) -> None:
    if not can(actor, action, role):
        raise PermissionDenied
    if (role == Role.MODERATOR) != bool(country):
        raise ValidationError(_("A moderator needs a country, and only a moderator has one."))


def _log(actor: User, subject: User, action: str, role: str, country: str, now: datetime) -> None:
    RoleChange.objects.create(
        actor=actor, subject=subject, action=action, role=role, country=country, at=now
    )
