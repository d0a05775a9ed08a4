"""What a supporter sees, downloads and erases, and the log of staff access.

A person's pledge is the one whose address is one of their account's *verified*
addresses: anyone can type any address into the pledge form, so the proof that
a pledge is yours is a verified address, nothing else. Everything here works
from that one definition (`pledges_of`).
"""

import json
from datetime import datetime

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import models, transaction
from django.utils import timezone

from accounts.models import AccessLog, RoleChange, User
from accounts.rules import moderated_countries, roles_of
from campaign.models import LaunchRequest, LaunchSubscription
from core.mail import forget_outgoing
from mailings import services as mailings
from mailings.models import Delivery
from pledges.models import Pledge, PledgeRequest

# The version of the download's layout; bump it when a key changes meaning.
EXPORT_FORMAT = 1


def verified_addresses(user: User) -> list[str]:
    return list(
        EmailAddress.objects.filter(user=user, verified=True)
        .order_by("-primary", "email")
        .values_list("email", flat=True)
    )


def pledges_of(user: User) -> models.QuerySet:
    """The user's pledges: those of their verified addresses (one, nearly always)."""
    return (
        Pledge.objects.for_emails(verified_addresses(user))
        .filter(erased_at__isnull=True)
        .order_by("-confirmed_at", "pk")
    )


def export_data(user: User, now: datetime | None = None) -> dict:
    """Everything we hold about the user, and nothing about anyone else."""
    now = now or timezone.now()
    addresses = verified_addresses(user)
    pledges = pledges_of(user).prefetch_related("emails_sent")
    return {
        "format": EXPORT_FORMAT,
        "generated_at": _time(now),
        "account": {
            "username": user.username,
            "name": user.name,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "email_addresses": [
                {"email": address.email, "verified": address.verified, "primary": address.primary}
                for address in EmailAddress.objects.filter(user=user).order_by("email")
            ],
            "joined_at": _time(user.date_joined),
            "last_login_at": _time(user.last_login),
            "has_password": user.has_usable_password(),
        },
        "roles": sorted(roles_of(user)),
        "moderated_countries": sorted(moderated_countries(user)),
        "role_changes": [
            {
                "action": change.action,
                "role": change.role,
                "country": change.country.code or None,
                "at": _time(change.at),
            }
            for change in RoleChange.objects.filter(subject_id=user.pk).order_by("at", "id")
        ],
        # Which second factors are set up, never their secrets.
        "two_factor_authenticators": [
            {
                "type": authenticator.type,
                "created_at": _time(authenticator.created_at),
                "last_used_at": _time(authenticator.last_used_at),
            }
            for authenticator in Authenticator.objects.filter(user=user).order_by("type", "pk")
        ],
        "pledges": [_pledge_data(pledge) for pledge in pledges],
        "requests_in_progress": [
            {
                "kind": request.kind,
                "email": request.email,
                "display_name": request.display_name,
                "country": request.country.code or None,
                "language": request.language,
                "received_at": _time(request.received_at),
            }
            for request in PledgeRequest.objects.for_emails(addresses).order_by("received_at")
        ],
        # "Tell me when it launches", one per country asked about.
        "launch_subscriptions": [
            _launch_subscription_data(subscription)
            for subscription in LaunchSubscription.objects.for_emails(addresses)
            .select_related("country")
            .order_by("created_at", "pk")
        ],
        "launch_requests_in_progress": [
            {
                "country": request.country.code.code,
                "email": request.email,
                "language": request.language,
                "received_at": _time(request.received_at),
            }
            for request in LaunchRequest.objects.for_emails(addresses)
            .select_related("country")
            .order_by("received_at", "pk")
        ],
    }


def _launch_subscription_data(subscription: LaunchSubscription) -> dict:
    return {
        "country": subscription.country.code.code,
        "email": subscription.email,
        "language": subscription.language,
        "first_asked_at": _time(subscription.created_at),
        "last_asked_at": _time(subscription.requested_at),
        "confirmed_at": _time(subscription.confirmed_at),
        "last_email_sent_at": _time(subscription.email_sent_at),
        "email_waiting_to_be_sent": (
            {"kind": subscription.email_due, "requested_at": _time(subscription.email_requested_at)}
            if subscription.email_due
            else None
        ),
    }


