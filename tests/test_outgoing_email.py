"""allauth's emails (sign-in codes, verification codes, "unknown account" notes)
are never sent inside the web request: the request stores the rendered message
(an OutgoingEmail row) and queues a task over the real Redis broker; a Celery
worker sends it through the outbox and deletes it once the mail server took it."""

import time
from datetime import timedelta

import pytest
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from accounts.privacy import erase
from config.celery_app import app as celery_app
from core import mail as core_mail
from core import outbox
from core.models import OutgoingEmail
from pledges import services
from tests.conftest import broker_down
from tests.signin import code_in
from tests.staff import make_user
from tests.test_sweep import queued

ANA = "ana@example.org"
NOWHERE = {  # a port where no mail server listens: any SMTP attempt fails
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
    }
}


@pytest.fixture(autouse=True)
def empty_queue():
    celery_app.control.purge()
    yield
    celery_app.control.purge()


def ask_for_a_code(client, captured, *, execute: bool):
    with captured(execute=execute):
        response = client.post("/accounts/login/code/", {"email": ANA})
    assert response.status_code == 302, response.status_code
    return response


@pytest.mark.django_db
def test_it_asks_for_a_code_without_talking_to_a_mail_server(
    client, settings, django_capture_on_commit_callbacks
):
    settings.MAILERS = NOWHERE
    make_user(ANA)
    ask_for_a_code(client, django_capture_on_commit_callbacks, execute=True)
    [row] = OutgoingEmail.objects.all()
    assert row.recipient == ANA
    assert row.email_due == OutgoingEmail.DUE
    assert row.email_sent_at is None
    assert queued() == [(core_mail.SEND_TASK, [row.pk])]


@pytest.mark.django_db(transaction=True)
def test_it_is_sent_by_a_worker_and_then_deleted(client, smtp_inbox, celery_worker):
    make_user(ANA)
    client.post("/accounts/login/code/", {"email": ANA})
    [(recipients, message)] = smtp_inbox.wait_for(1)
    assert recipients == [ANA]
    assert message["Subject"] == "Your Blue Heart sign-in code"
    assert message["Auto-Submitted"] == "auto-generated"
    assert code_in(message)
    deadline = time.monotonic() + 10
    while OutgoingEmail.objects.exists():  # deleted right after it is recorded sent
        assert time.monotonic() < deadline, "the sent message was kept"
        time.sleep(0.05)


@pytest.mark.django_db
def test_the_sweep_hands_out_a_message_whose_publish_was_lost(
    client, django_capture_on_commit_callbacks
):
    make_user(ANA)
    ask_for_a_code(client, django_capture_on_commit_callbacks, execute=False)  # never queued
    [row] = OutgoingEmail.objects.all()
    assert queued() == []
    assert core_mail.sweep_outgoing() == 0  # just queued: not lost yet
    later = timezone.now() + outbox.REQUEUE_AFTER + timedelta(seconds=1)
    with broker_down():
        assert core_mail.sweep_outgoing(now=later) == 1
    assert queued() == []
    # What the broker refused is left for the next sweep, at once.
    assert OutgoingEmail.objects.get().email_queued_at is None
    assert core_mail.sweep_outgoing(now=later) == 1
    assert queued() == [(core_mail.SEND_TASK, [row.pk])]


@pytest.mark.django_db
def test_erasure_removes_the_messages_waiting_for_the_address(
    client, django_capture_on_commit_callbacks
):
    user = make_user(ANA)
    ask_for_a_code(client, django_capture_on_commit_callbacks, execute=False)
    with django_capture_on_commit_callbacks(execute=False):
        core_mail.queue_email(EmailMultiAlternatives("Hi", "Code", to=["Ana@Example.ORG"]))
        core_mail.queue_email(EmailMultiAlternatives("Hi", "Code", to=["bruno@example.org"]))
    assert OutgoingEmail.objects.count() == 3
    erase(user)
    assert list(OutgoingEmail.objects.values_list("recipient", flat=True)) == ["bruno@example.org"]


@pytest.mark.django_db
def test_the_purge_deletes_messages_older_than_a_day(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        core_mail.queue_email(EmailMultiAlternatives("Hi", "Code", to=[ANA]))
    start = timezone.now()
    assert services.purge_stale(start + timedelta(days=1) - timedelta(seconds=1))["outgoing"] == 0
    assert OutgoingEmail.objects.exists()
    assert services.purge_stale(start + timedelta(days=1, seconds=1))["outgoing"] == 1
    assert not OutgoingEmail.objects.exists()


@pytest.mark.django_db
def test_a_message_the_server_refuses_for_its_address_is_not_kept(smtp_server):
    """A refused address settles the message without a send: the code it holds
    must not wait a day for the purge."""
    smtp_server(RefusingRecipients())
    core_mail.queue_email(
        EmailMultiAlternatives(subject="Code", body="ABCD-EFGH", to=["gone@example.org"])
    )
    ids = list(OutgoingEmail.objects.values_list("pk", flat=True))
    core_mail.send_outgoing_emails(ids)
    assert not OutgoingEmail.objects.exists()


class RefusingRecipients:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "550 5.1.1 No such user"
