from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse


class PagesSitemap(Sitemap):
    """The public pages, each in every language, with hreflang alternates."""

    i18n = True
    alternates = True
    x_default = True
    changefreq = "weekly"

    @property
    def protocol(self) -> str:
        # The host is the request's (one of ALLOWED_HOSTS); the scheme is the
        # site's, also behind a proxy that ends TLS.
        return urlsplit(settings.SITE_URL).scheme

    def items(self) -> list[str]:
        return ["campaign:home", "pledges:pledge", "campaign:privacy"]

    def location(self, item: str) -> str:
        return reverse(item)
