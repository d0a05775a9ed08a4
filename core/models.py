from datetime import datetime, timedelta

from django.db import models
from django.utils import timezone

from core.outbox import OwedEmail


class JobLeaseQuerySet(models.QuerySet):
    def take(self, name: str, ttl: timedelta, now: datetime | None = None) -> datetime | None:
        """Hold the named lease for ttl, unless someone holds it now.

        Returns the lease's expiry (the holder's proof, for release) or None.
        The lease is a committed row value, not a lock: nothing is held open
        while the job talks to the network, and a holder that dies simply lets
        it expire.
        """
        now = now or timezone.now()
        until = now + ttl
        self.bulk_create([JobLease(name=name, held_until=now)], ignore_conflicts=True)
        taken = self.filter(name=name, held_until__lte=now).update(held_until=until)
        return until if taken else None

    def release(self, name: str, until: datetime) -> None:
        self.filter(name=name, held_until=until).update(held_until=timezone.now())


class JobLease(models.Model):
    """A named lease that keeps a periodic job from overlapping with itself."""

    name = models.CharField(max_length=100, primary_key=True)
    held_until = models.DateTimeField()

    objects = JobLeaseQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.name} until {self.held_until:%Y-%m-%d %H:%M:%S}"


class OutgoingEmail(OwedEmail):
    """A rendered message waiting to be sent (allauth's sign-in and verification
    codes, its "unknown account" notes). It goes through the outbox like every
    other email, and is deleted once sent: it may hold a sign-in code, and
    nothing of it is kept after. One that never goes is purged after a day."""

    # What a row owes while it waits (email_due); it owes nothing once sent.
    DUE = "message"
    # One a signed-in staff member asked for, to their own address (a test send of
    # an update, an export's link): never counted against the address's daily cap.
    DUE_OWN = "own-message"

    recipient = models.EmailField(max_length=254)
    subject = models.CharField(max_length=998)
    body = models.TextField()
    html = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        # Never the address or the subject: this may be printed anywhere.
        return f"outgoing email {self.pk}"

    def counts_against_daily_cap(self) -> bool:
        return self.email_due != self.DUE_OWN
