"""The mail provider's tracking webhook: hard bounces and spam complaints.

django-anymail receives each provider's events, checks them (EMAIL_WEBHOOK_SECRET's
basic auth; Mailgun's HMAC signature; SendGrid's, when its key is set) and hands
them over normalized, as the `tracking` signal. Here:

- a complaint marks the address undeliverable and ends its news
  (services.mark_undeliverable, reason COMPLAINED);
- a hard bounce marks it undeliverable (reason BOUNCED). A soft bounce does
  nothing: the next mailing tries again. Anymail's "bounced" is not always
  permanent, so each provider's own word decides (`is_hard_bounce`).

The webhook's URLs are in mailings/webhook_urls.py. The log names the provider
and the event, never the address.
"""

import logging

from anymail.signals import AnymailTrackingEvent, EventType, RejectReason, tracking

from mailings import services
from mailings.models import Suppression

logger = logging.getLogger(__name__)


def is_hard_bounce(event: AnymailTrackingEvent, esp_name: str) -> bool:
    """Will mail to this address never arrive? Read from the provider's own
    event where anymail's "bounced" also covers soft bounces."""
    if event.event_type == EventType.REJECTED:
        # The provider refused to send: the address is on its own bounce list or
        # is invalid (SendGrid "dropped: Bounced Address", Postmark BadEmailAddress).
        return event.reject_reason in (RejectReason.BOUNCED, RejectReason.INVALID)
    if event.event_type != EventType.BOUNCED:
        return False  # "deferred" and the rest: soft, or not about delivery
    raw = event.esp_event if isinstance(event.esp_event, dict) else {}
    if esp_name == "Postmark":
        # Type SoftBounce (a full mailbox) is "bounced" too; HardBounce is the one.
        return "HardBounce" in (raw.get("Type"), raw.get("SuppressionReason"))
    if esp_name == "SendGrid":
        # type "blocked" is a refusal for now (reputation, content); "bounce" for good.
        return raw.get("type", "bounce") == "bounce"
    if esp_name == "Amazon SES":
        # bounceType Transient (a full mailbox, auto-replies) or Undetermined is soft.
        return raw.get("bounce", {}).get("bounceType") == "Permanent"
    # Mailgun: "failed" with severity "temporary" already arrives as "deferred".
    return True


def on_tracking(sender, event: AnymailTrackingEvent, esp_name: str, **kwargs) -> None:
    if event.event_type == EventType.COMPLAINED:
        reason = Suppression.Reason.COMPLAINED
    elif is_hard_bounce(event, esp_name):
        reason = Suppression.Reason.BOUNCED
    else:
        return
    if not event.recipient:
        logger.warning("%s %s event without a recipient; ignored", esp_name, event.event_type)
        return
    services.mark_undeliverable(event.recipient, reason)
    logger.info(
        "%s %s event: address marked undeliverable (%s)", esp_name, event.event_type, reason
    )


def connect() -> None:
    tracking.connect(on_tracking, dispatch_uid="mailings.webhooks.on_tracking")
