"""How django-allauth fits Blue Heart: accounts named by their email address, and
account emails that link to the site's own address (SITE_URL) like every other
and go out through the outbox, from a worker, like every other."""

import secrets
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site

from abuse.clients import UNKNOWN, client_address
from core.mail import queue_email


class AccountAdapter(DefaultAccountAdapter):
    def populate_username(self, request, user) -> None:
        # AbstractUser requires a unique username; allauth would derive one from
        # the address ("ana" for ana@example.org), a copy of personal data in a
        # second column. A random one says nothing about anybody.
        if not user.username:
            user.username = f"user-{secrets.token_hex(8)}"

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # Rendered here, in the language of the page that asked for it, with the
        # context allauth's own send_mail gives; sent by a worker through the
        # outbox, never inside the request (see the README on signing in).
        request = allauth_context.request
        context = {
            "request": request,
            "email": email,
            "current_site": get_current_site(request),
            "site_url": settings.SITE_URL,
            **context,
        }
        queue_email(self.render_mail(template_prefix, email, context))

    def get_client_ip(self, request) -> str:
        # Who is asking, for allauth's rate limits, as for every limit of ours:
        # X-Forwarded-For only from the proxies we trust (abuse.clients), never
        # whatever a client claims. allauth groups IPv6 by /64 itself.
        address = client_address(request)
        return UNKNOWN if address is None else str(address)


def user_display(user) -> str:
    """How allauth's pages name a person: by address (ACCOUNT_USER_DISPLAY)."""
    return user.email or str(user)
