from functools import wraps
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts.rules import can, is_staff_member, needs_mfa


def staff_view(
    action: str, methods: tuple[str, ...] = ("GET", "HEAD"), *, scope: str | None = None
):
    """A staff page: 404 for anyone without a staff role (its existence is none of
    their business), set up MFA first, 403 for a staff role that may not take
    `action`, 405 for a method the page does not take.

    `scope` names the URL argument holding a country code: a moderator may take
    the action only for their own countries, and learns nothing more about
    another country's page (not even which methods it takes) than a 403."""

    def decorator(view):
        allowed_methods = require_http_methods(list(methods))(view)

        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not is_staff_member(user):
                raise Http404
            if needs_mfa(user):
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('mfa_activate_totp')}?{query}")
            if not can(user, action):
                raise PermissionDenied
            if scope is not None and not can(user, action, kwargs[scope]):
                raise PermissionDenied
            return allowed_methods(request, *args, **kwargs)

        return wrapped

    return decorator
