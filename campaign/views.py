import logging
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from abuse import limits
from abuse.forms import TrapForm
from abuse.suspicion import NETWORK_KEPT_FOR
from campaign import services as launch_signups
from campaign.content import countries_index_context, country_page_context
from campaign.forms import LaunchSignupForm
from campaign.models import Country, LaunchSubscription
from campaign.tokens import LAUNCH_CONFIRM_MAX_AGE, BadToken, ExpiredToken
from config.celery_app import app as celery_app
from core.shared_pages import render_shared_page
from pledges import counting, wall
from pledges.forms import PledgeForm
from pledges.services import PENDING_KEPT_FOR

logger = logging.getLogger(__name__)

GET_AND_POST = ["GET", "HEAD", "POST"]


@require_safe
def home(request):
    def context():
        return {
            "form": PledgeForm(),
            "counts": counting.current_counts(),
            "countries": list(Country.objects.published()),
            "wall": wall.latest(),
        }

    # The page shows the live count: a copy lives as long as a cached count, so
    # what it shows is at most 2 x COUNTS_TTL (4 s) old, inside the 5 s promise.
    return render_shared_page(request, "campaign/home.html", context, timeout=counting.COUNTS_TTL)


@require_safe
def countries(request):
    # Shows counts: kept no longer than a cached count, as the home page.
    return render_shared_page(
        request, "campaign/countries.html", countries_index_context, timeout=counting.COUNTS_TTL
    )


@require_safe
def country(request, iso2: str):
    if iso2 != iso2.lower():
        found = get_object_or_404(Country.objects.published(), code=iso2.upper())
        return redirect("campaign:country", iso2=found.iso2, permanent=True)

    def context():
        # Looked up only when no copy is kept, so a kept page costs no query;
        # an unknown or unpublished country raises here, and nothing is kept.
        found = Country.objects.published().filter(code=iso2.upper()).first()
        if found is None:
            raise Http404
        return country_page_context(found, get_language())

    return render_shared_page(
        request, "campaign/country.html", context, timeout=counting.COUNTS_TTL
    )


@require_safe
def country_wall(request, iso2: str, page: int = 1):
    """A country's supporters' wall, a page at a time (see pledges.wall)."""
    if iso2 != iso2.lower() or (page == 1 and request.resolver_match.url_name != "country-wall"):
        # One address per page: lowercase, and page 1 without its number.
        found = get_object_or_404(Country.objects.published(), code=iso2.upper())
        return redirect(_country_wall_url(found.iso2, page), permanent=True)

    def context():
        # Looked up only when no copy is kept, as for the country page.
        found = Country.objects.published().filter(code=iso2.upper()).first()
        if found is None:
            raise Http404
        try:
            shown = wall.page_context(
                page, lambda n: _country_wall_url(iso2, n), country=str(found.code)
            )
        except wall.NoSuchPage:
            raise Http404 from None
        return {**shown, "country": found}

    return render_shared_page(request, "pledges/wall.html", context, timeout=wall.WALL_TTL)


def _country_wall_url(iso2: str, page: int) -> str:
    if page == 1:
        return reverse("campaign:country-wall", args=[iso2])
    return reverse("campaign:country-wall-page", args=[iso2, page])


@require_safe
def privacy(request):
    context = {
        "controller_name": settings.DATA_CONTROLLER_NAME,
        "controller_contact": settings.DATA_CONTROLLER_CONTACT,
        "pending_days": PENDING_KEPT_FOR.days,
        "network_days": NETWORK_KEPT_FOR.days,
    }
    return render(request, "campaign/privacy.html", context)


def _published_country(iso2: str) -> Country:
    if len(iso2) != 2:
        raise Http404
    return get_object_or_404(Country.objects.published(), code=iso2.upper())


@require_http_methods(GET_AND_POST)
def launch_signup(request, iso2: str):
    """ "Tell me when it launches": the same answer and the same work (one row,
    one task) whether or not the address asked before."""
    country = _published_country(iso2)
    if country.status == Country.Status.LAUNCHED:
        return render(request, "campaign/launch_launched.html", {"country": country})
    if request.method != "POST":
        return render(request, "campaign/launch_signup.html", {"country": country})
    form = LaunchSignupForm(request.POST)
    if not form.is_valid():
        context = {"country": country, "launch_form": form}
        return render(request, "campaign/launch_signup.html", context, status=400)
    if refused := limits.too_many(request, "launch-signup", email=form.cleaned_data["email"]):
        return refused
    if form.is_trapped():  # a script filled the honeypot: the same answer, nothing written
        return redirect("campaign:launch-signup-sent", iso2=country.iso2)
    launch_signups.request_launch_email(
        country=country, email=form.cleaned_data["email"], language=get_language()
    )
    return redirect("campaign:launch-signup-sent", iso2=country.iso2)


