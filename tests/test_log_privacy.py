"""No address and no name ever reaches the logs. Every logger is turned up to
DEBUG while Ana and Bruno sign (or ask to hear of a launch), confirm, ask again
and meet a mail server that refuses them (and quotes their address, as real
ones do), all on the real stack: the site over HTTP, the Redis broker, a Celery
worker and SMTP servers."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from campaign.models import Country, LaunchSubscription
from campaign.tasks import send_launch_emails
from pledges.models import Pledge
from tests.browserless import Visitor
from tests.conftest import ANA, BRUNO, CONFIRM_LINK, RejectingServer, SMTPInbox
from tests.launch import launch_link_path, upcoming_country

pytestmark = pytest.mark.django_db(transaction=True)

# aiosmtpd's own logger: the test's mail servers, standing for the outside world.
MAIL_SERVERS = "mail.log"
PERSONAL = ["ana@example.org", "Ana Silva", "bruno@example.org", "Bruno García", "Bruno Garc"]


@pytest.fixture
def every_logger_at_debug(caplog):
    caplog.set_level(logging.DEBUG)
    loggers = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    saved = [(logger, logger.level, logger.propagate) for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.propagate = True
    yield caplog
    for logger, level, propagate in saved:
        logger.setLevel(level)
        logger.propagate = propagate


def message_of(record) -> str:
    """The record's message as a handler would write it. psycopg's debug records
    describe their connection only when formatted, and a connection closed since
    cannot be described: no handler could write those, so neither do we."""
    try:
        return record.getMessage()
    except Exception as error:
        return f"<not formattable: {type(error).__name__}>"


def wait_until(condition, timeout=15):
    deadline = timezone.now() + timedelta(seconds=timeout)
    while not condition():
        assert timezone.now() < deadline, "timed out"


def test_no_address_or_name_reaches_the_logs(
    live_server, settings, celery_worker, smtp_server, every_logger_at_debug
):
    settings.SITE_URL = live_server.url
    smtp_inbox = smtp_server(SMTPInbox())
    ana = Visitor(live_server.url)

    # Ana signs, gets her link, opens it and confirms.
    ana.submit("/pledge/", ANA)
    [(_to, message)] = smtp_inbox.wait_for(1)
    link = CONFIRM_LINK.search(message.get_body(("plain",)).get_content()).group(0)
    path = link.removeprefix(live_server.url)
    status, _url, _page = ana.submit(path, {"display_name": "Ana Silva", "country": "PT"})
    assert status == 200

    # She signs again after the resend window: "you have already pledged".
    Pledge.objects.update(email_requested_at=timezone.now() - timedelta(hours=1))
    ana.submit("/pledge/", ANA)
    smtp_inbox.wait_for(2)

    # Bruno signs while the mail server refuses everything, quoting the address.
    smtp_server(RejectingServer())
    Visitor(live_server.url).submit("/pledge/", BRUNO)
    records = every_logger_at_debug.records
    # The worker counts the failed attempt, then logs it: wait for the log line.
    wait_until(lambda: any("not sent" in message_of(record) for record in records))
    assert Pledge.objects.filter(email_attempts=1).exists()
    logged = "\n".join(
        f"{record.name} {message_of(record)} {record.exc_text or ''} {record.__dict__}"
        for record in records
        if record.name != MAIL_SERVERS
    )
    for personal in PERSONAL:
        assert personal not in logged


def test_no_address_reaches_the_logs_on_the_way_to_a_launch(
    live_server, settings, celery_worker, smtp_server, every_logger_at_debug
):
    settings.SITE_URL = live_server.url
    smtp_inbox = smtp_server(SMTPInbox())
    upcoming_country("PT")
    ana = Visitor(live_server.url)

    # Ana asks to hear of Portugal's launch, gets her link, opens it and confirms.
    ask = "/countries/pt/notify/"
    ana.submit(ask, {"email": "ana@example.org"})
    [(_to, message)] = smtp_inbox.wait_for(1)
    path = launch_link_path(message.get_body(("plain",)).get_content())
    status, _url, _page = ana.submit(path, {})
    assert status == 200

    # She asks again after the resend window: "you are already on the list".
    LaunchSubscription.objects.update(email_requested_at=timezone.now() - timedelta(hours=1))
    ana.submit(ask, {"email": "ana@example.org"})
    smtp_inbox.wait_for(2)

    # Portugal launches: she is told, and forgotten.
    Country.objects.filter(code="PT").update(status=Country.Status.LAUNCHED)
    send_launch_emails()
    smtp_inbox.wait_for(3)

    # Bruno asks for Spain while the mail server refuses everything, quoting him.
    upcoming_country("ES")
    smtp_server(RejectingServer())
    Visitor(live_server.url).submit("/countries/es/notify/", {"email": "bruno@example.org"})
    records = every_logger_at_debug.records
    wait_until(lambda: any("not sent" in message_of(record) for record in records))
    logged = "\n".join(
        f"{record.name} {message_of(record)} {record.exc_text or ''} {record.__dict__}"
        for record in records
        if record.name != MAIL_SERVERS
    )
    assert "LaunchSubscription id=" in logged  # the search finds what is there
    for personal in PERSONAL:
        assert personal not in logged
