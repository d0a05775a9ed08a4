"""Silent suspicion: signatures that look like one person pledging many times
are held out of the counts until an administrator reviews them.

Decided in the worker, after the signature is merged into its pledge
(pledges.services.apply_requests), so the answer to the pledge form and the
time it takes never change: the signer gets the same emails, confirmation page
and badge as anyone. A suspect pledge is simply not counted (Pledge.Standing):
not in the shards, the live counts, the daily figures, the API, milestones or
exports, and not on the walls. Two signals:

- a burst: more than ABUSE_NETWORK_BURST signatures from one network (the keyed
  hash of abuse.clients.network) within ABUSE_NETWORK_WINDOW seconds. Every
  pledge that network signed in the window is held, confirmed ones too, so an
  attacker who confirms fast keeps none of the first few counted;
- a variant: an address that reaches the same mailbox as another pledge's
  (abuse.variants: j.o.e@gmail.com, joe+2@gmail.com), held itself.

Only a signature the pledge took is judged: a new pledge, or a pending one it
now proposes for (its latest signature, signed_at, is this one). A stranger
signing a confirmed pledge's address changes nothing about it, so nobody can
get someone else's pledge held by signing it.

Each judgement runs after the merge has committed, so it sees every signature
committed before it: of two arriving together, the later to commit sees both.
The network keys are forgotten 30 days after their signature (forget_networks,
called by the daily purge).
"""

import logging
import operator
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import reduce

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q

from accounts.models import ReviewAction
from pledges.counting import COUNTS_CACHE_KEY
from pledges.models import Pledge
from pledges.wall import LATEST_CACHE_KEY

logger = logging.getLogger(__name__)

# Request data, kept for suspicion and review only (see the privacy page).
NETWORK_KEPT_FOR = timedelta(days=30)


# The signatures from the network in the window (0 for a request that had no
# network), and whether another pledge shares the address's variant, for the
# pledge if it took the signature: one statement, written out because the ORM
# took some 5 ms a signature to build it (measured on the worker's hot path;
# the database answers in 0.2 ms from pledges_pledge_network_idx and
# pledges_pledge_variant_idx, whose conditions the "<> ''" terms match).
_JUDGE = """
SELECT
    CASE WHEN %(network_key)s = '' THEN 0 ELSE (
        SELECT count(*) FROM pledges_pledge w
        WHERE w.network_key = %(network_key)s AND w.signed_at > %(window_start)s
    ) END,
    EXISTS (
        SELECT 1 FROM pledges_pledge v
        WHERE v.email_variant_key = p.email_variant_key
            AND v.email_variant_key <> '' AND v.id <> p.id
    )
FROM pledges_pledge p
WHERE p.id = %(pledge_id)s AND p.signed_at = %(signed_at)s AND p.network_key = %(network_key)s
"""


def judge(pledge_id: int, *, network_key: str, signed_at: datetime) -> int:
    """Hold as suspect what the signature received at `signed_at` from
    `network_key` makes suspicious, if pledge `pledge_id` took it (its latest
    signature is this one); returns how many pledges it held. One query when
    nothing is suspicious; safe to run twice."""
    window_start = signed_at - timedelta(seconds=settings.ABUSE_NETWORK_WINDOW)
    moment = Pledge._meta.get_field("signed_at")
    params = {
        "pledge_id": pledge_id,
        "network_key": network_key,
        "signed_at": moment.get_db_prep_save(signed_at, connection),
        "window_start": moment.get_db_prep_save(window_start, connection),
    }
    with connection.cursor() as cursor:
        cursor.execute(_JUDGE, params)
        found = cursor.fetchone()
    if found is None:  # a newer signature took the pledge, or it is gone
        return 0
    n_signatures, has_variant = found
    suspects = []
    if n_signatures > settings.ABUSE_NETWORK_BURST:
        suspects.append(Q(network_key=network_key, signed_at__gt=window_start))
    if has_variant:
        # Another pledge of the same mailbox is another address: one address
        # is one pledge (the unique index on lower(email)).
        suspects.append(Q(pk=pledge_id))
    if not suspects:
        return 0
    with transaction.atomic():
        # One set, locked in one order. Only counted ones: an invalid pledge
        # stays invalid.
        held, deltas = (
            Pledge.objects.filter(reduce(operator.or_, suspects))
            .filter(standing=Pledge.Standing.COUNTED)
            .set_standing(Pledge.Standing.SUSPECT)
        )
        if deltas:
            forget_cached_counts(deltas)
    if held:
        # No address, no network: only that something was held, for the operators.
        logger.info("suspicion: %d pledge(s) held for review", held)
    return held


def forget_cached_counts(countries: Iterable[str]) -> None:
    """Once the transaction commits, drop the cached counts and walls (the
    world's and these countries'), so they follow a change of standing now
    rather than within their few seconds."""
    keys = [COUNTS_CACHE_KEY, LATEST_CACHE_KEY.format(scope="all")]
    keys += [LATEST_CACHE_KEY.format(scope=country) for country in countries]

    def forget():
        try:
            cache.delete_many(keys)
        except Exception:  # an outage: the entries expire within seconds anyway
            logger.warning("cache unavailable; counts refresh when they expire", exc_info=True)

    transaction.on_commit(forget)


def forget_networks(now: datetime) -> int:
    """Blank the network keys of signatures older than NETWORK_KEPT_FOR (the
    daily purge), on pledges and in the review log; returns the pledges'."""
    cutoff = now - NETWORK_KEPT_FOR
    forgotten = (
        Pledge.objects.filter(signed_at__lt=cutoff).exclude(network_key="").update(network_key="")
    )
    reviews = ReviewAction.objects.filter(
        Q(at__lt=cutoff, criteria__has_key="network") & ~Q(criteria__network="")
    )
    for review in reviews:
        review.criteria = {**review.criteria, "network": ""}
        review.save(update_fields=["criteria"])
    return forgotten
