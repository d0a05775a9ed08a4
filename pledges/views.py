from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods

from campaign.shared_pages import render_shared_page
from pledges import counting, services
from pledges.forms import NewLinkForm, PledgeForm
from pledges.models import Pledge
from pledges.tokens import BadToken, ExpiredToken


@require_http_methods(["GET", "POST"])
def pledge(request):
    if request.method == "GET":
        return render_shared_page(
            request, "pledges/pledge.html", lambda: {"form": PledgeForm()}, timeout=3600
        )
    form = PledgeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        services.sign_pledge(
            display_name=data["display_name"],
            email=data["email"],
            country=data["country"],
            wants_updates=data["wants_updates"],
            language=get_language(),
        )
        return redirect("pledges:sent", permanent=False)
    return render(request, "pledges/pledge.html", {"form": form}, status=400)


@require_GET
def sent(request):
    return render(request, "pledges/sent.html")


@require_http_methods(["GET", "POST"])
def confirm(request, token):
    try:
        pledge = services.pledge_for_token(token)
    except ExpiredToken:
        return render(request, "pledges/confirm_invalid.html", {"expired": True}, status=410)
    except (BadToken, Pledge.DoesNotExist):
        return render(request, "pledges/confirm_invalid.html", {"expired": False}, status=404)
    if request.method == "POST":
        pledge.confirm(timezone.now())
        return render(request, "pledges/thanks.html", {"pledge": pledge})
    # GET confirms nothing: mail scanners follow links, people press buttons.
    return render(request, "pledges/confirm.html", {"pledge": pledge})


@require_http_methods(["GET", "POST"])
def new_link(request):
    form = NewLinkForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            services.request_new_link(email=form.cleaned_data["email"])
            return redirect("pledges:sent")
        return render(request, "pledges/new_link.html", {"form": form}, status=400)
    return render(request, "pledges/new_link.html", {"form": form})


@require_GET
@cache_control(public=True, max_age=counting.COUNTS_TTL, stale_while_revalidate=30)
def counts(request):
    return JsonResponse(counting.current_counts())
