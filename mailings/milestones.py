"""Milestones: when the world total or a country's count passes one of
settings.MILESTONES, organisers and the supporters there who want news are
told, once.

"Once" is the database's: a milestone is a Mailing with a unique (kind, key),
so two confirmations that cross it together, or two checks, insert it once and
only the inserter starts it. Milestones already passed when this feature was
installed are recorded as passed without an email (migration 0002), so nobody
is told in 2026 about a count passed years ago.
"""

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from mailings import sending
from mailings.models import Mailing
from pledges.models import CountShard

WORLD = "world"


def key(scope: str, value: int) -> str:
    return f"{scope}:{value}"


def passed(totals: dict[str, int]) -> list[tuple[str, int]]:
    """(scope, milestone) for every milestone the counts have reached."""
    world = sum(totals.values())
    reached = [(WORLD, value) for value in settings.MILESTONES if world >= value]
    for country, count in totals.items():
        reached += [(country, value) for value in settings.MILESTONES if count >= value]
    return reached


def check(now: datetime | None = None, *, send: bool = True) -> list[str]:
    """Create (and start, unless `send` is False) the mailing of every
    milestone reached and not yet recorded. Returns the new keys."""
    now = now or timezone.now()
    recorded = set(
        Mailing.objects.filter(kind=Mailing.Kind.MILESTONE).values_list("key", flat=True)
    )
    created = []
    for scope, value in passed(CountShard.objects.totals()):
        milestone_key = key(scope, value)
        if milestone_key in recorded:
            continue
        state = Mailing.State.SCHEDULED if send else Mailing.State.PASSED
        try:
            with transaction.atomic():
                mailing = Mailing.objects.create(
                    kind=Mailing.Kind.MILESTONE,
                    key=milestone_key,
                    country="" if scope == WORLD else scope,
                    state=state,
                    created_at=now,
                    scheduled_for=now if send else None,
                )
                if send:
                    sending.start(mailing, now)
        except IntegrityError:
            continue  # another check recorded it first: theirs to send
        created.append(milestone_key)
    return created
