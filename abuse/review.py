"""Administrators review suspect pledges in bulk (/staff/review/).

The list groups the pledges held as suspect (abuse/suspicion.py) by network
(a few characters of its keyed hash), email domain and hour of signing, with
counts only: no address and no name, which the admin shows (and logs) one
pledge at a time. An administrator then restores or invalidates every pledge
matching a network, a domain and/or a time window, after a preview of how many
pledges that changes, country by country, and how the counts would move:

- restore: counted once confirmed (standing "");
- invalidate: never counted, and off the walls (standing "invalid").

By default an action takes the suspect pledges only; with `everything` it
also takes the others it could change (an invalid one to restore, a counted
one to invalidate). The change and the counts' change are one transaction,
the rows locked in the order of their ids (PledgeQuerySet.set_standing), so
the shards, the live counts and the daily figures follow exactly while
confirmations land; the cached counts and walls are dropped once it commits.
Every action writes a ReviewAction row (who, what, criteria, how many, by how
much the counts moved) in the same transaction.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import Count, Q, Value
from django.db.models.functions import Left, Lower, Reverse, StrIndex, TruncHour
from django.utils import timezone

from abuse.suspicion import forget_cached_counts
from accounts.models import ReviewAction, User
from pledges.models import Pledge

Standing = Pledge.Standing
Action = ReviewAction.Action

# How many groups each list shows, the biggest (or, by hour, the latest) first.
GROUPS_SHOWN = 50
# How much of a network's key the list shows, and the least a criterion may give.
SHORT_KEY = 8


@dataclass(frozen=True)
class Criteria:
    """Which pledges an action takes: all the criteria given, together."""

    network: str = ""  # a network key, or its first SHORT_KEY characters or more
    domain: str = ""  # an email domain, lower case
    signed_from: datetime | None = None
    signed_before: datetime | None = None
    everything: bool = False  # not only the suspect pledges

    def __post_init__(self):
        if not (self.network or self.domain or self.signed_from or self.signed_before):
            raise ValueError("no criteria: that would be every pledge")

    def matching(self) -> Q:
        where = Q()
        if self.network:
            where &= Q(network_key__startswith=self.network)
        if self.domain:
            where &= Q(email__iendswith=f"@{self.domain}")
        if self.signed_from:
            where &= Q(signed_at__gte=self.signed_from)
        if self.signed_before:
            where &= Q(signed_at__lt=self.signed_before)
        return where

    def as_json(self) -> dict:
        """For the audit row: what was asked, in plain values."""
        data = {
            "network": self.network,
            "domain": self.domain,
            "signed_from": _iso(self.signed_from),
            "signed_before": _iso(self.signed_before),
            "everything": self.everything,
        }
        # Only the criteria given.
        return {key: value for key, value in data.items() if value}


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def target(action: str) -> str:
    return Standing.COUNTED if action == Action.RESTORE else Standing.INVALID


def _taken(action: str, everything: bool) -> list[str]:
    """The standings an action changes."""
    if action == Action.RESTORE:
        return [Standing.SUSPECT, Standing.INVALID] if everything else [Standing.SUSPECT]
    return [Standing.SUSPECT, Standing.COUNTED] if everything else [Standing.SUSPECT]


def affected(action: str, criteria: Criteria):
    """The pledges `action` would change."""
    return Pledge.objects.filter(
        criteria.matching(), standing__in=_taken(action, criteria.everything)
    )


@dataclass(frozen=True)
class Preview:
    action: str
    # Pledges it would change, and the change in each country's count.
    pledges: dict[str, int]
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.pledges.values())

    @property
    def count_change(self) -> int:
        return sum(self.counts.values())

    def rows(self) -> list[tuple[str, int, int]]:
        return [(code, n, self.counts.get(code, 0)) for code, n in self.pledges.items()]


def preview(action: str, criteria: Criteria) -> Preview:
    """What `action` would change now, by country (one query)."""
    if action == Action.RESTORE:
        counts_after = Q(confirmed_at__isnull=False)  # none of them is counted now
        sign = 1
    else:
        counts_after = Q(confirmed_at__isnull=False, standing=Standing.COUNTED)
        sign = -1
    rows = (
        affected(action, criteria)
        .values_list("country")
        .annotate(n=Count("id"), moved=Count("id", filter=counts_after))
        .order_by("country")
    )
    return Preview(
        action,
        {str(code): n for code, n, _moved in rows},
        {str(code): sign * moved for code, _n, moved in rows if moved},
    )


def review(actor: User, action: str, criteria: Criteria, now: datetime | None = None):
    """Restore or invalidate every pledge matching, the counts following
    exactly, and log it; returns the ReviewAction row."""
    now = now or timezone.now()
    with transaction.atomic():
        changed, deltas = affected(action, criteria).set_standing(target(action))
        logged = ReviewAction.objects.create(
            actor=actor,
            action=action,
            criteria=criteria.as_json(),
            pledges_changed=changed,
            counted_delta=sum(deltas.values()),
            country_deltas=deltas,
            at=now,
        )
        if deltas:
            forget_cached_counts(deltas)
    return logged


def _domain():
    # After the last "@" (a quoted local part may hold one), lower case.
    address = Reverse(Lower("email"))
    return Reverse(Left(address, StrIndex(address, Value("@")) - 1))


def suspects() -> dict:
    """The suspect pledges, grouped for the review page: counts only."""
    held = Pledge.objects.filter(standing=Standing.SUSPECT)
    confirmed = Count("id", filter=Q(confirmed_at__isnull=False))

    def groups(queryset, key, order):
        return list(
            queryset.values(key)
            .annotate(n=Count("id"), confirmed=confirmed)
            .order_by(*order)[:GROUPS_SHOWN]
        )

    hours = groups(held.annotate(hour=TruncHour("signed_at", tzinfo=UTC)), "hour", ["-hour"])
    for group in hours:
        group["until"] = group["hour"] + timedelta(hours=1)
    return {
        "total": held.count(),
        "networks": groups(held, "network_key", ["-n", "network_key"]),
        "domains": groups(held.annotate(domain=_domain()), "domain", ["-n", "domain"]),
        "hours": hours,
    }
