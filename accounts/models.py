from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """Staff and, later, supporters who choose an account. Custom from the first
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
