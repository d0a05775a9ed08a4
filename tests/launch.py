"""Launch sign-ups for the tests: countries waiting to launch, and the
addresses that asked to hear of it, made directly."""

import re
from datetime import date
from urllib.parse import urlsplit

from django.utils import timezone

from campaign.models import Country, LaunchSubscription

LAUNCH_LINK = re.compile(r"https?://[^\s\"<>]+/countries/notify/[^\s\"<>/]+/")


def upcoming_country(
    code: str,
    *,
    launch_date: date | None = None,
    precision: str = Country.DatePrecision.DAY,
    published: bool = True,
) -> Country:
    """A country waiting to launch, as its moderator left it (whatever the
    starter content said about it)."""
    country, _created = Country.objects.update_or_create(
        code=code,
        defaults={
            "status": Country.Status.UPCOMING,
            "launch_date": launch_date,
            "launch_date_precision": precision,
            "is_published": published,
            "published_at": timezone.now() if published else None,
            "languages": ["en"],
        },
    )
    return country


def subscribe(email: str, country: Country, *, confirmed: bool = True, language: str = "en"):
    """An address on a country's list, confirmed by its owner unless told otherwise."""
    now = timezone.now()
    return LaunchSubscription.objects.create(
        country=country,
        email=email,
        language=language,
        created_at=now,
        requested_at=now,
        confirmed_at=now if confirmed else None,
    )


def launch_link_path(text: str) -> str:
    """The path of the confirmation link in an email's text."""
    match = LAUNCH_LINK.search(text)
    assert match, f"no confirmation link in: {text!r}"
    return urlsplit(match.group(0)).path
