"""The mail provider's tracking webhook, fed recorded payloads (tests/data/webhooks):
hard bounces and spam complaints mark the address undeliverable, a complaint
also ends its news; a soft bounce does nothing; a post that fails the
provider's checks marks nothing. And a send the provider refuses."""

import base64
import hashlib
import hmac
import json
import logging
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest
import requests
from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.core.mail import EmailMessage
from django.test import override_settings

from config.env import parse_email_url
from core.outbox import LazyMailer
from mailings import audiences, sending
from mailings.models import Suppression
from pledges.models import Pledge
from tests.conftest import make_pledge

pytestmark = [
    pytest.mark.django_db,
    # anymail warns on every SendGrid webhook that it no longer supports SendGrid.
    pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailNotSupportedWarning"),
]

DATA = Path(__file__).parent / "data" / "webhooks"
SECRET = "blueheart-hooks:correct horse battery"
MAILGUN_KEY = "key-test-mailgun-webhook-signing"


def recorded(name: str):
    return json.loads((DATA / name).read_text())


def configured(provider: str, **anymail):
    return override_settings(MAIL_PROVIDER=provider, ANYMAIL={"WEBHOOK_SECRET": SECRET, **anymail})


def auth(credentials: str = SECRET) -> dict:
    return {"authorization": "Basic " + base64.b64encode(credentials.encode()).decode()}


def post(client, provider_path: str, body, *, headers=None, content_type="application/json"):
    return client.post(
        f"/webhooks/email/{provider_path}/tracking/",
        data=json.dumps(body),
        content_type=content_type,
        headers=auth() if headers is None else headers,
    )


def supporter(email: str) -> Pledge:
    return make_pledge(email, "PT", wants_updates=True)


def reads_news(pledge: Pledge) -> bool:
    return audiences.news_readers().filter(pk=pledge.pk).exists()


def suppressed() -> dict[str, str]:
    return dict(Suppression.objects.values_list("address", "reason"))


# -- Mailgun: basic auth and an HMAC signature over every event ---------------


def mailgun_signed(event: dict, key: str = MAILGUN_KEY) -> dict:
    """Sign as Mailgun does: HMAC-SHA256 with the webhook signing key over
    timestamp + token, in hex, in the payload's signature block."""
    timestamp, token = "1534110422", "a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0"
    digest = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {"signature": {"timestamp": timestamp, "token": token, "signature": digest}, **event}


