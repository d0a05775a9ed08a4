from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import services
from accounts.decorators import staff_view
from accounts.forms import RoleChangeForm
from accounts.models import Role, RoleChange, User
from accounts.rules import can, moderated_countries, roles_of


@staff_view("view_staff_area")
def staff_home(request):
    user = request.user
    context = {
        "roles": sorted(Role(role).label for role in roles_of(user)),
        "countries": sorted(moderated_countries(user)),
        "can_manage_roles": can(user, "manage_roles"),
        "can_use_admin": can(user, "use_admin"),
    }
    return render(request, "accounts/staff/home.html", context)


@staff_view("manage_roles")
def roles(request):
    return _roles_page(request, RoleChangeForm())


def _roles_page(request, form, status=200):
    staff = (
        User.objects.filter(Q(is_superuser=True) | Q(role_grants__isnull=False))
        .distinct()
        .prefetch_related("role_grants")
        .order_by("email")
    )
    context = {
        "staff": staff,
        "form": form,
        "changes": RoleChange.objects.all()[:50],
        "grantable": [role.label for role in Role if can(request.user, "grant", role)],
    }
    return render(request, "accounts/staff/roles.html", context, status=status)


@staff_view("manage_roles", methods=("POST",))
@reauthentication_required
def change_role(request, action):
    form = RoleChangeForm(request.POST)
    if not form.is_valid():
        return _roles_page(request, form, status=400)
    data = form.cleaned_data
    change = services.grant_role if action == "grant" else services.revoke_role
    try:
        changed = change(request.user, data["email"], data["role"], data["country"])
    except ValidationError as error:
        form.add_error(None, error)
        return _roles_page(request, form, status=400)
    if changed:
        messages.success(request, _("Done."))
    else:
        messages.info(request, _("Nothing changed: that was already so."))
    return redirect("staff:roles")
