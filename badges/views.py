"""The badge page and its images.

Caching: the page links to the images with `?v=<version>`. An image asked for
with its current version is the same bytes for as long as that URL is given out,
so it may be kept a day by anyone (a day, not a year: it bounds how long a
browser or proxy may keep showing a name its owner has since hidden or a badge
since withdrawn). Without it (a link shared before, a URL typed by hand), it
must be revalidated every time (`no-cache`), which costs a 304 when nothing
changed, so a change of name shows at once. Both carry the version as ETag.
"""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.http import require_safe

from badges import badge as badges
from core.headers import other_sites_may_load
from core.languages import keeps_its_language
from pledges.models import Pledge

VERSIONED_MAX_AGE = 24 * 3600
# A badge is for its owner to share, not for search engines to list under their
# name: anyone may see it with its link, no one should find it by the name.
NOINDEX = "noindex"


def _badge_or_error(request, public_id):
    """The badge, or the response owed instead: 404 for an unknown, pending or
    erased pledge (erasure draws a new public id anyway), 410 for a badge its
    owner withdrew."""
    pledge = Pledge.objects.confirmed().filter(public_id=public_id, erased_at__isnull=True).first()
    if pledge is None:
        raise Http404
    if pledge.badge_withdrawn_at is not None:
        return None, render(request, "badges/withdrawn.html", status=410)
    return badges.badge_for(pledge), None


@require_safe
def page(request, public_id):
    badge, gone = _badge_or_error(request, public_id)
    if gone:
        return gone
    response = render(request, "badges/page.html", badges.context(badge))
    response["X-Robots-Tag"] = NOINDEX
    return response


def _image(request, public_id, kind, content_type, draw):
    badge, gone = _badge_or_error(request, public_id)
    if gone:
        return gone
    etag = f'"{badge.version}-{kind}"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        # HEAD answers the same headers; the body is dropped on the way out.
        response = HttpResponse(draw(badge), content_type=content_type)
    response["ETag"] = etag
    response["X-Robots-Tag"] = NOINDEX
    if request.GET.get("v") == badge.version:
        patch_cache_control(response, public=True, max_age=VERSIONED_MAX_AGE, immutable=True)
    else:
        patch_cache_control(response, public=True, no_cache=True)
    return response


@keeps_its_language
@require_safe
@other_sites_may_load
def svg(request, public_id):
    return _image(request, public_id, "svg", "image/svg+xml; charset=utf-8", badges.svg)


@keeps_its_language
@require_safe
@other_sites_may_load
def png(request, public_id):
    return _image(request, public_id, "png", "image/png", badges.png)


@keeps_its_language
@require_safe
@other_sites_may_load
def share_png(request, public_id):
    """The badge as a 1200 x 630 share image (Open Graph, Twitter cards)."""
    return _image(request, public_id, "share", "image/png", badges.share_png)
