"""The admin (administrators with MFA only, accounts.admin_site).

Pages that show a supporter's personal data are logged: opening one writes an
AccessLog row (who, what, when) before anything is shown. The pledges are here,
with the log, and read-only: supporters change their pledge themselves.
"""

from allauth.account.decorators import reauthentication_required
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from accounts import privacy
from accounts.models import AccessLog, ReviewAction, User
from pledges.models import Pledge


class AccessLogged:
    """Logs every showing of one object's page, which shows its personal data
    (a refused request shows nothing and logs nothing). Lists must show none."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        # Logged before the page is rendered and sent; if the log cannot be
        # written, the request fails and nothing is shown.
        shown = getattr(response, "context_data", None) or {}
        if response.status_code == 200 and shown.get("original") is not None:
            privacy.log_access(request.user, shown["original"])
        return response


class ReadOnly:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(User)
class BlueHeartUserAdmin(AccessLogged, UserAdmin):
    # No address or name in the list: those show, logged, on the account's own page.
    # Searching by address still finds an account (for a supporter's request).
    list_display = ["username", "is_superuser", "is_active", "date_joined", "last_login"]
    list_filter = ["is_superuser", "is_active"]


@admin.register(Pledge)
class PledgeAdmin(AccessLogged, ReadOnly, admin.ModelAdmin):
    # No name, no address: the list is what anyone with the admin sees at a glance.
    list_display = [
        "public_id",
        "country",
        "confirmed",
        "standing",
        "signed_at",
        "confirmed_at",
        "erased_at",
    ]
    list_filter = [("confirmed_at", admin.EmptyFieldListFilter), "standing", "country"]
    ordering = ["-pk"]
    show_full_result_count = False
    fields = [
        "public_id",
        "display_name",
        "email",
        "show_publicly",
        "country",
        "language",
        "signed_at",
        "confirmed_at",
        "standing",
        "wording_version",
        "wants_updates",
        "news_changed_at",
        "news_wording_version",
        "email_due",
        "email_sent_at",
        "erased_at",
    ]

    change_form_template = "admin/pledges/pledge/change_form.html"

    @admin.display(boolean=True, description=_("confirmed"))
    def confirmed(self, pledge: Pledge) -> bool:
        return pledge.is_confirmed

    def get_urls(self):
        erase = reauthentication_required(self.erase_view, allow_get=True)
        return [
            path(
                "<path:object_id>/erase/",
                self.admin_site.admin_view(erase),
                name="pledges_pledge_erase",
            ),
            *super().get_urls(),
        ]

    def erase_view(self, request, object_id):
        """Erase a supporter's data on their behalf: a confirmation page, then a
        POST behind a fresh second factor; logged like any access."""
        pledge = self.get_object(request, object_id)
        if pledge is None or pledge.erased_at is not None:
            raise Http404
        if request.method == "POST":
            if request.POST.get("confirm") != "yes":
                messages.error(request, _("Tick the box to confirm the erasure."))
            else:
                privacy.erase_on_behalf(request.user, pledge)
                messages.success(request, _("The supporter's data has been erased."))
                return redirect("admin:pledges_pledge_changelist")
        context = {**self.admin_site.each_context(request), "pledge": pledge, "opts": self.opts}
        return TemplateResponse(request, "admin/pledges/pledge/erase.html", context)


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["at", "actor_id", "action", "model", "object_id"]
    list_filter = ["model", "action"]
    ordering = ["-at", "-id"]
    show_full_result_count = False


@admin.register(ReviewAction)
class ReviewActionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["at", "actor_id", "action", "pledges_changed", "counted_delta"]
    list_filter = ["action"]
    ordering = ["-at", "-id"]
    show_full_result_count = False