def _pledge_data(pledge: Pledge) -> dict:
    return {
        "public_id": str(pledge.public_id),
        "email": pledge.email,
        "display_name": pledge.display_name,
        "show_publicly": pledge.show_publicly,
        "on_wall": pledge.on_wall,
        "on_wall_changed_at": _time(pledge.on_wall_changed_at),
        "badge_withdrawn_at": _time(pledge.badge_withdrawn_at),
        "country": pledge.country.code,
        "language": pledge.language,
        "signed_at": _time(pledge.signed_at),
        "confirmed_at": _time(pledge.confirmed_at),
        "supporter_number": pledge.supporter_number,
        "consents": {
            "pledge": {
                "given_at": _time(pledge.confirmed_at),
                "wording_version": pledge.wording_version or None,
            },
            "campaign_news": {
                "wants_news": pledge.wants_updates,
                "choice_made_at": _time(pledge.news_changed_at),
                "wording_version": pledge.news_wording_version or None,
            },
        },
        "emails_sent": [
            {"kind": email.kind, "sent_at": _time(email.sent_at)}
            for email in sorted(pledge.emails_sent.all(), key=lambda email: email.sent_at)
        ],
        # Campaign emails (the welcome, updates, milestones): which, and what became of each.
        "campaign_emails": [
            {
                "kind": delivery.mailing.kind,
                "state": delivery.state,
                "queued_at": _time(delivery.created_at),
                "finished_at": _time(delivery.finished_at),
            }
            for delivery in Delivery.objects.filter(pledge_id=pledge.pk)
            .select_related("mailing")
            .order_by("created_at", "pk")
        ],
        "email_waiting_to_be_sent": (
            {"kind": pledge.email_due, "requested_at": _time(pledge.email_requested_at)}
            if pledge.email_due
            else None
        ),
    }


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def erase(user: User, now: datetime | None = None) -> None:
    """Erase the user's data for good, in one transaction.

    Their pledges: a confirmed one becomes an anonymous row (counted as before),
    a pending one goes (Pledge.erase), and with them the log of the emails they
    were sent and any email still owed. Their launch sign-ups go. Requests in
    flight for their addresses go, and so do messages still waiting to be sent
    to any of them (a sign-in code, say). The account goes, with its addresses,
    second factors and role grants; the audit logs keep bare ids. Every session
    that is theirs or names one of their addresses ends. The caller logs the
    visitor out.
    """
    now = now or timezone.now()
    user_id = user.pk
    addresses = {
        address.lower()
        for address in [
            user.email,
            *EmailAddress.objects.filter(user=user).values_list("email", flat=True),
        ]
        if address
    }
    with transaction.atomic():
        pledge_ids = []
        for pledge in pledges_of(user):
            pledge_ids.append(pledge.pk)
            pledge.erase(now)
        verified = verified_addresses(user)
        # The mailings they were sent or owed, and their addresses' bounce records.
        mailings.forget(addresses, pledge_ids)
        PledgeRequest.objects.for_emails(verified).delete()
        _forget_launch_signups(verified)
        # Messages still waiting for any of their addresses (a sign-in code, say).
        forget_outgoing(addresses)
        # The admin's history names what it changed ("object_repr"): keep the
        # entries about this account, not what they called it.
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(User), object_id=str(user_id)
        ).update(object_repr="", change_message="")
        user.delete()
        _end_sessions(user_id, addresses)


def _end_sessions(user_id: int, addresses: set[str]) -> None:
    """Delete every session signed in as the user, or that names one of their
    addresses (a sign-in code requested from another browser, say).

    Reads every session (they live in the database: Django's default engine,
    which the settings keep): erasure is rare, and a session's data can only be
    searched once decoded. The address is searched as text, anywhere (a message
    may quote it): at worst someone whose address contains theirs is signed out.
    """
    ended = []
    for session in Session.objects.iterator():
        data = session.get_decoded()
        text = json.dumps(data, default=str, ensure_ascii=False).lower()
        if data.get("_auth_user_id") == str(user_id) or any(
            address in text for address in addresses
        ):
            ended.append(session.session_key)
    Session.objects.filter(session_key__in=ended).delete()


def log_access(
    actor: User, obj: models.Model, now: datetime | None = None, action: str = AccessLog.Action.VIEW
) -> AccessLog:
    """Record that `actor` opened (or erased) `obj`'s personal data."""
    return AccessLog.objects.create(
        actor=actor,
        action=action,
        model=obj._meta.label_lower,
        object_id=str(obj.pk),
        at=now or timezone.now(),
    )


def erase_on_behalf(actor: User, pledge: Pledge, now: datetime | None = None) -> None:
    """An administrator erases a supporter's data at their request (they wrote
    in, say): the pledge, any account whose verified address is the pledge's,
    requests in flight and launch sign-ups for that address, as if the supporter
    had pressed the button themselves. Logged, in the same transaction."""
    now = now or timezone.now()
    with transaction.atomic():
        log_access(actor, pledge, now, action=AccessLog.Action.ERASE)
        if pledge.email:
            owners = User.objects.filter(
                pk__in=EmailAddress.objects.lookup([pledge.email])
                .filter(verified=True)
                .values("user_id")
            )
            for owner in owners:
                erase(owner, now)
            PledgeRequest.objects.for_emails([pledge.email]).delete()
            _forget_launch_signups([pledge.email])
        mailings.forget([pledge.email], [pledge.pk])
        pledge.erase(now)


def _forget_launch_signups(addresses: list[str]) -> None:
    """Launch sign-ups of these addresses, confirmed or not, and their requests
    in flight. A worker mid-send finds the row gone and records nothing."""
    LaunchSubscription.objects.for_emails(addresses).delete()
    LaunchRequest.objects.for_emails(addresses).delete()
