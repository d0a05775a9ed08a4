"""Each email that goes out to a pledge's address is logged, kind and time only,
once the outbox has recorded it sent (core.outbox's on_sent); what was not sent
is not logged. Ana signs from Portugal."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from pledges import services
from pledges.models import Pledge, PledgeEmail, PledgeRequest
from tests.conftest import RejectingServer, confirm_path, press_confirm

pytestmark = pytest.mark.django_db


def logged(email="ana@example.org") -> list[tuple[str, object]]:
    pledge = Pledge.objects.get(email=email)
    return list(pledge.emails_sent.order_by("sent_at").values_list("kind", "sent_at"))


def test_it_logs_each_email_sent_with_its_kind_and_time(client, sign, ana):
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        sign(ana)
    press_confirm(client, confirm_path(mail.outbox[0]))
    with time_machine.travel(start + timedelta(minutes=11), tick=False):
        sign(ana)
    assert len(mail.outbox) == 2
    assert logged() == [
        ("confirmation", start),
        ("already_pledged", start + timedelta(minutes=11)),
    ]


class RefusesTheRecipient:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "550 5.1.1 No such mailbox"


@pytest.mark.parametrize("server", [RejectingServer, RefusesTheRecipient])
def test_it_logs_nothing_when_nothing_went_out(sign, ana, smtp_server, server):
    smtp_server(server())
    sign(ana)  # refused: at the end of the message, or at the address itself
    assert not PledgeEmail.objects.exists()


def test_it_logs_nothing_for_a_pledge_deleted_meanwhile(sign, ana):
    sign(ana)
    pledge = Pledge.objects.get(email="ana@example.org")
    Pledge.objects.filter(pk=pledge.pk).delete()
    assert PledgeEmail.objects.record(pledge.pk, "confirmation", timezone.now()) is False
    assert not PledgeEmail.objects.exists()


def test_a_single_send_is_logged_too(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # the broker never got it
        services.sign_pledge(
            display_name="Ana", email="ana@example.org", country="PT", language="en"
        )
    services.apply_requests(list(PledgeRequest.objects.values_list("pk", flat=True)))
    pledge = Pledge.objects.get(email="ana@example.org")
    assert services.send_pledge_email(pledge.pk) is True
    assert [kind for kind, _at in logged()] == ["confirmation"]
