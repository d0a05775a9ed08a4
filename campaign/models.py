"""Countries and their launch pages.

A country's page text exists once per language (CountryTranslation): one row
per language rather than a column per language, so a moderator adds a language
without a migration, each translation keeps its own history, and "which
languages does this page have" is a plain query. Moderators edit a draft; the
public sees only what was last published (the published_* fields), so a
preview can show exactly what publishing will put live.

Who asked to hear of a country's launch (LaunchSubscription) is kept only until
they have been told: see campaign/services.py for the flow.
"""

import uuid
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from core.outbox import OwedEmail
from core.shared_pages import content_changed
from mailings.models import Delivery, Mailing


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
            label = date_format(self.launch_date, "YEAR_MONTH_FORMAT")
        else:
            label = date_format(self.launch_date, "DATE_FORMAT")
        # Portuguese writes month names in lower case ("abril de 2021"); Django's
        # Portuguese month names are capitalised. The label holds nothing else
        # that has a case.
        return label.lower() if get_language() == "pt" else label

    def page_path(self) -> str:
        """The country's launch page, /countries/<iso2>/ (public contract,
        PRODUCT.md), in the active language: the prefix is whatever
        i18n_patterns gives the home page (none for English)."""
        return reverse("campaign:country", args=[self.iso2])

    def launch(self, reason: str) -> bool:
        """Mark the country launched, once; the page's history records it (who:
        nobody, when a job does it; why: `reason`). True if this call did."""
        with transaction.atomic():
            country = Country.objects.select_for_update().get(pk=self.pk)
            if country.status == Country.Status.LAUNCHED:
                return False
            country.status = Country.Status.LAUNCHED
            # django-simple-history reads the reason from the instance it saves.
            country._change_reason = reason
            country.save(update_fields=["status", "updated_at"])
            # Its page now reads "launched": every worker's copies are stale.
            content_changed()
        self.status = country.status
        return True


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


class LaunchSubscriptionQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(confirmed_at__isnull=False)

    def pending(self):
        return self.filter(confirmed_at__isnull=True)

    def for_emails(self, emails: Iterable[str]):
        return _for_emails(self, emails)

    def done_with(self):
        """Confirmed subscriptions nothing is left to do for, so their addresses
        are not kept: their country's launch mailing has fanned out (mailings),
        and no launch email to them is still to go. Its delivery has finished
        (sent, skipped, failed or undeliverable), or there never was one: the
        address is suppressed, or it was confirmed at the very moment of the
        launch, after the fan-out had read the list. (Pending ones have their
        own rule: campaign.services.purge_launch_signups.)"""
        launch_mailed = Mailing.objects.filter(
            kind=Mailing.Kind.LAUNCH, key=OuterRef("country__code"), fanned_out_at__isnull=False
        )
        still_to_go = Delivery.objects.filter(subscription=OuterRef("pk")).unfinished()
        return self.confirmed().filter(Exists(launch_mailed)).exclude(Exists(still_to_go))


def _for_emails(queryset: models.QuerySet, emails: Iterable[str]) -> models.QuerySet:
    keys = [Lower(Value(email)) for email in emails if email]
    if not keys:
        return queryset.none()
    return queryset.alias(email_key=Lower("email")).filter(email_key__in=keys)


class LaunchSubscription(OwedEmail):
    """An address that asked for one email: when its country launches.

    Until it is confirmed (a POST from the page its emailed link opens) it is
    only a proposal, since anyone can type any address into the form: nothing
    but the confirmation link is ever sent to it. Once the launch email has
    gone the row is deleted; the address is of no further use to us.
    """

    class EmailDue(models.TextChoices):
        NONE = "", _("Nothing")
        CONFIRMATION = "confirmation", _("Confirmation link")
        ALREADY_SUBSCRIBED = "already_subscribed", _("Already on the list notice")

    # The handle the confirmation link carries; the integer key stays inside.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    country = models.ForeignKey(
        Country,
        on_delete=models.CASCADE,
        related_name="launch_subscriptions",
        verbose_name=_("country"),
    )
    email = models.EmailField(_("email"), max_length=254)
    # The page's language when asked, then the one the owner confirmed on:
    # every email goes out in it.
    language = models.CharField(_("language"), max_length=10)
    created_at = models.DateTimeField(_("first asked at"))
    # The latest request for the address: an unconfirmed row is kept
    # PENDING_KEPT_FOR after it (campaign.services.purge_launch_signups).
    requested_at = models.DateTimeField(_("last asked at"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    objects = LaunchSubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("launch email subscription")
        verbose_name_plural = _("launch email subscriptions")
        constraints = [
            # One subscription per address and country, whatever its case; the
            # database is the judge, so concurrent requests cannot slip a
            # duplicate in (the merge's ON CONFLICT names this index).
            models.UniqueConstraint(
                "country", Lower("email"), name="campaign_launchsub_country_email_ci_unique"
            ),
        ]
        indexes = [
            models.Index(
                fields=["email_requested_at"],
                condition=~Q(email_due=""),
                name="campaign_launchsub_due_idx",
            ),
            models.Index(
                fields=["requested_at"],
                condition=Q(confirmed_at__isnull=True),
                name="campaign_launchsub_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        # Never the address: this may be printed anywhere.
        return f"Launch subscription {self.public_id}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    def confirm(self, *, language: str, now: datetime) -> bool:
        """The owner confirms, once, while the country is still to launch.

        One conditional UPDATE: two tabs confirm once, and a country launched
        meanwhile is not subscribed to after the fact. True only for the call
        that confirmed.
        """
        updated = LaunchSubscription.objects.filter(
            pk=self.pk,
            confirmed_at__isnull=True,
            country__status=Country.Status.UPCOMING,
        ).update(confirmed_at=now, language=language)
        if updated:
            self.refresh_from_db()
        return bool(updated)


class LaunchRequestQuerySet(models.QuerySet):
    def for_emails(self, emails: Iterable[str]):
        return _for_emails(self, emails)


class LaunchRequest(models.Model):
    """A request to hear of a country's launch, as it arrived.

    The web request writes this one row and queues one task whoever the
    address belongs to, so neither its answer nor its timing tells whether the
    address asked before. The worker merges it into the subscriptions and
    deletes it.
    """

    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(max_length=254)
    language = models.CharField(max_length=10)
    received_at = models.DateTimeField()
    # When it was last handed to a worker; the sweep re-queues it if it lingers.
    queued_at = models.DateTimeField()

    objects = LaunchRequestQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["queued_at"], name="campaign_launchreq_queued_idx")]

    def __str__(self) -> str:
        return f"Launch request #{self.pk}"
