from django.urls import reverse

from campaign.sitemaps import SiteSitemap
from pages.models import Page


class LearnSitemap(SiteSitemap):
    """Every information page that the public can read (published, with live
    text in some language: the others answer 404)."""

    def items(self):
        return (
            Page.objects.published()
            .filter(translations__published_at__isnull=False)
            .distinct()
            .order_by("position", "slug")
        )

    def location(self, item: Page) -> str:
        return reverse("pages:page", args=[item.slug])

    def lastmod(self, item: Page):
        return item.published_at
