"""Emails sent to many people, or to one person many times: campaign updates,
the welcome, milestones, the organisers' digest and the launch emails.

A Mailing is one email (an update, the milestone "Portugal passed 1,000");
each of its recipients gets one Delivery row, unique in the database, that
walks queued -> sending -> sent (or skipped, failed, undeliverable). The
rows are claimed in batches and each is recorded as it goes, so a worker that
dies loses nobody and can resend at most the one email it was sending
(mailings.sending).
"""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class Mailing(models.Model):
    class Kind(models.TextChoices):
        UPDATE = "update", _("Campaign update")
        WELCOME = "welcome", _("Welcome")
        MILESTONE = "milestone", _("Milestone")
        DIGEST = "digest", _("Weekly digest")
        LAUNCH = "launch", _("Launch")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        # A milestone passed before milestone emails existed: recorded, not sent.
        PASSED = "passed", _("Passed without an email")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Names a system mailing, so it exists once: "PT:1000" or "world:1000" for a
    # milestone, "2026-W48" for a digest, "PT" for a launch, "welcome".
    key = models.CharField(max_length=50, blank=True, default="")
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    # An update's audience: everyone who wants news, or one country's, or one
    # language's (both: that country's supporters reading that language). A
    # milestone's or a launch's country ("" for the world's milestones).
    country = CountryField(blank=True, default="")
    language = models.CharField(max_length=10, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Set once every recipient has a Delivery row: from then on `total` is exact.
    fanned_out_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    # Emails the mail server took, counted batch by batch: the figure outlives
    # the Delivery rows, which are deleted DELIVERIES_KEPT_FOR after they finish.
    sent = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The last time a batch finished: the sweep restarts a run that stopped moving.
    progressed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "key"], condition=~Q(key=""), name="mailings_mailing_once"
            ),
        ]
        indexes = [
            models.Index(
                fields=["state"],
                condition=Q(state__in=["scheduled", "sending"]),
                name="mailings_mailing_active_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key or self.pk}"

    @property
    def is_bulk(self) -> bool:
        """Bulk mail goes at the configured rate; a welcome or a digest does not
        wait behind an update to a hundred thousand people."""
        return self.kind in (self.Kind.UPDATE, self.Kind.MILESTONE, self.Kind.LAUNCH)


class MailingText(models.Model):
    """An update's subject and Markdown body in one language."""

    mailing = models.ForeignKey(Mailing, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(max_length=10)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text (Markdown)"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mailing", "language"], name="mailings_text_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.mailing} [{self.language}]"


class DeliveryQuerySet(models.QuerySet):
    def claimable(self, now: datetime):
        """Queued and due, or claimed by a sender whose lease ran out (it died)."""
        return self.filter(
            Q(state=Delivery.State.QUEUED, next_attempt_at__lte=now)
            | Q(state=Delivery.State.SENDING, claimed_until__lte=now)
        )

    def unfinished(self):
        return self.filter(state__in=[Delivery.State.QUEUED, Delivery.State.SENDING])


class Delivery(models.Model):
    """One mailing to one recipient: a supporter (pledge), a staff member (user)
    or a launch sign-up. Never the address itself: it is read from the
    recipient at send time, so an erasure or a change of address wins."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        # No longer wanted when its turn came (unsubscribed, erased meanwhile).
        SKIPPED = "skipped", _("Skipped")
        # Temporary failures until the attempts ran out.
        FAILED = "failed", _("Failed")
        # The address bounced for good or complained: never tried again.
        UNDELIVERABLE = "undeliverable", _("Undeliverable")

    mailing = models.ForeignKey(Mailing, on_delete=models.CASCADE, related_name="deliveries")
    pledge = models.ForeignKey(
        "pledges.Pledge", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    subscription = models.ForeignKey(
        "campaign.LaunchSubscription",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # Which batch holds the row while it is "sending", and until when.
    claim = models.UUIDField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            # Once per mailing and recipient, whoever fans out and however often.
            models.UniqueConstraint(
                fields=["mailing", "pledge"],
                condition=Q(pledge__isnull=False),
                name="mailings_delivery_pledge_once",
            ),
            models.UniqueConstraint(
                fields=["mailing", "user"],
                condition=Q(user__isnull=False),
                name="mailings_delivery_user_once",
            ),
            models.UniqueConstraint(
                fields=["mailing", "subscription"],
                condition=Q(subscription__isnull=False),
                name="mailings_delivery_subscription_once",
            ),
            models.CheckConstraint(
                condition=(
                    Q(pledge__isnull=False, user__isnull=True, subscription__isnull=True)
                    | Q(pledge__isnull=True, user__isnull=False, subscription__isnull=True)
                    | Q(pledge__isnull=True, user__isnull=True, subscription__isnull=False)
                ),
                name="mailings_delivery_one_recipient",
            ),
        ]
        indexes = [
            # What the senders claim, in order: only unfinished rows are in it.
            models.Index(
                fields=["mailing", "id"],
                condition=Q(state__in=["queued", "sending"]),
                name="mailings_delivery_todo_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk} of {self.mailing_id}"


class SuppressionQuerySet(models.QuerySet):
    def for_address(self, address: str):
        return self.filter(address=address.lower())


class Suppression(models.Model):
    """An address that must not be mailed again: it bounced for good, or its
    owner reported our mail as spam. Kept lower-cased; erasing a supporter's
    data deletes theirs (accounts.privacy)."""

    class Reason(models.TextChoices):
        BOUNCED = "bounced", _("Bounced")
        COMPLAINED = "complained", _("Reported as spam")
        REFUSED = "refused", _("Refused by the mail server")

    address = models.CharField(max_length=254, unique=True)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    created_at = models.DateTimeField(default=timezone.now)

    objects = SuppressionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(address=Lower("address")), name="mailings_lower"),
        ]

    def __str__(self) -> str:
        return f"suppression {self.pk}"


class SendPace(models.Model):
    """The bucket of the bulk send rate (MAILING_RATE_PER_MINUTE), shared by every
    worker: one row, locked only for the instant a batch takes its tokens."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    tokens = models.FloatField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return "send pace"
