"""Who may do what: the one place permissions are decided.

Views, templates and later issues ask `can(user, action, obj)`; nothing else
compares role names. Staff pages additionally require MFA (accounts.decorators).
"""

from allauth.mfa.utils import is_mfa_enabled
from django.db.models import Q

from accounts.models import Role, User

# What each role may do; moderators' actions are also scoped to their countries.
_ALLOWED = {
    "view_staff_area": {Role.MODERATOR, Role.ORGANISER, Role.ADMINISTRATOR},
    "edit_country": {Role.MODERATOR, Role.ADMINISTRATOR},
    # The information pages are the campaign's, not a country's.
    "edit_pages": {Role.ORGANISER, Role.ADMINISTRATOR},
    "send_updates": {Role.MODERATOR, Role.ORGANISER, Role.ADMINISTRATOR},
    # The world total and other campaign-wide figures: not a country's, so
    # never a moderator's (the dashboard shows it to these roles only).
    "view_counts": {Role.ORGANISER, Role.ADMINISTRATOR},
    # The dashboard's figures by country: a moderator sees their own countries'.
    "view_dashboard": {Role.MODERATOR, Role.ORGANISER, Role.ADMINISTRATOR},
    # Aggregates only (reports/exports.py); a moderator's hold their countries alone.
    "export": {Role.MODERATOR, Role.ORGANISER, Role.ADMINISTRATOR},
    "manage_roles": {Role.ORGANISER, Role.ADMINISTRATOR},
    "use_admin": {Role.ADMINISTRATOR},
    "view_personal_data": {Role.ADMINISTRATOR},
    # Restoring or invalidating suspect pledges changes the counts themselves.
    "review_suspects": {Role.ADMINISTRATOR},
}
# Actions on a country that a moderator may take only for their own countries.
_COUNTRY_SCOPED = {"edit_country", "send_updates", "view_dashboard", "export"}
# Country-scoped actions an organiser takes for every country (a campaign-wide
# role); edit_country stays the moderators' and administrators'.
_ORGANISER_EVERYWHERE = {"send_updates", "view_dashboard", "export"}
# Which roles a holder of a role may grant and revoke.
_GRANTABLE = {
    Role.ADMINISTRATOR: {Role.MODERATOR, Role.ORGANISER, Role.ADMINISTRATOR},
    Role.ORGANISER: {Role.MODERATOR},
}


def roles_of(user) -> frozenset[str]:
    """The user's staff roles (cached on the user object for the request)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_blueheart_roles", None)
    if cached is None:
        grants = set(user.role_grants.values_list("role", flat=True))
        if user.is_superuser:
            grants.add(Role.ADMINISTRATOR)
        cached = user._blueheart_roles = frozenset(grants)
    return cached


def moderated_countries(user) -> frozenset[str]:
    if Role.MODERATOR not in roles_of(user):
        return frozenset()
    countries = user.role_grants.filter(role=Role.MODERATOR).values_list("country", flat=True)
    return frozenset(str(code) for code in countries)


def countries_in_scope(user, action: str) -> frozenset[str] | None:
    """The countries for which `user` may take the country-scoped `action`
    (as `can` decides it): None for every country."""
    roles = roles_of(user)
    if not roles & _ALLOWED[action]:
        return frozenset()
    if Role.ADMINISTRATOR in roles or (Role.ORGANISER in roles and action in _ORGANISER_EVERYWHERE):
        return None
    return moderated_countries(user)


def is_staff_member(user) -> bool:
    return bool(roles_of(user))


def staff_addresses(user_ids) -> dict[int, str]:
    """The addresses of those among `user_ids` who hold a staff role now. Staff
    may see each other's; a supporter's (a former moderator's, say) never shows."""
    return dict(
        User.objects.filter(Q(is_superuser=True) | Q(role_grants__isnull=False), pk__in=user_ids)
        .distinct()
        .values_list("pk", "email")
    )


def needs_mfa(user) -> bool:
    """Staff must have a second factor before any staff page opens."""
    return is_staff_member(user) and not is_mfa_enabled(user)


def can(user, action: str, obj=None) -> bool:
    """May `user` take `action` (on `obj`)?

    - a role, for "grant" and "revoke";
    - a country code (or an object with `.code`), for country-scoped actions;
    - nothing, for the others.
    """
    roles = roles_of(user)
    if action in ("grant", "revoke"):
        return any(str(obj) in _GRANTABLE.get(role, ()) for role in roles)
    allowed = _ALLOWED.get(action)
    if allowed is None:
        raise ValueError(f"unknown action {action!r}")
    if not roles & allowed:
        return False
    if action in _COUNTRY_SCOPED and obj is not None and Role.ADMINISTRATOR not in roles:
        code = str(getattr(obj, "code", obj)).upper()
        if Role.ORGANISER in roles and action in _ORGANISER_EVERYWHERE:
            return True
        return code in moderated_countries(user)
    return True