MAILGUN = {"MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY}


def test_a_mailgun_permanent_failure_marks_the_address_bounced(client):
    pledge = supporter("invalid@example.com")
    with configured("mailgun", **MAILGUN):
        event = mailgun_signed(recorded("mailgun-failed-permanent.json"))
        response = post(client, "mailgun", event)
    assert response.status_code == 200
    assert suppressed() == {"invalid@example.com": Suppression.Reason.BOUNCED}
    assert not reads_news(pledge)
    pledge.refresh_from_db()
    assert pledge.wants_updates  # a bounce is no request to stop


def test_a_mailgun_temporary_failure_marks_nothing(client):
    pledge = supporter("undeliverable@nomx.example.com")
    with configured("mailgun", **MAILGUN):
        event = mailgun_signed(recorded("mailgun-failed-temporary.json"))
        response = post(client, "mailgun", event)
    assert response.status_code == 200
    assert suppressed() == {}
    assert reads_news(pledge)


def test_a_mailgun_complaint_marks_the_address_and_ends_its_news(client):
    pledge = supporter("recipient@example.com")
    with configured("mailgun", **MAILGUN):
        response = post(client, "mailgun", mailgun_signed(recorded("mailgun-complained.json")))
    assert response.status_code == 200
    assert suppressed() == {"recipient@example.com": Suppression.Reason.COMPLAINED}
    pledge.refresh_from_db()
    assert not pledge.wants_updates
    assert not reads_news(pledge)


@pytest.mark.parametrize(
    ("signing_key", "headers"),
    [
        ("another-key", None),  # a signature made with another key
        (MAILGUN_KEY, auth("blueheart-hooks:wrong")),  # signed, but the wrong password
    ],
)
def test_a_mailgun_event_failing_its_checks_marks_nothing(client, signing_key, headers):
    pledge = supporter("recipient@example.com")
    event = mailgun_signed(recorded("mailgun-complained.json"), key=signing_key)
    with configured("mailgun", **MAILGUN):
        response = post(client, "mailgun", event, headers=headers)
    assert response.status_code == 400
    assert suppressed() == {}
    pledge.refresh_from_db()
    assert pledge.wants_updates


def test_a_mailgun_event_without_its_signature_marks_nothing(client):
    with configured("mailgun", **MAILGUN):
        response = post(client, "mailgun", recorded("mailgun-complained.json"))
    assert response.status_code == 400
    assert suppressed() == {}


# -- Postmark: basic auth ------------------------------------------------------


def test_a_postmark_hard_bounce_marks_the_address_bounced(client):
    pledge = supporter("bounce@example.com")
    with configured("postmark"):
        response = post(client, "postmark", recorded("postmark-hard-bounce.json"))
    assert response.status_code == 200
    assert suppressed() == {"bounce@example.com": Suppression.Reason.BOUNCED}
    assert not reads_news(pledge)


def test_a_postmark_soft_bounce_marks_nothing(client):
    # anymail calls Postmark's SoftBounce "bounced" too: its Type decides.
    pledge = supporter("bounce@example.com")
    with configured("postmark"):
        response = post(client, "postmark", recorded("postmark-soft-bounce.json"))
    assert response.status_code == 200
    assert suppressed() == {}
    assert reads_news(pledge)


def test_a_postmark_spam_complaint_unsubscribes_whatever_the_case_of_the_address(client):
    pledge = supporter("Spam@Example.org")
    other = supporter("someone-else@example.org")
    event = recorded("postmark-spam-complaint.json") | {"Email": "SPAM@example.ORG"}
    with configured("postmark"):
        response = post(client, "postmark", event)
    assert response.status_code == 200
    assert suppressed() == {"spam@example.org": Suppression.Reason.COMPLAINED}
    pledge.refresh_from_db()
    assert not pledge.wants_updates
    assert not reads_news(pledge)
    assert reads_news(other)


def test_a_postmark_event_without_credentials_is_asked_for_them(client):
    pledge = supporter("spam@example.com")
    with configured("postmark"):
        response = post(client, "postmark", recorded("postmark-spam-complaint.json"), headers={})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic ")
    assert suppressed() == {}
    pledge.refresh_from_db()
    assert pledge.wants_updates


@pytest.mark.parametrize(
    "credentials", ["blueheart-hooks:wrong", "someone:correct horse battery", "blueheart-hooks"]
)
def test_a_postmark_event_with_wrong_credentials_marks_nothing(client, credentials):
    pledge = supporter("spam@example.com")
    with configured("postmark"):
        response = post(
            client, "postmark", recorded("postmark-spam-complaint.json"), headers=auth(credentials)
        )
    assert response.status_code == 400  # anymail's refusal of a failed check
    assert suppressed() == {}
    pledge.refresh_from_db()
    assert pledge.wants_updates


# -- SendGrid and Amazon SES --------------------------------------------------


def test_a_sendgrid_bounce_marks_the_address_bounced(client):
    pledge = supporter("noreply@example.com")
    with configured("sendgrid"):
        response = post(client, "sendgrid", recorded("sendgrid-bounce.json"))
    assert response.status_code == 200
    assert suppressed() == {"noreply@example.com": Suppression.Reason.BOUNCED}
    assert not reads_news(pledge)


def test_a_sendgrid_block_marks_nothing(client):
    supporter("noreply@example.com")
    with configured("sendgrid"):
        response = post(client, "sendgrid", recorded("sendgrid-blocked.json"))
    assert response.status_code == 200
    assert suppressed() == {}


def test_an_amazon_ses_permanent_bounce_marks_only_the_bounced_recipient(client):
    notification = recorded("ses-permanent-bounce.json")
    sns_headers = {
        "x-amz-sns-message-id": notification["MessageId"],
        "x-amz-sns-message-type": notification["Type"],
    }
    with configured("ses"):
        response = post(
            client,
            "amazon_ses",
            notification,
            headers=auth() | sns_headers,
            content_type="text/plain; charset=UTF-8",  # as SNS posts its JSON
        )
    assert response.status_code == 200
    assert suppressed() == {"jane@example.com": Suppression.Reason.BOUNCED}


# -- only the configured provider, only with a secret -------------------------


def test_no_webhook_answers_without_a_provider_and_its_secret(client):
    event = recorded("postmark-spam-complaint.json")
    with override_settings(MAIL_PROVIDER=None, ANYMAIL={}):
        assert post(client, "postmark", event).status_code == 404
    with override_settings(MAIL_PROVIDER="postmark", ANYMAIL={}):
        assert post(client, "postmark", event).status_code == 404
    with configured("mailgun", **MAILGUN):
        assert post(client, "postmark", event).status_code == 404
    assert suppressed() == {}


def test_the_log_names_the_provider_and_event_never_the_address(client, caplog):
    supporter("spam@example.com")
    with caplog.at_level(logging.DEBUG), configured("postmark"):
        post(client, "postmark", recorded("postmark-spam-complaint.json"))
    assert "Postmark complained" in caplog.text
    assert "spam@example.com" not in caplog.text


# -- sending: what the provider refuses ---------------------------------------


class Refusing:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def send_messages(self, messages) -> None:
        raise self.error

    def close(self) -> None:
        pass


def test_a_send_the_provider_refuses_for_every_recipient_is_undeliverable():
    def build(_delivery):
        return EmailMessage("Hi", "Hello", to=["Ana@Example.org"])

    delivery = SimpleNamespace(pk=1)
    outcome = sending._send_one(delivery, build, Refusing(AnymailRecipientsRefused()))
    assert outcome == sending.Outcome.UNDELIVERABLE
    assert suppressed() == {"ana@example.org": Suppression.Reason.REFUSED}


def test_a_provider_api_error_is_tried_again():
    def build(_delivery):
        return EmailMessage("Hi", "Hello", to=["ana@example.org"])

    outcome = sending._send_one(SimpleNamespace(pk=1), build, Refusing(AnymailAPIError("503")))
    assert outcome == sending.Outcome.RETRY
    assert suppressed() == {}


def postmark_answers(status: int, body: bytes):
    """Postmark's API, as requests would return it, without the network."""
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.headers["Content-Type"] = "application/json"
    response.encoding = "utf-8"
    return mock.patch.object(requests.Session, "request", return_value=response)


# Postmark's answer to a send whose recipients it has marked inactive (as in
# anymail's tests/test_postmark_backend.py, test_recipients_inactive).
INACTIVE = (
    b'{"ErrorCode":406,"Message":"You tried to send to a recipient that has been marked as'
    b" inactive.\\nFound inactive addresses: hardbounce@example.com.\\nInactive recipients"
    b' are ones that have generated a hard bounce or a spam complaint."}'
)


@pytest.mark.parametrize(
    ("status", "body", "outcome", "marked"),
    [
        (422, INACTIVE, sending.Outcome.UNDELIVERABLE, {"hardbounce@example.com": "refused"}),
        (500, b'{"ErrorCode":100,"Message":"Maintenance"}', sending.Outcome.RETRY, {}),
        (
            200,
            b'{"ErrorCode":0,"Message":"OK","MessageID":"b7bc2f4a-e38e-4336-af7d-e6c392c2f817",'
            b'"SubmittedAt":"2026-11-28T12:00:00Z","To":"HardBounce@example.com"}',
            sending.Outcome.SENT,
            {},
        ),
    ],
)
def test_sending_through_postmark_from_email_url(status, body, outcome, marked):
    mailer = parse_email_url("EMAIL_URL", "postmark://server-token@?message_stream=broadcast")
    message = EmailMessage(
        "Hi", "Hello", "Blue Heart <news@example.org>", ["HardBounce@example.com"]
    )
    connection_ = LazyMailer()
    with override_settings(MAILERS={"default": mailer}), postmark_answers(status, body) as api:
        assert sending._send_one(SimpleNamespace(pk=1), lambda _: message, connection_) == outcome
    sent = api.call_args.kwargs
    assert sent["url"] == "https://api.postmarkapp.com/email"
    assert sent["headers"]["X-Postmark-Server-Token"] == "server-token"
    assert json.loads(sent["data"])["MessageStream"] == "broadcast"
    assert suppressed() == marked
