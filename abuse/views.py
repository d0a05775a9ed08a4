from django.conf import settings
from django.http import HttpRequest, HttpResponse

from abuse import limits


def too_many_requests(request: HttpRequest) -> HttpResponse:
    """allauth's answer over its own rate limits (config.urls.handler429, which
    allauth calls): our 429 page. allauth's windows slide and it does not say
    how long is left, but no more than the per-network limit's period."""
    return limits.refusal(request, retry_after=settings.RATE_LIMIT_PER_NETWORK.seconds)
