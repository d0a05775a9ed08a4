"""The links in every email's footer: one-click unsubscribe (RFC 8058) and the
email preferences page. No sign-in: the signed token in the link is the
owner's key. An unknown or outdated token gets the same 404 page whatever the
reason, so a link tells no one whether an address is a supporter."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from abuse import limits
from abuse.forms import TrapForm
from mailings import services
from mailings.forms import EmailPreferencesForm
from mailings.tokens import read_token
from pledges.forms import WORDING_VERSION

GET_AND_POST = ["GET", "HEAD", "POST"]


def _private(response: HttpResponse) -> HttpResponse:
    # Each page is one supporter's: no shared cache may keep it.
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex"
    return response


def _gone(request) -> HttpResponse:
    return _private(render(request, "mailings/link_invalid.html", status=404))


# Mail providers POST here on the reader's behalf (RFC 8058), with no cookie and
# no CSRF token; the signed token in the address is what authorises it.
@csrf_exempt
@require_http_methods(GET_AND_POST)
def unsubscribe(request, token):
    pledge = services.pledge_for_token(read_token(token))
    if pledge is None:
        return _gone(request)
    if request.method != "POST":
        # GET changes nothing: mail scanners follow links.
        context = {"token": token, "form": TrapForm()}
        return _private(render(request, "mailings/unsubscribe.html", context))
    # A mail provider's one-click POST (RFC 8058) comes from its servers, which
    # speak for many readers at once: only the per-address limit applies to it.
    one_click = request.POST.get("List-Unsubscribe") == "One-Click"
    scopes = (limits.ADDRESS,) if one_click else (limits.NETWORK, limits.ADDRESS)
    if refused := limits.too_many(request, "unsubscribe", email=pledge.email, scopes=scopes):
        return _private(refused)
    if not TrapForm(request.POST).is_trapped():  # a script's: the same answer, no effect
        services.unsubscribe(pledge, timezone.now())
    return _private(render(request, "mailings/unsubscribed.html", {"token": token}))


@require_http_methods(GET_AND_POST)
def preferences(request, token):
    pledge = services.pledge_for_token(read_token(token))
    if pledge is None:
        return _gone(request)
    country_name = pledge.country.name
    saved = False
    if request.method == "POST":
        scopes = (limits.NETWORK, limits.ADDRESS)
        if refused := limits.too_many(request, "preferences", email=pledge.email, scopes=scopes):
            return _private(refused)
        form = EmailPreferencesForm(request.POST, country_name=country_name)
        if form.is_valid():
            # A script that filled the honeypot is told "saved", and nothing changes.
            saved = form.is_trapped() or pledge.change_email_preferences(
                **form.cleaned_data, wording_version=WORDING_VERSION, now=timezone.now()
            )
            if not saved:
                return _gone(request)
        else:
            context = {"form": form, "token": token}
            return _private(render(request, "mailings/preferences.html", context, status=400))
    form = EmailPreferencesForm(
        initial={
            "wants_updates": pledge.wants_updates,
            "country_news": pledge.country_news,
            "language": pledge.language,
        },
        country_name=country_name,
    )
    context = {"form": form, "token": token, "saved": saved}
    return _private(render(request, "mailings/preferences.html", context))
