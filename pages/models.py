"""The information pages: the Blue Heart, the facts, Europe, the EU, UNODC, help.

Content, not templates: organisers edit them without a deploy. Like country
pages, each language is its own row with a draft and a published copy.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class PageQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)


class Page(models.Model):
    slug = models.SlugField(_("address (slug)"), unique=True)
    position = models.PositiveSmallIntegerField(_("position in menus"), default=0)
    is_published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = PageQuerySet.as_manager()

    class Meta:
        verbose_name = _("information page")
        verbose_name_plural = _("information pages")
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.slug


class PageTranslation(models.Model):
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=7, choices=settings.CONTENT_LANGUAGES)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body = models.TextField(_("body (Markdown)"), blank=True)

    published_title = models.CharField(max_length=200, blank=True)
    published_summary = models.CharField(max_length=300, blank=True)
    published_body = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    CONTENT_FIELDS = ("title", "summary", "body")

    class Meta:
        verbose_name = _("page translation")
        verbose_name_plural = _("page translations")
        constraints = [
            models.UniqueConstraint(
                fields=["page", "language"], name="one_translation_per_page_language"
            )
        ]
        ordering = ["page", "language"]

    def __str__(self) -> str:
        return f"{self.page} ({self.language})"

    @property
    def is_live(self) -> bool:
        return self.published_at is not None
