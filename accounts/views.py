from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import privacy, services
from accounts.decorators import staff_view
from accounts.forms import EraseForm, PreferencesForm, RoleChangeForm
from accounts.models import Role, RoleChange, User
from accounts.rules import can, moderated_countries, roles_of
from pledges.forms import WORDING_VERSION
from pledges.services import PENDING_KEPT_FOR

GET_AND_POST = ["GET", "HEAD", "POST"]


@staff_view("view_staff_area")
def staff_home(request):
    user = request.user
    context = {
        "roles": sorted(Role(role).label for role in roles_of(user)),
        "countries": sorted(moderated_countries(user)),
        "can_manage_roles": can(user, "manage_roles"),
        "can_use_admin": can(user, "use_admin"),
        "can_edit_countries": can(user, "edit_country"),
        "can_edit_pages": can(user, "edit_pages"),
        "can_send_updates": can(user, "send_updates"),
        "can_view_dashboard": can(user, "view_dashboard"),
        "can_export": can(user, "export"),
        "can_review": can(user, "review_suspects"),
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


# "My pledge": what a signed-in supporter sees, changes, downloads and erases.
# Per request, never shared (core.shared_pages serves signed-in visitors alone),
# and never stored by a cache on the way.


@login_required
@never_cache
@require_http_methods(GET_AND_POST)
def my_pledge(request):
    pledges = list(privacy.pledges_of(request.user))
    bound = {}  # a form sent back with errors, by pledge
    if request.method == "POST":
        pledge, index = _own_confirmed_pledge(pledges, request.POST.get("pledge"))
        form = _preferences_form(pledge, index, request.POST)
        if not form.is_valid():
            bound[pledge.pk] = form
        else:
            data = form.cleaned_data
            changed = pledge.change_preferences(
                display_name=data["display_name"],
                show_publicly=data["show_publicly"],
                on_wall=data["on_wall"],
                country=data["country"],
                language=data["language"],
                wants_updates=data["wants_updates"],
                wording_version=WORDING_VERSION,
                now=timezone.now(),
            )
            if not changed:  # erased from another tab a moment ago
                raise Http404
            messages.success(request, _("Your pledge is up to date."))
            return redirect("my-pledge")
    entries = [
        {
            "pledge": pledge,
            "form": (bound.get(pledge.pk) or _preferences_form(pledge, index))
            if pledge.is_confirmed
            else None,
        }
        for index, pledge in enumerate(pledges)
    ]
    context = {"entries": entries, "pending_days": PENDING_KEPT_FOR.days}
    return render(request, "accounts/my_pledge.html", context, status=400 if bound else 200)


@login_required
@require_POST
def my_badge(request):
    """Withdraw the badge (its address then answers 410 Gone) or bring it back."""
    pledges = list(privacy.pledges_of(request.user))
    pledge, _index = _own_confirmed_pledge(pledges, request.POST.get("pledge"))
    if request.POST.get("badge") == "withdraw":
        pledge.withdraw_badge(timezone.now())
        messages.success(request, _("Your badge is withdrawn: its address now shows nothing."))
    elif request.POST.get("badge") == "restore":
        pledge.restore_badge()
        messages.success(request, _("Your badge is back, at the same address."))
    else:
        return HttpResponseBadRequest()
    return redirect("my-pledge")


def _own_confirmed_pledge(pledges, public_id: str | None):
    """The user's own confirmed pledge with this public id, and its place on the
    page; 404 for anything else, someone else's pledge included."""
    for index, pledge in enumerate(pledges):
        if pledge.is_confirmed and str(pledge.public_id) == public_id:
            return pledge, index
    raise Http404


def _preferences_form(pledge, index: int, data=None) -> PreferencesForm:
    initial = {
        "pledge": pledge.public_id,
        "display_name": pledge.display_name,
        "show_publicly": pledge.show_publicly,
        "on_wall": pledge.on_wall,
        "country": pledge.country.code,
        "language": pledge.language,
        "wants_updates": pledge.wants_updates,
    }
    # Unique ids when (rarely) the page shows two pledges; same field names.
    auto_id = "id_%s" if index == 0 else f"id_{index}_%s"
    return PreferencesForm(data, initial=initial, auto_id=auto_id)


@login_required
@require_safe
def download_my_data(request):
    response = JsonResponse(
        privacy.export_data(request.user), json_dumps_params={"indent": 2, "ensure_ascii": False}
    )
    response["Content-Disposition"] = 'attachment; filename="blue-heart-my-data.json"'
    # Personal data: no cache on the way, or on a shared computer, may keep it.
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
@never_cache
@require_http_methods(GET_AND_POST)
def delete_my_data(request):
    if request.method != "POST":
        return render(request, "accounts/delete_my_data.html", {"form": EraseForm()})
    form = EraseForm(request.POST)
    if not form.is_valid():
        return render(request, "accounts/delete_my_data.html", {"form": form}, status=400)
    return _erase(request)


# Whoever holds the session must prove it is them (a code sent to their address,
# or their second factor) within the last few minutes. allauth keeps this POST
# aside meanwhile and replays it once they have.
@reauthentication_required
def _erase(request):
    privacy.erase(request.user)
    logout(request)
    messages.success(request, _("Your data has been erased. Thank you for your support."))
    return redirect("campaign:home")
