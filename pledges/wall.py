"""The supporters' wall: confirmed supporters who chose to appear, newest first.

Nobody is on it by default. `on_wall` is set by the owner alone: on the
thank-you page (through a token only their confirming POST is answered with)
or on "My pledge". An entry shows the country and, only if the owner shows it
publicly (`show_publicly`), the display name; otherwise it says "A supporter".
Never an email. Erasure resets `on_wall` with every other column, so an erased
pledge leaves the wall.

Every read walks the partial index pledges_pledge_wall_idx (Pledge.objects.
on_wall(): the index's predicate and order) and stops after a bounded number of
rows. The latest few, which the home and country pages show, are cached in the
shared cache for COUNTS_TTL seconds, as the counts are: a page view never
queries for them, and a choice shows (or a name leaves) within 2 x COUNTS_TTL,
the cache plus the page copies that carry it. The full wall reads a page at a
time, at most MAX_PAGES deep, so its OFFSET stays bounded.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django_countries import countries

from pledges.counting import COUNTS_TTL
from pledges.models import Pledge

logger = logging.getLogger(__name__)

# What the home and country pages show: a glance, not a list.
LATEST_SIZE = 12
# Entries per page of the full wall.
PAGE_SIZE = 48
# Deeper than anyone reads; it bounds the rows a page may skip (OFFSET) to
# (MAX_PAGES - 1) x PAGE_SIZE index entries.
MAX_PAGES = 50
WALL_TTL = COUNTS_TTL
LATEST_CACHE_KEY = "pledges:wall:v1:{scope}"


@dataclass(frozen=True)
class Entry:
    """One supporter on the wall: their name (None when they hide it) and country."""

    name: str | None
    country: str

    @property
    def country_name(self) -> str:
        # In the active language, so one cached list serves every language.
        return countries.name(self.country)


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def _rows(country: str | None, offset: int, limit: int) -> list[tuple[str | None, str]]:
    wall = Pledge.objects.on_wall()
    if country:
        wall = wall.filter(country=country)
    rows = wall.values_list("display_name", "show_publicly", "country")[offset : offset + limit]
    # A hidden name is dropped here: it never reaches the cache or a page.
    return [(name if shown else None, str(code)) for name, shown, code in rows]


def latest(country: str | None = None) -> list[Entry]:
    """The latest LATEST_SIZE supporters on the wall (of one country, if given)."""
    key = LATEST_CACHE_KEY.format(scope=country or "all")
    try:
        rows = cache.get(key)
    except Exception:  # a cache outage must not take the pages down with it
        logger.warning("wall cache unavailable; reading the database", exc_info=True)
        rows = None
    if rows is None:
        rows = _rows(country, 0, LATEST_SIZE)
        try:
            cache.set(key, rows, WALL_TTL)
        except Exception:
            logger.warning("wall cache unavailable; not caching", exc_info=True)
    return [Entry(*row) for row in rows]


class NoSuchPage(Exception):
    """A page number before the first, past MAX_PAGES or past the wall's end."""


def page(number: int, country: str | None = None) -> Page:
    """Page `number` (from 1) of the full wall, newest first: one query."""
    if not 1 <= number <= MAX_PAGES:
        raise NoSuchPage(number)
    # One row more than a page tells whether there is a next one, without a COUNT.
    rows = _rows(country, (number - 1) * PAGE_SIZE, PAGE_SIZE + 1)
    if number > 1 and not rows:
        raise NoSuchPage(number)
    has_next = len(rows) > PAGE_SIZE and number < MAX_PAGES
    return Page([Entry(*row) for row in rows[:PAGE_SIZE]], number, has_next)


def page_context(number: int, url_of: Callable[[int], str], country: str | None = None) -> dict:
    """The context of pledges/wall.html for page `number`, linking its
    neighbours through url_of(page number). NoSuchPage for a page not there."""
    shown = page(number, country)
    return {
        "wall_page": shown,
        "previous_url": url_of(number - 1) if shown.has_previous else None,
        "next_url": url_of(number + 1) if shown.has_next else None,
    }
