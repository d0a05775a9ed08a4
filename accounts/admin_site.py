"""The Django admin, for administrators with MFA only, signed in through allauth."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.rules import can, is_staff_member, needs_mfa


class BlueHeartAdminSite(admin.AdminSite):
    site_header = "Blue Heart"
    site_title = "Blue Heart"

    def has_permission(self, request) -> bool:
        user = request.user
        return user.is_active and can(user, "use_admin") and not needs_mfa(user)

    def login(self, request, extra_context=None):
        """Every admin page sends whoever may not use it here. Sign-in goes through
        allauth (codes, MFA), never the admin's own password form."""
        user = request.user
        next_url = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, True):
            next_url = reverse("admin:index", current_app=self.name)
        if not user.is_authenticated:
            query = urlencode({"next": next_url})
            return redirect(f"{resolve_url(settings.LOGIN_URL)}?{query}")
        if not is_staff_member(user):
            raise Http404
        if needs_mfa(user):
            return redirect(f"{reverse('mfa_activate_totp')}?{urlencode({'next': next_url})}")
        if not can(user, "use_admin"):
            raise PermissionDenied
        return redirect(next_url)
