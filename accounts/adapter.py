"""How django-allauth fits Blue Heart: accounts named by their email address, and
account emails that link to the site's own address (SITE_URL) like every other."""

import secrets
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    def populate_username(self, request, user) -> None:
        # AbstractUser requires a unique username; allauth would derive one from
        # the address ("ana" for ana@example.org), a copy of personal data in a
        # second column. A random one says nothing about anybody.
        if not user.username:
            user.username = f"user-{secrets.token_hex(8)}"

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # Sent inside the request, through the default mailer, in the language of
        # the page that asked for it (see the README on signing in).
        super().send_mail(template_prefix, email, {"site_url": settings.SITE_URL, **context})


def user_display(user) -> str:
    """How allauth's pages name a person: by address (ACCOUNT_USER_DISPLAY)."""
    return user.email or str(user)
