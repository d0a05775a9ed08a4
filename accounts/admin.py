"""The admin (administrators with MFA only, accounts.admin_site).

Pages that show a supporter's personal data are logged: opening one writes an
AccessLog row (who, what, when) before anything is shown. The pledges are here,
with the log, and read-only: supporters change their pledge themselves.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from accounts import privacy
from accounts.models import AccessLog, User
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
    pass


@admin.register(Pledge)
class PledgeAdmin(AccessLogged, ReadOnly, admin.ModelAdmin):
    # No name, no address: the list is what anyone with the admin sees at a glance.
    list_display = ["public_id", "country", "confirmed", "signed_at", "confirmed_at", "erased_at"]
    list_filter = [("confirmed_at", admin.EmptyFieldListFilter), "country"]
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
        "wording_version",
        "wants_updates",
        "news_changed_at",
        "news_wording_version",
        "email_due",
        "email_sent_at",
        "erased_at",
    ]

    @admin.display(boolean=True, description=_("confirmed"))
    def confirmed(self, pledge: Pledge) -> bool:
        return pledge.is_confirmed


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["at", "actor_id", "action", "model", "object_id"]
    list_filter = ["model", "action"]
    ordering = ["-at", "-id"]
    show_full_result_count = False
