from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class User(AbstractUser):
    """Staff and supporters who choose an account. Custom from the first
    migration so that roles and privacy settings can be added without a swap."""

    name = models.CharField(_("name"), max_length=150, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                models.functions.Lower("email"),
                name="accounts_user_email_ci_unique",
                condition=~models.Q(email=""),
            )
        ]


class Role(models.TextChoices):
    """Staff roles; everyone else is a supporter. What each may do is decided in
    one place, accounts.rules, never by comparing role names elsewhere."""

    MODERATOR = "moderator", _("Moderator")
    ORGANISER = "organiser", _("Organiser")
    # Held through Django's is_superuser flag, so the admin's own permission
    # checks agree with ours.
    ADMINISTRATOR = "administrator", _("Administrator")


class RoleGrant(models.Model):
    """A moderator's country, or an organiser's role."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_grants"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    # Only moderators have one: the country whose pages they run.
    country = CountryField(blank=True)
    granted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "country"], name="accounts_rolegrant_unique"
            ),
            models.CheckConstraint(
                condition=(Q(role=Role.MODERATOR) & ~Q(country=""))
                | (Q(role=Role.ORGANISER) & Q(country="")),
                name="accounts_rolegrant_country_for_moderators_only",
            ),
        ]

    def __str__(self) -> str:
        country = f" ({self.country.code})" if self.country else ""
        return f"{self.get_role_display()}{country}"


class RoleChange(models.Model):
    """The audit log of every grant and revocation: who, whom, what, when.

    Rows are only ever added. The users are kept as bare ids (no constraint), so
    the trail survives when an account is erased, without keeping its address.
    """

    class Action(models.TextChoices):
        GRANT = "grant", _("Granted")
        REVOKE = "revoke", _("Revoked")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    # For changes made outside the site, e.g. "createsuperuser".
    actor_label = models.CharField(max_length=50, blank=True)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    role = models.CharField(max_length=20, choices=Role.choices)
    country = CountryField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.role} {self.country} #{self.subject_id}"
        )


class AccessLog(models.Model):
    """Every time staff opened a supporter's personal data: who, what, when.

    Rows are only ever added (the admin shows them read-only). Like RoleChange,
    the staff member is a bare id, so the trail outlives their account; the
    object is named by its model and integer id, which outlive an erasure and
    never leave the system.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        ERASE = "erase", _("Erased on the supporter's behalf")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    action = models.CharField(max_length=10, choices=Action.choices, default=Action.VIEW)
    # "<app_label>.<model_name>", e.g. "pledges.pledge".
    model = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        what = f"{self.action} {self.model} #{self.object_id}"
        return f"{self.at:%Y-%m-%d %H:%M} #{self.actor_id} {what}"


class ReviewAction(models.Model):
    """Every bulk review of suspect pledges by an administrator: who, what,
    by which criteria, how many pledges it changed and how the counts moved.

    Rows are only ever added (the admin shows them read-only). Like AccessLog,
    the administrator is a bare id. The criteria hold no address: a network
    (part of its keyed hash, forgotten after 30 days as the pledges' are), an
    email domain and a time window.
    """

    class Action(models.TextChoices):
        RESTORE = "restore", _("Restored: counted once confirmed")
        INVALIDATE = "invalidate", _("Invalidated: never counted")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    criteria = models.JSONField(default=dict)
    pledges_changed = models.PositiveIntegerField()
    # The change in the world count, and in each country's ({"PT": -3}).
    counted_delta = models.IntegerField()
    country_deltas = models.JSONField(default=dict)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} #{self.actor_id} {self.action} {self.pledges_changed}"
