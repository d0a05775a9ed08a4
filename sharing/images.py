"""The share images (1200 x 630, what Open Graph and Twitter cards show) of
the site and of each country's launch page, in each language.

Each is drawn once per version and then read from the shared cache. A version
names everything the image shows: the drawing, the language and, for a
country, the content version (core.shared_pages), which publishing bumps, so
a country's image is drawn anew once its headline or status changes. The live
count is left out on purpose: it would make every image stale at once.
"""

import hashlib
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.text import Truncator
from django.utils.translation import gettext

from badges.rendering import FONT_FAMILY, RENDERER_VERSION, png_once
from campaign.models import Country
from core.content_language import choose_translation, fields_of
from core.shared_pages import content_version

WIDTH, HEIGHT = 1200, 630  # pixels: the size Open Graph and Twitter cards ask for
SIZE = (WIDTH, HEIGHT)
# Bump when a share image's drawing changes, so cached images are drawn anew.
DRAWING_VERSION = "share-2"
# A headline longer than this is cut, so it stays legible on the image.
HEADLINE_CHARS = 60
# How many characters fit across the text column (680 px) at each size, at about
# 0.55 em a character: past the first a line is drawn smaller, past the second
# it is squeezed to the column (textLength also stretches, so only then).
NAME_FITS = (14, 22)  # at 80 px, at 56 px
HEADLINE_FITS = (30, 47)  # at 40 px, at 26 px


def _version(*parts: str) -> str:
    joined = "\0".join([RENDERER_VERSION, DRAWING_VERSION, *parts])
    return hashlib.sha256(joined.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class ShareImage:
    """A share image: its version, what it shows (`svg`) and its description."""

    version: str
    svg: str
    alt: str

    def png(self) -> bytes:
        return png_once(f"share:png:{self.version}", lambda: self.svg, WIDTH, HEIGHT)


def site_version(language: str) -> str:
    return _version("site", language)


def site_alt() -> str:
    return gettext("The Blue Heart, with the words: Stand against human trafficking")


def site_image(language: str) -> ShareImage:
    """The Blue Heart and the campaign's call, in `language`."""
    with translation.override(language):
        svg = render_to_string("sharing/site.svg", {"font_family": FONT_FAMILY})
        return ShareImage(site_version(language), svg, site_alt())


def country_version(country: Country, language: str) -> str:
    # Without a content version (the cache unreachable) nothing is kept anyway.
    return _version("country", country.iso2, language, content_version() or "unversioned")


def _headline(country: Country, language: str) -> str:
    choice = choose_translation(
        country.translations.all(), language, draft=False, preferred=country.languages
    )
    headline = fields_of(choice.translation, ["headline"], draft=False)["headline"]
    return Truncator(headline or "").chars(HEADLINE_CHARS)


def country_alt(country: Country, headline: str) -> str:
    if country.status == Country.Status.LAUNCHED:
        status = gettext("The Blue Heart Campaign has launched here.")
    else:
        status = gettext("The Blue Heart Campaign is coming here.")
    if not headline:
        return f"{country.code.name}. {status}"
    return gettext("%(country)s: %(headline)s. %(status)s") % {
        "country": country.code.name,
        "headline": headline.rstrip(".!"),
        "status": status,
    }


def country_image(country: Country, language: str) -> ShareImage:
    """The country's name, its headline and where its campaign stands, in
    `language` (the headline with the country pages' fallback)."""
    with translation.override(language):
        headline = _headline(country, language)
        context = {
            "font_family": FONT_FAMILY,
            "name": country.code.name,
            "name_is_long": len(country.code.name) > NAME_FITS[0],
            "name_is_very_long": len(country.code.name) > NAME_FITS[1],
            "headline": headline,
            "headline_is_long": len(headline) > HEADLINE_FITS[0],
            "headline_is_very_long": len(headline) > HEADLINE_FITS[1],
            "is_launched": country.status == Country.Status.LAUNCHED,
        }
        svg = render_to_string("sharing/country.svg", context)
        return ShareImage(country_version(country, language), svg, country_alt(country, headline))
