"""What the widgets for other sites show: the live count of one country, or of
the world, in one language.

The widgets are the cheapest pages we serve, because other sites put them on
every one of their own pages. A request costs one read of the cached counts
(pledges.counting) and one read of this process's memory: the rendered widget
is kept per country and language with the count it shows, so it is rendered
again only when that count has changed, and always shows the count as fresh
as the cached counts. Proxies and CDNs may keep it for a minute (EMBED_MAX_AGE).
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django_countries import countries

from campaign.models import Country
from pledges import counting
from pledges.forms import country_code

# How long a proxy or CDN may serve a widget without asking us again: other
# sites' pages show the count a minute late at most.
EMBED_MAX_AGE = 60
# How long this process keeps a rendered widget (and so the answer to "has the
# country its own page?"); the count in its key keeps it exact meanwhile.
RENDERED_KEPT_FOR = 60
# The image is as wide as its label, plus room for this many digits: its width
# (which the snippet states) then stays the same as the count grows.
SVG_DIGITS_ROOM = 9


class UnknownCountry(ValueError):
    """A country code that is on no list of ours."""


@dataclass(frozen=True)
class Widget:
    country: str | None  # ISO code, upper case; None for the world
    language: str

    @classmethod
    def from_query(cls, query) -> "Widget":
        """The widget the query string asks for: `country` in any case (none, or
        empty, for the world), `lang` among LANGUAGES, else the default language,
        so that a widget never breaks on a language we do not offer yet.

        Raises UnknownCountry for a code that is on no list."""
        code = query.get("country", "").strip()
        country = None
        if code:
            try:
                country = country_code(code)
            except ValidationError:
                raise UnknownCountry(code) from None
        return cls(country, widget_language(query.get("lang", "")))

    def count(self, counts: dict) -> int:
        if self.country is None:
            return counts["total"]
        return counts["countries"].get(self.country, 0)

    def label(self) -> str:
        """Who is counted, in the active language."""
        if self.country is None:
            return _("Blue Heart supporters worldwide")
        return _("Blue Heart supporters in %(country)s") % {"country": countries.name(self.country)}

    def query(self) -> str:
        parts = [f"country={self.country}"] if self.country else []
        return "&".join([*parts, f"lang={self.language}"])


def widget_language(code: str) -> str:
    try:
        return translation.get_supported_language_variant(code.strip().lower())
    except LookupError:
        return settings.LANGUAGE_CODE


def format_count(count: int) -> str:
    """The count as the active language writes numbers (12,345 / 12.345)."""
    return formats.number_format(count, use_l10n=True, force_grouping=True)


def sign_path(widget: Widget) -> str:
    """Where the widget's link leads, in its language: the country's own page
    (its pledge form has the country chosen) when it has a published one,
    otherwise the pledge form."""
    if widget.country and Country.objects.published().filter(code=widget.country).exists():
        return reverse("campaign:country", args=[widget.country.lower()])
    return reverse("pledges:pledge")


def svg_width(label: str) -> int:
    # About 0.6 em per character at the label's 13 px, and per digit at 26 px.
    return 72 + max(round(len(label) * 13 * 0.6), SVG_DIGITS_ROOM * 16) + 12


def render_widget(widget: Widget, template_name: str) -> str:
    """The widget rendered with today's count, from this process's memory when
    it was last rendered with that same count."""
    count = widget.count(counting.current_counts())
    # One copy per widget, replaced when its count changes: as many copies as
    # widgets in use, however often the count moves.
    key = f"widget:{template_name}:{widget.country or 'world'}:{widget.language}"
    copies = caches["local"]
    kept = copies.get(key)
    if kept is not None and kept[0] == count:
        return kept[1]
    with translation.override(widget.language):
        label = widget.label()
        width, bidi = svg_width(label), translation.get_language_bidi()
        context = {
            "widget": widget,
            "count": count,
            "count_text": format_count(count),
            "label": label,
            "sign_path": sign_path(widget),
            "bidi": bidi,
            # The image's layout: the heart at the start of the line, the text after it.
            "width": width,
            "heart_x": width - 56 if bidi else 8,
            "text_x": width - 72 if bidi else 72,
        }
        rendered = render_to_string(template_name, context)
    copies.set(key, (count, rendered), RENDERED_KEPT_FOR)
    return rendered
