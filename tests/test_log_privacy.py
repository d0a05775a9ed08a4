"""No address and no name ever reaches the logs. Every logger is turned up to
DEBUG while Ana and Bruno sign (or ask to hear of a launch), confirm, ask again
and meet a mail server that refuses them (and quotes their address, as real
ones do), all on the real stack: the site over HTTP, the Redis broker, a Celery
worker and SMTP servers. Then every other way in: a new link, links that are
expired or mangled (404 and 410, which Django logs with their path), unsubscribe
and email preferences, a sign-in code, an address in a query string and a form
refused for bad input. No link's token reaches the logs either (core/logs.py)."""

import logging
import urllib.request
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from campaign.models import Country, LaunchSubscription
from campaign.tasks import send_launch_emails
from campaign.tokens import make_launch_token
from mailings.tokens import make_token
from pledges.models import Pledge
from pledges.tokens import make_confirm_token
from tests.browserless import Visitor
from tests.conftest import ANA, BRUNO, CONFIRM_LINK, RejectingServer, SMTPInbox, make_pledge
from tests.launch import launch_link_path, subscribe, upcoming_country
from tests.staff import make_user

pytestmark = pytest.mark.django_db(transaction=True)

# aiosmtpd's own logger: the test's mail servers, standing for the outside world.
MAIL_SERVERS = "mail.log"
PERSONAL = [
    "ana@example.org",
    "ana%40example.org",
    "Ana Silva",
    "bruno@example.org",
    "bruno%40example.org",
    "Bruno García",
    "Bruno Garc",
]


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


def logged_text(records) -> str:
    return "\n".join(
        f"{record.name} {message_of(record)} {record.exc_text or ''} {record.__dict__}"
        for record in records
        if record.name != MAIL_SERVERS
    )


def test_no_address_name_or_token_reaches_the_logs_on_every_other_way_in(
    live_server, settings, celery_worker, smtp_server, every_logger_at_debug
):
    settings.SITE_URL = live_server.url
    smtp_inbox = smtp_server(SMTPInbox())
    ana = make_pledge("ana@example.org", "PT", display_name="Ana Silva", wants_updates=True)
    make_user("ana@example.org")
    visitor = Visitor(live_server.url)

    # Bruno signs, then asks for a new link once the resend window has passed.
    visitor.submit("/pledge/", BRUNO)
    smtp_inbox.wait_for(1)
    Pledge.objects.filter(email="bruno@example.org").update(
        email_requested_at=timezone.now() - timedelta(hours=1)
    )
    status, _url, _page = visitor.submit("/confirm/new-link/", {"email": "bruno@example.org"})
    assert status == 200
    links = [
        CONFIRM_LINK.search(message.get_body(("plain",)).get_content()).group(0)
        for _to, message in smtp_inbox.wait_for(2)
    ]
    bruno = Pledge.objects.get(email="bruno@example.org")

    # Links that no longer work: expired (410) and mangled (404), logged by Django.
    with time_machine.travel(timezone.now() - timedelta(days=30)):
        expired = make_confirm_token(bruno.public_id)
    mangled_news = make_token(ana.public_id)[:-4] + "abcd"
    unknown_launch = (
        make_launch_token(
            subscribe("bruno@example.org", upcoming_country("ES"), confirmed=False).public_id
        )[:-4]
        + "abcd"
    )
    for path, expected in [
        (f"/confirm/{expired}/", 410),
        (f"/pt/confirm/{expired}/", 410),
        (f"/unsubscribe/{mangled_news}/", 404),
        (f"/email-preferences/{mangled_news}/", 404),
        (f"/countries/notify/{unknown_launch}/", 404),
    ]:
        assert visitor.get(path)[0] == expected, path

    # Ana changes her email preferences, then unsubscribes in one click.
    news = make_token(ana.public_id)
    preferences = f"/email-preferences/{news}/"
    status, _url, _page = visitor.submit(preferences, {"language": "pt", "wants_updates": "on"})
    assert status == 200
    one_click = urllib.request.Request(  # as her mail provider sends it (RFC 8058)
        f"{live_server.url}/unsubscribe/{news}/", data=b"List-Unsubscribe=One-Click"
    )
    with urllib.request.urlopen(one_click, timeout=30) as response:
        assert response.status == 200

    # She asks for a sign-in code; someone opens sign-up with her address in the query.
    status, _url, _page = Visitor(live_server.url).submit(
        "/accounts/login/code/", {"email": "ana@example.org"}
    )
    assert status == 200
    smtp_inbox.wait_for(3)
    assert visitor.get("/accounts/signup/?email=ana%40example.org")[0] == 200

    # A form refused for bad input (400, logged by Django as a Bad Request).
    status, _url, _page = visitor.submit("/pledge/", {**BRUNO, "email": "bruno@@example.org"})
    assert status == 400

    records = every_logger_at_debug.records
    logged = logged_text(records)
    assert "Gone: /confirm/[redacted]/" in logged  # the search finds what is there
    for personal in PERSONAL:
        assert personal not in logged
    # What a handler writes: the message and the traceback. (A record's `request`
    # attribute is the request itself, which no formatter of ours writes.)
    written = "\n".join(f"{message_of(record)} {record.exc_text or ''}" for record in records)
    emailed = [link.rstrip("/").rsplit("/", 1)[1] for link in links]
    for token in (expired, mangled_news, unknown_launch, news, *emailed):
        assert token not in written
