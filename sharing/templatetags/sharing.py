"""Template tags for share metadata and share links (templates/includes/)."""

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.translation import get_language

from sharing import images
from sharing.links import share_links as links_for

register = template.Library()

# Open Graph wants language_TERRITORY, from the list Facebook reads: ours are the
# campaign's main ones, and Facebook's own for Arabic (ar_AR) and Simplified
# Chinese (zh_CN). tests/test_locale_formats.py checks that every language has one.
OG_LOCALES = {
    "en": "en_GB",
    "fr": "fr_FR",
    "es": "es_ES",
    "ru": "ru_RU",
    "ar": "ar_AR",
    "zh-hans": "zh_CN",
    "pt": "pt_PT",
}


@register.filter
def absolute(path: str) -> str:
    """The site's address of a path: shares and cards need the whole of it."""
    return f"{settings.SITE_URL}{path}" if path.startswith("/") else path


@register.simple_tag
def og_locale(code: str | None = None) -> str:
    code = code or get_language()
    return OG_LOCALES.get(code, code.replace("-", "_"))


@register.simple_tag
def og_locale_alternates() -> list[str]:
    current = get_language()
    return [og_locale(code) for code, _name in settings.LANGUAGES if code != current]


@register.simple_tag
def site_share_image() -> dict:
    """The site's share image in the active language, versioned, with its text."""
    language = get_language()
    url = f"{reverse('sharing:site')}?v={images.site_version(language)}"
    return {"url": absolute(url), "alt": images.site_alt()}


@register.simple_tag
def country_share_image(country, headline: str = "") -> dict:
    language = get_language()
    path = reverse("sharing:country", args=[country.iso2])
    url = f"{path}?v={images.country_version(country, language)}"
    return {"url": absolute(url), "alt": images.country_alt(country, headline)}


@register.simple_tag
def share_links(path: str, text: str) -> list[dict]:
    return links_for(absolute(path), text)


@register.simple_tag
def share_image(path: str, alt: str, version: str = "") -> dict:
    """A share image for _share_meta.html: its absolute, versioned URL and alt."""
    url = f"{path}?v={version}" if version else path
    return {"url": absolute(url), "alt": alt}