@require_safe
def launch_signup_sent(request, iso2: str):
    context = {"country": _published_country(iso2), "valid_days": LAUNCH_CONFIRM_MAX_AGE.days}
    return render(request, "campaign/launch_signup_sent.html", context)


@require_http_methods(GET_AND_POST)
def launch_confirm(request, token: str):
    try:
        subscription = launch_signups.subscription_for_token(token)
    except ExpiredToken as expired:
        # Offer to ask again for the same country, right here, if it still waits.
        country = (
            Country.objects.published()
            .filter(
                status=Country.Status.UPCOMING,
                launch_subscriptions__public_id=expired.public_id,
            )
            .first()
        )
        context = {"expired": True, "valid_days": LAUNCH_CONFIRM_MAX_AGE.days, "country": country}
        return render(request, "campaign/launch_confirm_invalid.html", context, status=410)
    except (BadToken, LaunchSubscription.DoesNotExist):
        context = {"expired": False}
        return render(request, "campaign/launch_confirm_invalid.html", context, status=404)
    country = subscription.country
    if country.status == Country.Status.LAUNCHED:
        return render(request, "campaign/launch_launched.html", {"country": country})
    if subscription.is_confirmed:
        return render(request, "campaign/launch_confirmed.html", {"country": country})
    if request.method != "POST":
        # GET confirms nothing: mail scanners follow links, people press buttons.
        context = {"country": country, "form": TrapForm()}
        return render(request, "campaign/launch_confirm.html", context)
    if TrapForm(request.POST).is_trapped():  # a script: the same answer, nothing recorded
        return render(request, "campaign/launch_confirmed.html", {"country": country})
    if not subscription.confirm(language=get_language(), now=timezone.now()):
        # Confirmed in another tab a moment ago, or the country launched meanwhile.
        country.refresh_from_db(fields=["status"])
        if country.status == Country.Status.LAUNCHED:
            return render(request, "campaign/launch_launched.html", {"country": country})
    return render(request, "campaign/launch_confirmed.html", {"country": country})


@require_safe
@never_cache
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


# A readiness answer within about this many seconds, even from a Redis that
# accepts connections and never answers: each probe gives up after it, and the
# queue's runs beside the others, so a dead Redis costs one wait, not two.
READY_TIMEOUT = 2
_queue_prober = ThreadPoolExecutor(max_workers=1, thread_name_prefix="readyz")


@require_safe
@never_cache
def readyz(request):
    """Ready (200) when the database, the cache and the broker all answer; 503
    otherwise. Says which is down and how many tasks wait in the queue, and
    nothing else: no host, no error text, nothing of anyone."""
    queue = _queue_prober.submit(_queue_depth)
    checks: dict[str, object] = {
        "database": _check("database", _probe_database),
        "cache": _check("cache", _probe_cache),
    }
    try:
        depth = queue.result(timeout=READY_TIMEOUT + 1)
    except Exception as error:  # any failure of the broker is "down"
        _log_down("queue", error)
        depth = None
    checks["queue"] = "down" if depth is None else "ok"
    checks["queue_depth"] = depth
    ready = all(checks[name] == "ok" for name in ("database", "cache", "queue"))
    return JsonResponse(checks, status=200 if ready else 503)


def _check(name: str, probe) -> str:
    try:
        probe()
    except Exception as error:  # any failure of a dependency is "down"
        _log_down(name, error)
        return "down"
    return "ok"


def _log_down(name: str, error: BaseException) -> None:
    # The kind of error only: its text may name hosts and users.
    logger.warning("readiness check %s failed: %s", name, type(error).__name__)


def _probe_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _probe_cache() -> None:
    cache.set("readyz", "1", 5)


def _queue_depth() -> int:
    """Messages waiting in the Celery queues (0 when tasks run in-process)."""
    if celery_app.conf.task_always_eager:
        return 0
    # A connection of its own with short timeouts, tried once (no retries).
    options = {"socket_connect_timeout": READY_TIMEOUT, "socket_timeout": READY_TIMEOUT}
    with celery_app.connection_for_write(
        connect_timeout=READY_TIMEOUT, transport_options=options
    ) as conn:
        conn.ensure_connection(max_retries=0)
        with conn.channel() as channel:
            # Not passive: Redis keeps no empty queue, and a passive declare of
            # one says "not found". Declaring writes nothing; it counts.
            return sum(
                channel.queue_declare(queue=name).message_count for name in celery_app.amqp.queues
            )


@require_safe
def robots_txt(request):
    prefixes = [
        "",
        *(f"/{code}" for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE),
    ]
    lines = ["User-agent: *"]
    lines += [
        f"Disallow: {prefix}{path}" for prefix in prefixes for path in settings.NOT_FOR_CRAWLERS
    ]
    lines.append(f"Sitemap: {settings.SITE_URL}/sitemap.xml")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_safe
def favicon(request):
    # Browsers read the <link rel="icon"> of our pages; crawlers and bookmarks
    # still ask for /favicon.ico.
    return redirect(static("img/blue-heart.svg"), permanent=True)
