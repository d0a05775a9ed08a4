"""However it is asked for (a signature, a new link, a launch sign-up, a sign-in
code), one address is sent at most EMAIL_DAILY_CAP_PER_ADDRESS emails through
the outbox in a UTC day; past it an email is settled unsent, the mail server
never contacted. The next day it starts again.

Mallory asks for everything there is, for Ana's address, from many networks;
Ana is the one whose inbox it would flood. Adam the administrator sends
himself test updates and exports, which are his own business."""

import logging
import threading
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMessage
from django.db import connections
from django.test import Client
from django.utils import timezone

from abuse.models import EmailAllowance
from core import outbox
from core.mail import queue_email
from core.models import OutgoingEmail
from pledges import emails, services
from pledges.models import Pledge
from tests.conftest import ANA, make_pledge
from tests.launch import upcoming_country
from tests.staff import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

CAP = 3


@pytest.fixture(autouse=True)
def cap(settings):
    settings.EMAIL_DAILY_CAP_PER_ADDRESS = CAP


def from_network(n: int) -> Client:
    # Mallory moves from network to network: no rate limit stops her here.
    return Client(REMOTE_ADDR=f"198.51.100.{n}")


def test_every_source_together_never_exceeds_the_cap_and_the_next_day_starts_again(
    django_capture_on_commit_callbacks, caplog
):
    upcoming_country("FR")
    make_user("ana@example.org")
    start = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0)
    requests = [
        ("/pledge/", ANA),
        ("/confirm/new-link/", {"email": "ana@example.org"}),
        ("/countries/fr/notify/", {"email": "ana@example.org"}),
        ("/accounts/login/code/", {"email": "ana@example.org"}),
        ("/confirm/new-link/", {"email": "ana@example.org"}),
        ("/accounts/login/code/", {"email": "ana@example.org"}),
    ]
    with caplog.at_level(logging.WARNING, logger="core.outbox"):
        for n, (path, data) in enumerate(requests):
            # Eleven minutes apart: past the resend window, so each one owes an email.
            moment = start + n * timedelta(minutes=11)
            with (
                time_machine.travel(moment, tick=False),
                django_capture_on_commit_callbacks(execute=True),
            ):
                assert from_network(n).post(path, data).status_code == 302
    assert len(mail.outbox) == CAP
    assert [message.to for message in mail.outbox] == [["ana@example.org"]] * CAP
    # The others are settled, not left owed for the sweep to try again.
    assert Pledge.objects.get().email_due == ""
    assert not OutgoingEmail.objects.exists()
    refusals = [record.getMessage() for record in caplog.records]
    assert len(refusals) == len(requests) - CAP
    assert all("daily email cap reached" in line and "ana" not in line for line in refusals)

    with (
        time_machine.travel(start + timedelta(days=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        from_network(9).post("/confirm/new-link/", {"email": "ana@example.org"})
    assert len(mail.outbox) == CAP + 1


def test_the_cap_counts_the_address_whatever_its_case():
    for email in ("ana@example.org", "ANA@example.org", "Ana@Example.org", "ana@EXAMPLE.ORG"):
        Pledge.objects.filter(email__iexact=email).delete()
        pledge = make_pledge(email, "PT", confirmed=False)
        Pledge.objects.filter(pk=pledge.pk).update(
            email_due=Pledge.EmailDue.CONFIRMATION, email_requested_at=timezone.now()
        )
        services.send_pledge_email(pledge.pk)
    assert len(mail.outbox) == CAP


def test_an_administrators_own_messages_are_not_capped(django_capture_on_commit_callbacks):
    for n in range(CAP + 2):
        with django_capture_on_commit_callbacks(execute=True):
            queue_email(EmailMessage(f"Test {n}", "Body", to=["adam@example.org"]), own=True)
    assert len(mail.outbox) == CAP + 2
    # Nor do they use up what others may ask for him.
    assert not EmailAllowance.objects.exists()


class BrokenMailer:
    def send_messages(self, messages):
        raise ConnectionRefusedError


def test_an_email_the_server_did_not_take_is_given_back(django_capture_on_commit_callbacks):
    pledge = make_pledge("ana@example.org", "PT", confirmed=False)
    Pledge.objects.filter(pk=pledge.pk).update(
        email_due=Pledge.EmailDue.CONFIRMATION, email_requested_at=timezone.now()
    )
    for _attempt in range(CAP + 1):
        with pytest.raises(outbox.EmailNotSent):
            outbox.deliver(Pledge.objects, pledge.pk, emails.for_pledge, mailer=BrokenMailer())
    # A mail server's outage does not use up the day: the retry still goes.
    assert EmailAllowance.objects.get().sent == 0
    assert services.send_pledge_email(pledge.pk)
    assert len(mail.outbox) == 1
    assert EmailAllowance.objects.get().sent == 1


def test_the_daily_purge_forgets_the_days_gone_by():
    today = timezone.now()
    EmailAllowance.objects.take("ana@example.org", today - timedelta(days=1))
    EmailAllowance.objects.take("ana@example.org", today)
    assert services.purge_stale(today)["allowances"] == 1
    assert list(EmailAllowance.objects.values_list("day", flat=True)) == [today.date()]


def test_the_allowance_stores_no_address():
    EmailAllowance.objects.take("ana@example.org")
    row = EmailAllowance.objects.get()
    assert "ana" not in row.key and "example" not in row.key and len(row.key) == 32


@pytest.mark.django_db(transaction=True)
def test_concurrent_senders_never_take_more_than_the_cap():
    start = threading.Barrier(10)
    taken = []

    def take():
        try:
            start.wait(timeout=10)
            taken.append(EmailAllowance.objects.take("ana@example.org"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(taken) == [False] * (10 - CAP) + [True] * CAP
    assert EmailAllowance.objects.get().sent == CAP
