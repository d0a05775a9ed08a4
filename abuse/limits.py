"""How often one may ask: rate limits per network, per email domain and per address.

Each public form that sends an email or changes a supporter's choices counts its
accepted POSTs (GET pages are never limited) in fixed windows kept in the cache
(Redis): per network (abuse.clients: an IPv4 address or an IPv6 /64), per email
domain and per address, each by a keyed hash, never the value itself. The
windows are aligned on the clock (an hour from :00, a day from 00:00 UTC), so
the answer can say when to try again. Over a limit, the view answers with the
429 page and writes nothing.

The per-address limit counts requests, not supporters: an address that has
signed and one that never has are counted, and answered, the same way.

A cache that cannot be reached never stops anyone signing: the limits are
skipped (fail open), with a warning that names no one, and not tried again for
a few seconds, so an outage costs one request the connection timeout, not every
request.

allauth's sign-in forms count with allauth's own rate limits, configured from the
same settings (ACCOUNT_RATE_LIMITS); only their per-domain limit is counted here.
"""

import logging
import math
import time
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache, caches
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django_redis import get_redis_connection
from django_redis.cache import RedisCache

from abuse.clients import keyed, network_key
from config.env import Rate
from core.queue import Breaker

logger = logging.getLogger(__name__)

NETWORK, DOMAIN, ADDRESS = "network", "domain", "address"
EVERY_SCOPE = (NETWORK, DOMAIN, ADDRESS)


# After the cache failed, leave the limits alone for a while (core.queue.Breaker).
cache_breaker = Breaker()


def _rate(scope: str) -> Rate:
    return {
        NETWORK: settings.RATE_LIMIT_PER_NETWORK,
        DOMAIN: settings.RATE_LIMIT_PER_DOMAIN,
        ADDRESS: settings.RATE_LIMIT_PER_ADDRESS,
    }[scope]


def _keys(request: HttpRequest, email: str | None, scopes) -> list[tuple[str, str]]:
    keys = []
    for scope in scopes:
        if scope == NETWORK:
            keys.append((scope, network_key(request)))
        elif email:
            value = email.rpartition("@")[2] if scope == DOMAIN else email
            keys.append((scope, keyed(value.lower(), scope)))
    return keys


# Counts each key in turn and stops at the first over its limit, so a request
# refused for its network counts nothing against an address: one round trip to
# Redis for all the scopes, where the cache API needs two or three per scope (a
# profile of the sign POST put the limits at half its time).
# KEYS: the counters; ARGV: each one's limit and window, in turn.
COUNT_IN_TURN = """
for i, key in ipairs(KEYS) do
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('EXPIRE', key, ARGV[2 * i]) end
  if n > tonumber(ARGV[2 * i - 1]) then return i end
end
return 0
"""


def _script():
    """The counting script for the cache's Redis; None for any other cache."""
    if not isinstance(caches["default"], RedisCache):
        return None
    return _script_for(settings.CACHES["default"]["LOCATION"])


@lru_cache(maxsize=4)
def _script_for(location: str):
    """The script on the cache's own redis-py client (django-redis keeps one
    per process; its pool reconnects after a fork), with the cache's timeouts.
    One per location, so a test that points the cache elsewhere gets another."""
    return get_redis_connection("default").register_script(COUNT_IN_TURN)


def _count(cache_key: str, timeout: int) -> int:
    if cache.add(cache_key, 1, timeout):
        return 1
    try:
        return cache.incr(cache_key)
    except ValueError:  # it expired between the two calls: a new window
        cache.add(cache_key, 1, timeout)
        return 1


def _first_over(counters: list[tuple[str, Rate]]) -> int:
    """Count each (key, rate) in turn; the index of the first over its limit
    (counting stops there), or -1."""
    script = _script()
    if script is not None:
        # The cache's own key names (prefix and version), so it reads them too.
        keys = [cache.make_and_validate_key(key) for key, _rate in counters]
        args = [part for _key, rate in counters for part in (rate.count, rate.seconds)]
        return script(keys=keys, args=args) - 1
    for index, (key, rate) in enumerate(counters):
        if _count(key, rate.seconds) > rate.count:
            return index
    return -1


def too_many(
    request: HttpRequest, action: str, *, email: str | None = None, scopes=EVERY_SCOPE
) -> HttpResponse | None:
    """Count this request against each scope's limit for `action`, network
    first; the 429 answer at the first limit it goes over, else None. `email` is
    the address the request is about (the per-domain and per-address limits
    count only where it is given)."""
    if not cache_breaker.is_open():
        return None
    now = time.time()
    try:
        counters = []
        for scope, key in _keys(request, email, scopes):
            rate = _rate(scope)
            window = int(now // rate.seconds)
            counters.append((f"abuse:limit:{action}:{scope}:{window}:{key}", rate))
        over = _first_over(counters)
        if over >= 0:
            rate = counters[over][1]
            window = int(now // rate.seconds)
            return refusal(request, retry_after=(window + 1) * rate.seconds - now)
    except Exception as error:
        # Never the address or the key: only which kind of failure it was.
        logger.warning(
            "rate limits skipped for %s: cache unreachable (%s)", action, type(error).__name__
        )
        cache_breaker.trip()
    return None


def refusal(request: HttpRequest, *, retry_after: float) -> HttpResponse:
    """The 429 page: friendly, translated, saying when to try again, with
    Retry-After in whole seconds."""
    seconds = max(1, math.ceil(retry_after))
    context = {"retry_at": timezone.now() + timedelta(seconds=seconds)}
    response = render(request, "429.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response
