"""The organisers' weekly digest: the counts, and how they grew in the week."""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django_countries import countries

from mailings import sending
from mailings.models import Mailing
from pledges.models import CountShard, Pledge

WEEK = timedelta(days=7)


def week_key(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def queue_weekly_digest(now: datetime | None = None) -> Mailing | None:
    """The digest of the week ending now, once per ISO week however often
    the beat calls (a restart, two beats)."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            mailing = Mailing.objects.create(
                kind=Mailing.Kind.DIGEST,
                # Named after the week it reports: the beat runs on Monday
                # morning, when the ISO week of `now` has only just begun.
                key=week_key(now - WEEK),
                state=Mailing.State.SCHEDULED,
                created_at=now,
                scheduled_for=now,
            )
            sending.start(mailing, now)
    except IntegrityError:
        return None
    return mailing


def context(mailing: Mailing) -> dict:
    """Counted when the email is built, for the week before the mailing."""
    end = mailing.created_at
    totals = CountShard.objects.totals()
    new = dict(
        Pledge.objects.counted()
        .filter(confirmed_at__gte=end - WEEK, confirmed_at__lt=end)
        .values_list("country")
        .annotate(n=Count("id"))
        .order_by()
    )
    rows = sorted(
        (
            {"code": code, "name": countries.name(code), "total": total, "new": new.get(code, 0)}
            for code, total in totals.items()
            if total
        ),
        key=lambda row: (-row["total"], row["code"]),
    )
    return {
        "week": mailing.key,
        "since": end - WEEK,
        "until": end,
        "total": sum(totals.values()),
        "new": sum(new.values()),
        "rows": rows,
    }
