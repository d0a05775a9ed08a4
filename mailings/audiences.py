"""Who receives a mailing: the rule for each kind, as querysets of recipients.

Consent is what each supporter confirmed themselves (Pledge.wants_updates, set
on the confirmation page and "My pledge", cleared by unsubscribing). The rule
is applied when the mailing fans out and again when each email is built, so a
supporter who unsubscribes mid-run gets nothing more.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower

from accounts.models import Role, User
from campaign.models import LaunchSubscription
from mailings.models import Mailing, Suppression
from pledges.models import Pledge


def _not_suppressed(queryset: QuerySet, field: str = "email") -> QuerySet:
    suppressed = Suppression.objects.filter(address=Lower(OuterRef(field)))
    return queryset.filter(~Exists(suppressed))


def news_readers(*, country: str = "", language: str = "") -> QuerySet:
    """Confirmed supporters who want news (and, for a country's news, that
    country's supporters who have not turned its news off)."""
    # Never the made-up pledges of `generate_pledges`: their addresses are fake.
    readers = Pledge.objects.confirmed().filter(
        wants_updates=True, erased_at__isnull=True, email__isnull=False, is_synthetic=False
    )
    if country:
        readers = readers.filter(country=country, country_news=True)
    if language:
        readers = readers.filter(language=language)
    return _not_suppressed(readers)


def organisers() -> QuerySet:
    """Who reads the counts: organisers and administrators, active."""
    staff = Q(role_grants__role=Role.ORGANISER) | Q(is_superuser=True)
    return _not_suppressed(User.objects.filter(staff, is_active=True).distinct())


def launch_subscribers(country_code: str) -> QuerySet:
    subscribers = LaunchSubscription.objects.confirmed().filter(country__code=country_code)
    return _not_suppressed(subscribers)


def recipients_of(mailing: Mailing) -> list[tuple[str, QuerySet]]:
    """(Delivery column, recipients) pairs for the mailing's fan-out."""
    if mailing.kind == Mailing.Kind.UPDATE:
        return [("pledge_id", news_readers(country=mailing.country, language=mailing.language))]
    if mailing.kind == Mailing.Kind.MILESTONE:
        # The world's milestones reach everyone who wants news; a country's, its own.
        readers = news_readers(country=mailing.country)
        return [("user_id", organisers()), ("pledge_id", readers)]
    if mailing.kind == Mailing.Kind.DIGEST:
        return [("user_id", organisers())]
    if mailing.kind == Mailing.Kind.LAUNCH:
        return [("subscription_id", launch_subscribers(mailing.country))]
    return []  # the welcome has its recipients added one by one


def still_wanted(delivery) -> bool:
    """Whether the recipient should still get this mailing now it is their turn."""
    mailing = delivery.mailing
    if delivery.pledge_id is not None:
        pledge = delivery.pledge
        if pledge.erased_at is not None or not pledge.email or not pledge.is_confirmed:
            return False
        if mailing.kind == Mailing.Kind.WELCOME:
            return True
        if not pledge.wants_updates:
            return False
        # A country's update or milestone: its fan-out asked for country_news too.
        if mailing.kind in (Mailing.Kind.UPDATE, Mailing.Kind.MILESTONE) and mailing.country:
            return pledge.country_news and pledge.country.code == mailing.country.code
        return True
    if delivery.user_id is not None:
        return delivery.user.is_active
    return delivery.subscription is not None and delivery.subscription.is_confirmed
