"""What a supporter's badge shows, as SVG and as PNG, and its version.

A badge shows the Blue Heart, the display name (or "A supporter" when the owner
hides it: the name then reaches nothing built here), the supporter's number,
their country in the badge's language and the day they confirmed. Everything
that can change what it shows goes into its version, which names the cached
PNG, the ETag and the `?v=` of the links the badge page gives.
"""

import hashlib
from dataclasses import dataclass
from datetime import date

from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext
from django_countries import countries

from badges.rendering import FONT_FAMILY, RENDERER_VERSION, png_once
from pledges.models import Pledge

PNG_SIZE = 1080  # pixels a side: what social profiles ask for
# Past this many characters a name is drawn smaller, so it stays on the badge.
LONG_NAME = 18
# Past this many, it is also squeezed to the badge's width.
VERY_LONG_NAME = 30


@dataclass(frozen=True)
class Badge:
    pledge_id: int
    public_id: str
    # None when the owner hides their name: nothing below ever sees it.
    name: str | None
    number: int
    country_code: str
    confirmed_on: date
    language: str

    @property
    def shown_name(self) -> str:
        return self.name if self.name is not None else gettext("A supporter")

    @property
    def version(self) -> str:
        parts = [
            RENDERER_VERSION,
            str(self.pledge_id),
            self.public_id,
            "name" if self.name is not None else "anonymous",
            self.name or "",
            str(self.number),
            self.country_code,
            self.confirmed_on.isoformat(),
            self.language,
        ]
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def badge_for(pledge: Pledge) -> Badge:
    """The badge of a confirmed pledge, in the active language."""
    return Badge(
        pledge_id=pledge.pk,
        public_id=str(pledge.public_id),
        name=pledge.display_name if pledge.show_publicly else None,
        number=pledge.supporter_number,
        country_code=pledge.country.code,
        confirmed_on=timezone.localdate(pledge.confirmed_at),
        language=translation.get_language(),
    )


def context(badge: Badge) -> dict:
    """What the templates show, in the active language."""
    with translation.override(badge.language):
        name = badge.shown_name
        return {
            "badge": badge,
            "name": name,
            "name_is_long": len(name) > LONG_NAME,
            "name_is_very_long": len(name) > VERY_LONG_NAME,
            "number": formats.number_format(badge.number, force_grouping=True),
            "country": _country_name(badge.country_code),
            "date": formats.date_format(badge.confirmed_on, "DATE_FORMAT"),
            "font_family": FONT_FAMILY,
        }


def _country_name(code: str) -> str:
    return str(countries.name(code))


def svg(badge: Badge) -> str:
    # A Django template: autoescaping turns <, >, &, ' and " into entities,
    # which XML reads as the characters themselves, so any name stays text.
    with translation.override(badge.language):
        return render_to_string("badges/badge.svg", context(badge))


def png(badge: Badge) -> bytes:
    """The badge drawn once per version, then read from the cache."""
    return png_once(f"badge:png:{badge.version}", lambda: svg(badge), PNG_SIZE)


# The share image: the badge laid out at 1200 x 630, what Open Graph and Twitter
# cards show. Bump SHARE_DRAWING when its drawing changes. Its name column is
# 680 px wide: the name is drawn at a size that fits badge.LONG_NAME and
# VERY_LONG_NAME characters across it, squeezed beyond.
SHARE_SIZE = (1200, 630)
SHARE_DRAWING = "share-2"


def share_svg(badge: Badge) -> str:
    with translation.override(badge.language):
        return render_to_string("badges/share.svg", context(badge))


def share_png(badge: Badge) -> bytes:
    """The share image drawn once per version, then read from the cache."""
    key = f"badge:share:{SHARE_DRAWING}:{badge.version}"
    return png_once(key, lambda: share_svg(badge), *SHARE_SIZE)
