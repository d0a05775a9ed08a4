from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from abuse import limits
from abuse.clients import network_key
from accounts import services as supporter_accounts
from core.shared_pages import render_shared_page
from pledges import services, wall
from pledges.forms import (
    PLEDGE_TEXT,
    WORDING_VERSION,
    ConfirmForm,
    NewLinkForm,
    PledgeForm,
    WallChoiceForm,
)
from pledges.models import Pledge
from pledges.tokens import CONFIRM_MAX_AGE, BadToken, ExpiredToken, make_wall_choice_token

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
    if refused := limits.too_many(request, "sign", email=data["email"]):
        return refused
    if form.is_trapped():  # a script filled the honeypot: the same answer, nothing written
        return redirect("pledges:sent")
    services.sign_pledge(
        display_name=data["display_name"],
        email=data["email"],
        country=data["country"],
        language=get_language(),
        network_key=network_key(request),
    )
    return redirect("pledges:sent")


@require_safe
def sent(request):
    # Where every signer lands, the same for all of them: a shared copy.
    return render_shared_page(request, "pledges/sent.html", dict, timeout=3600)


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
    if form.is_trapped():  # a script filled the honeypot: thanked, nothing recorded
        return _thanks(request, pledge)
    confirmed = services.confirm_pledge(
        pledge,
        **form.cleaned_data,
        language=get_language(),
        wording_version=WORDING_VERSION,
        now=timezone.now(),
    )
    if not confirmed:  # confirmed by another tab a moment ago
        return render(request, "pledges/confirmed_already.html")
    # Confirming proved the address is theirs: it signs them in by code from now on.
    supporter_accounts.ensure_supporter_account(pledge.email)
    return _thanks(request, pledge)


def _thanks(request, pledge: Pledge):
    # The wall question carries a token that only this answer, to the owner's
    # own POST, ever holds: it is what lets the owner, and no one else, answer.
    wall_form = WallChoiceForm(initial={"choice": make_wall_choice_token(pledge.public_id)})
    response = render(request, "pledges/thanks.html", {"pledge": pledge, "wall_form": wall_form})
    add_never_cache_headers(response)  # it holds that token: no cache may keep it
    return response


@require_POST
@never_cache
def wall_choice(request):
    """The thank-you page's answer: on the supporters' wall or not, and with the
    name or not. Only the token the owner's confirming POST was answered with
    names the pledge; a bare public id, or any other token, changes nothing."""
    form = WallChoiceForm(request.POST)
    if not form.is_valid():  # only the hidden token can be missing or too long
        raise Http404
    try:
        pledge = services.pledge_for_wall_choice(form.cleaned_data["choice"])
    except ExpiredToken:
        return render(request, "pledges/wall_choice_invalid.html", {"expired": True}, status=410)
    except (BadToken, Pledge.DoesNotExist):
        return render(request, "pledges/wall_choice_invalid.html", {"expired": False}, status=404)
    if form.is_trapped():  # a script filled the honeypot: the same answer, nothing changed
        return render(request, "pledges/wall_choice_saved.html", {"pledge": pledge})
    chosen = pledge.choose_wall(
        on_wall=form.cleaned_data["on_wall"],
        show_publicly=form.cleaned_data["show_publicly"],
        now=timezone.now(),
    )
    if not chosen:  # erased (or never confirmed) meanwhile
        return render(request, "pledges/wall_choice_invalid.html", {"expired": False}, status=404)
    return render(request, "pledges/wall_choice_saved.html", {"pledge": pledge})


@require_safe
def supporters_wall(request, page: int = 1):
    """The full wall, a page at a time: the same for every visitor (nothing of
    theirs), so served from a shared copy that lives as long as the wall's cache."""
    if page == 1 and request.resolver_match.url_name == "wall-page":
        return redirect("pledges:wall", permanent=True)  # one address per page

    def context():
        try:
            return wall.page_context(page, _wall_url)
        except wall.NoSuchPage:
            raise Http404 from None

    return render_shared_page(request, "pledges/wall.html", context, timeout=wall.WALL_TTL)


@require_http_methods(GET_AND_POST)
def new_link(request):
    if request.method != "POST":
        return render(request, "pledges/new_link.html", {"form": NewLinkForm()})
    form = NewLinkForm(request.POST)
    if not form.is_valid():
        return render(request, "pledges/new_link.html", {"form": form}, status=400)
    if refused := limits.too_many(request, "new-link", email=form.cleaned_data["email"]):
        return refused
    if form.is_trapped():  # a script filled the honeypot: the same answer, nothing written
        return redirect("pledges:sent")
    services.request_new_link(
        email=form.cleaned_data["email"], language=get_language(), network_key=network_key(request)
    )
    return redirect("pledges:sent")


def _wall_url(page: int) -> str:
    return reverse("pledges:wall") if page == 1 else reverse("pledges:wall-page", args=[page])
