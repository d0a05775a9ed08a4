"""Widgets for other sites (/embed/…) and the page that hands out their snippets.

/embed/ is the only place other sites may frame: its responses allow any
ancestor (CSP frame-ancestors) and are exempt from X-Frame-Options, while every
other page keeps refusing to be framed (SECURE_CSP, X_FRAME_OPTIONS). Any site
may load them (Cross-Origin-Resource-Policy: cross-origin, core/headers.py). They
set no cookie and read no session, so one cached copy serves everyone.
"""

from functools import wraps

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.csp import CSP
from django.views.decorators.cache import cache_control
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_safe

from core.headers import other_sites_may_load
from core.languages import same_in_every_language
from widgets.counter import (
    EMBED_MAX_AGE,
    UnknownCountry,
    Widget,
    render_widget,
    sign_path,
    svg_width,
    widget_language,
)
from widgets.forms import WidgetForm

# Any site may frame a widget; it loads nothing but our stylesheet, and runs nothing.
EMBED_PAGE_CSP = {
    "default-src": [CSP.NONE],
    "style-src": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.NONE],
    "frame-ancestors": ["*"],
}
# The image, opened on its own, loads and runs nothing.
EMBED_IMAGE_CSP = {
    "default-src": [CSP.NONE],
    "frame-ancestors": ["*"],
}


def embeddable(policy: dict):
    """For /embed/ views: framable and loadable by any site, cacheable by any
    proxy for a minute, one copy for readers of every language."""

    def decorate(view):
        view = cache_control(
            public=True, max_age=EMBED_MAX_AGE, stale_while_revalidate=EMBED_MAX_AGE
        )(view)
        view = other_sites_may_load(xframe_options_exempt(csp_override(policy)(view)))

        # Their language is their ?lang=, never the reader's Accept-Language.
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            return same_in_every_language(view(request, *args, **kwargs))

        return wrapper

    return decorate


def _embed_response(request, template_name: str, content_type: str) -> HttpResponse:
    try:
        widget = Widget.from_query(request.GET)
    except UnknownCountry as unknown:
        # Answered here, not raised, so the embedding site sees the reason in its frame.
        with translation.override(widget_language(request.GET.get("lang", ""))):
            html = render_to_string("widgets/unknown_country.html", {"code": unknown.args[0]})
            language = translation.get_language()
        response = HttpResponse(html, status=404)
    else:
        response = HttpResponse(render_widget(widget, template_name), content_type=content_type)
        language = widget.language
    # The language is the query's, not the one the middleware chose.
    response.headers["Content-Language"] = language
    return response


@require_safe
@embeddable(EMBED_PAGE_CSP)
def counter(request):
    return _embed_response(request, "widgets/counter.html", "text/html; charset=utf-8")


@require_safe
@embeddable(EMBED_IMAGE_CSP)
def count_svg(request):
    return _embed_response(request, "widgets/count.svg", "image/svg+xml")


@require_safe
def snippets(request):
    """The snippets an organisation copies onto its site, with a live preview."""
    form = WidgetForm(request.GET or None, initial={"lang": translation.get_language()})
    if form.is_bound and form.is_valid():
        widget, status = form.widget(), 200
    else:
        # The world, in the page's language, until a valid choice is made.
        widget = Widget(None, widget_language(translation.get_language()))
        status = 400 if form.is_bound else 200
    with translation.override(widget.language):
        label, widget_sign_path = widget.label(), sign_path(widget)
    context = {
        "form": form,
        "widget": widget,
        "label": label,
        "svg_width": svg_width(label),
        "sign_path": widget_sign_path,
        "site_url": settings.SITE_URL,
    }
    return render(request, "widgets/snippets.html", context, status=status)
