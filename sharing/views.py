"""The site's and the countries' share images.

Caching as for badges (badges/views.py): pages link to an image with
`?v=<version>`, and that URL is the same bytes for as long as it is given out,
so anyone may keep it a day; without it, it must be revalidated (a 304 when
nothing changed). Both carry the version as ETag.
"""

from django.http import Http404, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from campaign.models import Country
from core.headers import other_sites_may_load
from core.languages import keeps_its_language
from sharing import images

VERSIONED_MAX_AGE = 24 * 3600


def _serve(request, version: str, draw) -> HttpResponse:
    etag = f'"{version}"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(draw(), content_type="image/png")
    response["ETag"] = etag
    if request.GET.get("v") == version:
        patch_cache_control(response, public=True, max_age=VERSIONED_MAX_AGE, immutable=True)
    else:
        patch_cache_control(response, public=True, no_cache=True)
    return response


@keeps_its_language
@require_safe
@other_sites_may_load
def site(request):
    language = get_language()
    return _serve(request, images.site_version(language), lambda: images.site_image(language).png())


@keeps_its_language
@require_safe
@other_sites_may_load
def country(request, iso2: str):
    found = Country.objects.published().filter(code=iso2.upper()).first()
    if found is None or iso2 != found.iso2:
        raise Http404
    language = get_language()
    return _serve(
        request,
        images.country_version(found, language),
        lambda: images.country_image(found, language).png(),
    )
