from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_safe

from accounts import services as supporter_accounts
from core.shared_pages import render_shared_page
from pledges import counting, services
from pledges.forms import PLEDGE_TEXT, WORDING_VERSION, ConfirmForm, NewLinkForm, PledgeForm
from pledges.models import Pledge
from pledges.tokens import CONFIRM_MAX_AGE, BadToken, ExpiredToken

GET_AND_POST = ["GET", "HEAD", "POST"]


@require_http_methods(GET_AND_POST)
def pledge(request):
    if request.method != "POST":
        return render_shared_page(
            request, "pledges/pledge.html", lambda: {"form": PledgeForm()}, timeout=3600
        )
    form = PledgeForm(request.POST)
    if not form.is_valid():
        return render(request, "pledges/pledge.html", {"form": form}, status=400)
    data = form.cleaned_data
    services.sign_pledge(
        display_name=data["display_name"],
        email=data["email"],
        country=data["country"],
        language=get_language(),
    )
    return redirect("pledges:sent")


@require_safe
def sent(request):
    return render(request, "pledges/sent.html")


@require_http_methods(GET_AND_POST)
def confirm(request, token):
    try:
        pledge = services.pledge_for_token(token)
    except ExpiredToken:
        context = {"expired": True, "valid_days": CONFIRM_MAX_AGE.days}
        return render(request, "pledges/confirm_invalid.html", context, status=410)
    except (BadToken, Pledge.DoesNotExist):
        return render(request, "pledges/confirm_invalid.html", {"expired": False}, status=404)
    if pledge.is_confirmed:
        return render(request, "pledges/confirmed_already.html")
    if request.method != "POST":
        # GET confirms nothing: mail scanners follow links, people press buttons.
        form = ConfirmForm(
            initial={"display_name": pledge.display_name, "country": pledge.country.code}
        )
        return render(request, "pledges/confirm.html", {"form": form, "pledge_text": PLEDGE_TEXT})
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        context = {"form": form, "pledge_text": PLEDGE_TEXT}
        return render(request, "pledges/confirm.html", context, status=400)
    confirmed = pledge.confirm(
        **form.cleaned_data,
        language=get_language(),
        wording_version=WORDING_VERSION,
        now=timezone.now(),
    )
    if not confirmed:  # confirmed by another tab a moment ago
        return render(request, "pledges/confirmed_already.html")
    # Confirming proved the address is theirs: it signs them in by code from now on.
    supporter_accounts.ensure_supporter_account(pledge.email)
    return render(request, "pledges/thanks.html", {"pledge": pledge})


@require_http_methods(GET_AND_POST)
def new_link(request):
    if request.method != "POST":
        return render(request, "pledges/new_link.html", {"form": NewLinkForm()})
    form = NewLinkForm(request.POST)
    if not form.is_valid():
        return render(request, "pledges/new_link.html", {"form": form}, status=400)
    services.request_new_link(email=form.cleaned_data["email"], language=get_language())
    return redirect("pledges:sent")


@require_safe
@cache_control(public=True, max_age=counting.COUNTS_TTL, stale_while_revalidate=30)
def counts(request):
    return JsonResponse(counting.current_counts())
