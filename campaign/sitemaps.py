from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from campaign.models import Country


class SiteSitemap(Sitemap):
    """Our sitemaps list each address in every language, with hreflang alternates."""

    i18n = True
    alternates = True
    x_default = True
    changefreq = "weekly"

    @property
    def protocol(self) -> str:
        # The host is the request's (one of ALLOWED_HOSTS); the scheme is the
        # site's, also behind a proxy that ends TLS.
        return urlsplit(settings.SITE_URL).scheme


class PagesSitemap(SiteSitemap):
    """The public pages that are not content: home, pledge, privacy, the indexes,
    the widgets' snippets."""

    def items(self) -> list[str]:
        return [
            "campaign:home",
            "pledges:pledge",
            "campaign:privacy",
            "campaign:countries",
            "pages:index",
            "widgets",
        ]

    def location(self, item: str) -> str:
        return reverse(item)


class CountriesSitemap(SiteSitemap):
    """Every published country's launch page."""

    def items(self):
        return Country.objects.published().order_by("code")

    def location(self, item: Country) -> str:
        return reverse("campaign:country", args=[item.iso2])

    def lastmod(self, item: Country):
        return item.published_at
