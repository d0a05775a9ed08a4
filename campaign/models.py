from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField


class CountryQuerySet(models.QuerySet):
    def launched(self):
        return self.filter(status=Country.Status.LAUNCHED)

    def visible(self):
        return self.exclude(status=Country.Status.DRAFT)


class Country(models.Model):
    """A country that runs (or will run) its own Blue Heart launch page."""

    class Status(models.TextChoices):
        # The status of a country's campaign (feminine in many languages).
        DRAFT = "draft", pgettext_lazy("campaign status", "Draft")
        ANNOUNCED = "announced", pgettext_lazy("campaign status", "Launch announced")
        LAUNCHED = "launched", pgettext_lazy("campaign status", "Launched")

    code = CountryField(_("country"), unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # The source gives launch dates to the month, so the day is always the 1st.
    launch_month = models.DateField(
        _("launch month"),
        null=True,
        blank=True,
        help_text=_("The month the campaign launched or is announced to launch."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CountryQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign country")
        verbose_name_plural = _("campaign countries")
        ordering = ["code"]

    def __str__(self) -> str:
        return str(self.code.name)
