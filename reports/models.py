"""Large exports, built by a worker and fetched through an expiring link, and
weekly exports by email. Neither holds anything about a supporter: the file is
counts only (reports/exports.py), the row says who asked for which counts."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Export(models.Model):
    """One export file: built by `reports.tasks.build_export`, offered to its
    owner alone at /staff/exports/<token>/ until `expires_at`, then deleted
    with its file by the daily purge."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=20)
    format = models.CharField(_("format"), max_length=4)
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    # Empty for every country in the owner's scope, worked out again when built.
    country = models.CharField(_("country"), max_length=2, blank=True, default="")
    # The language of the email that offers it.
    language = models.CharField(max_length=10)
    # Random (secrets.token_urlsafe): names both the link and the file, so
    # neither can be guessed from another.
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    # Set once the file is written: relative to MEDIA_ROOT.
    path = models.CharField(max_length=200, blank=True, default="")
    built_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Export {self.kind} {self.start} to {self.end}"


class WeeklyExport(models.Model):
    """A staff member's standing order: every Monday, last week's counts by email."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=20)
    format = models.CharField(_("format"), max_length=4)
    active = models.BooleanField(_("active"), default=True)
    language = models.CharField(max_length=10)
    # The ISO week ("2026-W48") last built: once a week however often the beat calls.
    last_week = models.CharField(max_length=10, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "kind", "format"], name="reports_weekly_once")
        ]

    def __str__(self) -> str:
        return f"Weekly {self.kind} {self.format}"


class DailyCount(models.Model):
    """Counted confirmations of one country on one closed UTC day: the rollup
    reports/rollup.py rebuilds whole from the pledge rows, so the organisers'
    figures for past days read a row per day and country, not a row per pledge."""

    day = models.DateField()
    country = models.CharField(max_length=2)
    confirmed = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "country"], name="reports_dailycount_once")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.country}: {self.confirmed}"


class RollupState(models.Model):
    """The one row saying what the rollup holds (reports/rollup.py): every
    closed day through `complete_through`, as the rows stood when it was built,
    unless a change to a closed day is waiting (`stale_since`). Also the latest
    snapshot of the pending pledges by country, taken every minute."""

    complete_through = models.DateField(null=True, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)
    # Set (kept at its first value) when a change touches a closed day; cleared
    # by the rebuild that follows, which reads the rows after it.
    stale_since = models.DateTimeField(null=True, blank=True)
    # {country code: pending pledges}, as of pending_as_of.
    pending = models.JSONField(default=dict, blank=True)
    pending_as_of = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Rollup through {self.complete_through}"
