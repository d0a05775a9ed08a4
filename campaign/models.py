"""Countries and their launch pages.

A country's page text exists once per language (CountryTranslation): one row
per language rather than a column per language, so a moderator adds a language
without a migration, each translation keeps its own history, and "which
languages does this page have" is a plain query. Moderators edit a draft; the
public sees only what was last published (the published_* fields), so a
preview can show exactly what publishing will put live.
"""

from django.conf import settings
from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords


class CountryQuerySet(models.QuerySet):
    def launched(self):
        return self.filter(status=Country.Status.LAUNCHED)

    def published(self):
        return self.filter(is_published=True)


class Country(models.Model):
    """A country that runs (or will run) its own Blue Heart launch page."""

    class Status(models.TextChoices):
        # The status of a country's campaign (feminine in many languages).
        UPCOMING = "upcoming", pgettext_lazy("campaign status", "Upcoming")
        LAUNCHED = "launched", pgettext_lazy("campaign status", "Launched")

    class DatePrecision(models.TextChoices):
        # The source often knows only the month ("April 2021"); a day is then
        # never made up, and the date is stored as the 1st of that month.
        DAY = "day", _("to the day")
        MONTH = "month", _("to the month only")

    code = CountryField(_("country"), unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.UPCOMING
    )
    launch_date = models.DateField(_("launch date"), null=True, blank=True)
    launch_date_precision = models.CharField(
        _("launch date known"),
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    # Codes from settings.CONTENT_LANGUAGES, the country's own languages first.
    languages = models.JSONField(_("languages"), default=list, blank=True)
    supporter_goal = models.PositiveIntegerField(_("supporter goal"), null=True, blank=True)
    hero_image = models.ImageField(_("hero image"), upload_to="heroes/", blank=True)
    is_published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = CountryQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign country")
        verbose_name_plural = _("campaign countries")
        ordering = ["code"]

    def __str__(self) -> str:
        return str(self.code.name)

    @property
    def iso2(self) -> str:
        return str(self.code).lower()

    def launch_date_label(self) -> str:
        """The launch date as precisely as it is known, in the active language."""
        if self.launch_date is None:
            return ""
        if self.launch_date_precision == self.DatePrecision.MONTH:
            return date_format(self.launch_date, "YEAR_MONTH_FORMAT")
        return date_format(self.launch_date, "DATE_FORMAT")


class CountryTranslation(models.Model):
    """A country page's text in one language: the draft, and what is live."""

    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=7, choices=settings.CONTENT_LANGUAGES)
    headline = models.CharField(_("headline"), max_length=200)
    body = models.TextField(_("body (Markdown)"), blank=True)
    partners = models.TextField(_("partner organisations (Markdown)"), blank=True)
    help_contacts = models.TextField(_("help contacts (Markdown)"), blank=True)
    hero_alt = models.CharField(_("hero image description (alt text)"), max_length=250, blank=True)

    published_headline = models.CharField(max_length=200, blank=True)
    published_body = models.TextField(blank=True)
    published_partners = models.TextField(blank=True)
    published_help_contacts = models.TextField(blank=True)
    published_hero_alt = models.CharField(max_length=250, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    # The draft fields copied to their published_* twins on publish.
    CONTENT_FIELDS = ("headline", "body", "partners", "help_contacts", "hero_alt")

    class Meta:
        verbose_name = _("country page translation")
        verbose_name_plural = _("country page translations")
        constraints = [
            models.UniqueConstraint(
                fields=["country", "language"], name="one_translation_per_country_language"
            )
        ]
        ordering = ["country", "language"]

    def __str__(self) -> str:
        return f"{self.country} ({self.language})"

    @property
    def is_live(self) -> bool:
        return self.published_at is not None
