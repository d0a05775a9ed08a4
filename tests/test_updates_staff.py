"""Campaign updates in the staff area: an organiser writes to anyone, a
moderator only to their own countries; the author previews, test-sends to
themselves, sends now or schedules, and watches the progress. Bad input is a
400 that saves nothing; another country's update is a 403 that changes nothing."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import OutgoingEmail
from mailings import sending
from mailings.models import Delivery, Mailing, MailingText
from tests.conftest import make_pledge
from tests.staff import sign_in_as

pytestmark = pytest.mark.django_db

NEW = "/staff/updates/new/"


def form(country="", language="", **texts) -> dict:
    """The edit form as a browser sends it; texts as en=("Subject", "Body")."""
    data = {"country": country, "language": language}
    for code, (subject, body) in texts.items():
        data[f"subject_{code}"] = subject
        data[f"body_{code}"] = body
    return data


def an_update(country="", state=Mailing.State.DRAFT, **texts) -> Mailing:
    """An update as the service saves it, in English unless told."""
    mailing = Mailing.objects.create(kind=Mailing.Kind.UPDATE, country=country, state=state)
    for language, (subject, body) in (texts or {"en": ("News", "Hello.")}).items():
        MailingText.objects.create(mailing=mailing, language=language, subject=subject, body=body)
    return mailing


def updates():
    # Not Mailing.objects: the migrations bring the welcome's mailing.
    return Mailing.objects.filter(kind=Mailing.Kind.UPDATE)


def snapshot() -> list:
    return [
        list(Mailing.objects.order_by("pk").values_list()),
        list(MailingText.objects.order_by("pk").values_list()),
        Delivery.objects.count(),
        OutgoingEmail.objects.count(),
    ]


@pytest.fixture
def published(monkeypatch) -> list:
    """The tasks the views publish (after their transaction commits)."""
    calls = []
    monkeypatch.setattr(sending.queue, "publish", lambda *args: calls.append(args) or True)
    return calls


# -- who may write to whom ---------------------------------------------------


@pytest.mark.parametrize("country", ["ES", ""], ids=["spain", "everyone"])
def test_a_portugal_moderator_cannot_write_to_spain_or_to_everyone(client, country):
    sign_in_as(client, "moderator_pt")
    before = snapshot()
    response = client.post(NEW, form(country, en=("Hola", "Texto.")))
    assert response.status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("country", ["ES", ""], ids=["spain", "everyone"])
def test_a_portugal_moderator_cannot_retarget_their_update_to_spain_or_everyone(client, country):
    sign_in_as(client, "moderator_pt")
    mailing = an_update("PT")
    before = snapshot()
    response = client.post(f"/staff/updates/{mailing.pk}/", form(country, en=("Hi", "Text.")))
    assert response.status_code == 403
    assert snapshot() == before


def test_a_portugal_moderator_opens_nothing_of_a_spanish_update_and_sends_nothing(
    client, published
):
    sign_in_as(client, "moderator_pt")
    spain = an_update("ES")
    before = snapshot()
    base = f"/staff/updates/{spain.pk}/"
    for path in ["", "preview/en/", "progress/", "progress.json"]:
        assert client.get(base + path).status_code == 403, path
    assert client.post(base, form("PT", en=("Hijacked", "Text."))).status_code == 403
    assert client.post(base + "test-send/", {"language": "en"}).status_code == 403
    assert client.post(base + "send/", {"when": "now"}).status_code == 403
    assert client.post(base + "unschedule/").status_code == 403
    assert snapshot() == before
    assert published == []


def test_a_moderator_is_offered_only_their_own_countries(client):
    sign_in_as(client, "moderator_pt")
    page = client.get(NEW).content.decode()
    assert '<option value="PT">Portugal</option>' in page
    assert 'value="ES"' not in page
    assert "Every country" not in page


def test_a_moderator_lists_only_their_countries_updates(client):
    sign_in_as(client, "moderator_pt")
    an_update("PT", en=("Portuguese news", "Olá."))
    an_update("ES", en=("Spanish news", "Hola."))
    an_update("", en=("News for everyone", "Hello."))
    page = client.get("/staff/updates/").content.decode()
    assert "Portuguese news" in page
    assert "Spanish news" not in page
    assert "News for everyone" not in page


def test_a_portugal_moderator_writes_to_portugal(client):
    paula, _secret = sign_in_as(client, "moderator_pt")
    response = client.post(NEW, form("PT", "pt", pt=("Novidades", "Olá **a todos**.")))
    assert response.status_code == 302
    mailing = updates().get()
    assert response["Location"] == f"/staff/updates/{mailing.pk}/"
    assert (mailing.kind, mailing.country.code, mailing.language) == ("update", "PT", "pt")
    assert (mailing.state, mailing.created_by) == ("draft", paula)
    assert list(mailing.texts.values_list("language", "subject", "body")) == [
        ("pt", "Novidades", "Olá **a todos**.")
    ]


def test_an_organiser_writes_to_everyone_in_several_languages(client):
    sign_in_as(client, "organiser")
    page = client.get(NEW).content.decode()
    assert '<option value="" selected>Every country</option>' in page
    assert 'value="ES"' in page
    data = form(en=("News", "Hello\r\nthere."), es=("Noticias", "Hola."))
    assert client.post(NEW, data).status_code == 302
    mailing = updates().get()
    assert (mailing.country, mailing.language) == ("", "")
    texts = dict(mailing.texts.values_list("language", "body"))
    assert texts == {"en": "Hello\nthere.", "es": "Hola."}


def test_an_organiser_writes_to_any_country_and_changes_the_texts(client):
    sign_in_as(client, "organiser")
    mailing = an_update("", en=("News", "Hello."), fr=("Nouvelles", "Bonjour."))
    response = client.post(f"/staff/updates/{mailing.pk}/", form("ES", en=("Changed", "Text.")))
    assert response.status_code == 302
    mailing.refresh_from_db()
    assert mailing.country.code == "ES"
    # A language left empty loses its text.
    assert list(mailing.texts.values_list("language", "subject")) == [("en", "Changed")]


def test_the_editor_shows_the_saved_update(client):
    sign_in_as(client, "organiser")
    mailing = an_update("PT", en=("News", "Hello **you**."))
    page = client.get(f"/staff/updates/{mailing.pk}/").content.decode()
    assert '<option value="PT" selected>Portugal</option>' in page
    assert "Hello **you**." in page
    assert f'href="/staff/updates/{mailing.pk}/preview/en/"' in page


def test_the_staff_home_links_to_the_updates(client):
    sign_in_as(client, "moderator_pt")
    assert 'href="/staff/updates/"' in client.get("/staff/").content.decode()


# -- bad input ---------------------------------------------------------------

BAD_INPUT = [
    (form(), "Please write the update in at least one language"),
    (form(en=("Subject only", "")), "Please write the text that goes with this subject."),
    (form(en=("", "A text without a subject.")), "Please give this text a subject."),
    (form(en=("x" * 201, "Text.")), "at most 200 characters"),
    (form(en=("Two\nlines", "Text.")), "Please remove line breaks"),
    (form(en=("News", "A figure[^1] without its source.")), "cites a source that is never given"),
    (form("XX", en=("News", "Text.")), "Please choose a country from the list."),
    (form(language="xx", en=("News", "Text.")), "Select a valid choice."),
]


@pytest.mark.parametrize(("data", "error"), BAD_INPUT)
def test_bad_input_is_refused_with_its_reason_and_saves_nothing(client, data, error):
    sign_in_as(client, "organiser")
    response = client.post(NEW, data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not updates().exists()


@pytest.mark.parametrize(("data", "error"), BAD_INPUT[:3])
def test_bad_input_changes_nothing_of_a_saved_update(client, data, error):
    sign_in_as(client, "organiser")
    mailing = an_update("PT")
    before = snapshot()
    response = client.post(f"/staff/updates/{mailing.pk}/", data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert snapshot() == before


def test_errors_are_in_the_reader_s_language(client):
    sign_in_as(client, "organiser")
    response = client.post("/pt/staff/updates/new/", form())
    assert response.status_code == 400
    assert "Please correct the errors below." not in response.content.decode()


def test_an_unknown_update_is_not_found(client):
    sign_in_as(client, "organiser")
    assert client.get("/staff/updates/999999/").status_code == 404
    milestone = Mailing.objects.create(kind=Mailing.Kind.MILESTONE, key="PT:1000", country="PT")
    assert client.get(f"/staff/updates/{milestone.pk}/").status_code == 404


# -- preview and test send ---------------------------------------------------


def test_the_preview_is_the_email_with_the_markdown_sanitised(client):
    sign_in_as(client, "moderator_pt")
    body = "Olá **a todos**.\n\n<script>alert('x')</script>\n\n[link](javascript:alert(1))"
    mailing = an_update("PT", pt=("Novidades", body))
    response = client.get(f"/staff/updates/{mailing.pk}/preview/pt/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>a todos</strong>" in html
    assert "<h1" in html and "Novidades" in html
    assert "<script" not in html
    assert 'href="javascript:' not in html
    # In the text's language, with the footer a supporter gets.
    assert '<html lang="pt"' in html
    assert "/unsubscribe/" in html
    assert "no-store" in response["Cache-Control"]
    assert "sandbox" in response["Content-Security-Policy"]


def test_the_preview_knows_only_the_update_s_languages(client):
    sign_in_as(client, "organiser")
    mailing = an_update("PT", en=("News", "Hello."))
    assert client.get(f"/staff/updates/{mailing.pk}/preview/fr/").status_code == 404
    assert client.get(f"/staff/updates/{mailing.pk}/preview/xx/").status_code == 404


def test_a_test_send_goes_to_the_author_only(client, django_capture_on_commit_callbacks):
    make_pledge("ana@example.org", "PT", wants_updates=True)
    paula, _secret = sign_in_as(client, "moderator_pt")
    mailing = an_update("PT", pt=("Novidades", "Olá."), en=("News", "Hello."))
    with django_capture_on_commit_callbacks():
        response = client.post(f"/staff/updates/{mailing.pk}/test-send/", {"language": "pt"})
    assert response.status_code == 302
    message = OutgoingEmail.objects.get()
    assert message.recipient == paula.email
    assert message.subject == "Novidades"
    assert "Olá." in message.body
    assert not Delivery.objects.exists()
    mailing.refresh_from_db()
    assert mailing.state == Mailing.State.DRAFT


def test_a_test_send_in_a_language_without_text_is_refused(client):
    sign_in_as(client, "organiser")
    mailing = an_update("PT", en=("News", "Hello."))
    response = client.post(f"/staff/updates/{mailing.pk}/test-send/", {"language": "fr"})
    assert response.status_code == 400
    assert not OutgoingEmail.objects.exists()


# -- sending and scheduling --------------------------------------------------


def test_sending_now_starts_the_run(client, published, django_capture_on_commit_callbacks):
    sign_in_as(client, "organiser")
    mailing = an_update("")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/staff/updates/{mailing.pk}/send/", {"when": "now"})
    assert response.status_code == 302
    assert response["Location"] == f"/staff/updates/{mailing.pk}/progress/"
    mailing.refresh_from_db()
    assert mailing.state == Mailing.State.SENDING
    assert published == [(sending.FAN_OUT_TASK, mailing.pk)]


def test_a_sent_update_is_not_sent_again_nor_changed(
    client, published, django_capture_on_commit_callbacks
):
    sign_in_as(client, "organiser")
    mailing = an_update("", state=Mailing.State.SENDING)
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/staff/updates/{mailing.pk}/send/", {"when": "now"})
        client.post(f"/staff/updates/{mailing.pk}/", form(en=("Changed", "Text.")))
    assert published == []
    assert snapshot() == before


def test_scheduling_keeps_it_for_later(client, published, django_capture_on_commit_callbacks):
    sign_in_as(client, "moderator_pt")
    mailing = an_update("PT")
    at = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    data = {"when": "later", "at": at.strftime("%Y-%m-%dT%H:%M")}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/staff/updates/{mailing.pk}/send/", data)
    assert response.status_code == 302
    mailing.refresh_from_db()
    assert (mailing.state, mailing.scheduled_for) == (Mailing.State.SCHEDULED, at)
    assert published == []
    # And back to a draft.
    assert client.post(f"/staff/updates/{mailing.pk}/unschedule/").status_code == 302
    mailing.refresh_from_db()
    assert (mailing.state, mailing.scheduled_for) == (Mailing.State.DRAFT, None)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"when": "later", "at": "2020-01-01T09:00"}, "Please choose a time in the future."),
        ({"when": "later", "at": ""}, "Please choose when to send the update."),
        ({"when": "later", "at": "tomorrow"}, "Please enter a date and time"),
        ({"when": "yesterday"}, "Select a valid choice."),
    ],
)
def test_a_time_in_the_past_or_no_time_is_refused(client, published, data, error):
    sign_in_as(client, "organiser")
    mailing = an_update("")
    before = snapshot()
    response = client.post(f"/staff/updates/{mailing.pk}/send/", data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert snapshot() == before
    assert published == []


# -- progress ----------------------------------------------------------------


def sending_update(sent: int, queued: int) -> Mailing:
    mailing = an_update("PT", state=Mailing.State.SENDING)
    now = timezone.now()
    for n in range(sent + queued):
        pledge = make_pledge(f"s{n}@example.org", "PT", wants_updates=True)
        state = Delivery.State.SENT if n < sent else Delivery.State.QUEUED
        Delivery.objects.create(mailing=mailing, pledge=pledge, state=state)
    Mailing.objects.filter(pk=mailing.pk).update(fanned_out_at=now, total=sent + queued, sent=sent)
    return mailing


def test_the_progress_json_says_sent_out_of_total(client):
    sign_in_as(client, "moderator_pt")
    mailing = sending_update(sent=1, queued=3)
    response = client.get(f"/staff/updates/{mailing.pk}/progress.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    progress = json.loads(response.content)
    assert {key: progress[key] for key in ("total", "done", "percent", "state")} == {
        "total": 4,
        "done": 1,
        "percent": 25,
        "state": "sending",
    }
    assert progress["polling"] is True
    assert progress["text"] == "Sending: 1 of 4 emails sent (25%)."


def test_the_progress_page_works_without_javascript(client):
    sign_in_as(client, "organiser")
    mailing = sending_update(sent=3, queued=1)
    response = client.get(f"/staff/updates/{mailing.pk}/progress/")
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        '<progress id="progress-bar" aria-describedby="progress-text" max="4" value="3">'
        "75%</progress>" in page
    )
    assert 'aria-live="polite">Sending: 3 of 4 emails sent (75%).</p>' in page
    assert f'<a href="/staff/updates/{mailing.pk}/progress/">Refresh</a>' in page
    assert f'data-url="/staff/updates/{mailing.pk}/progress.json"' in page
    assert '<script src="/static/js/progress.js" defer></script>' in page


def test_a_finished_run_says_how_many_were_sent(client):
    sign_in_as(client, "organiser")
    mailing = sending_update(sent=2, queued=0)
    Mailing.objects.filter(pk=mailing.pk).update(state=Mailing.State.SENT)
    progress = client.get(f"/staff/updates/{mailing.pk}/progress.json").json()
    assert (progress["state"], progress["percent"], progress["polling"]) == ("sent", 100, False)
    assert progress["text"] == "Finished: 2 of 2 emails sent."


def test_the_progress_needs_the_permission(client):
    mailing = sending_update(sent=1, queued=1)
    sign_in_as(client, "supporter")
    assert client.get(f"/staff/updates/{mailing.pk}/progress.json").status_code == 404
    client.logout()
    assert client.get(f"/staff/updates/{mailing.pk}/progress.json").status_code == 404
    sign_in_as(client, "moderator_es")
    assert client.get(f"/staff/updates/{mailing.pk}/progress.json").status_code == 403


# -- end to end --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_sent_update_reaches_the_portuguese_supporters_who_want_news(
    client, celery_worker, smtp_inbox
):
    make_pledge("ana@example.org", "PT", wants_updates=True)
    make_pledge("rui@example.org", "PT", wants_updates=False)
    make_pledge("bruno@example.org", "ES", wants_updates=True)
    sign_in_as(client, "moderator_pt")
    response = client.post(NEW, form("PT", en=("Portugal news", "Hello **Portugal**.")))
    mailing = updates().get()
    assert client.post(f"/staff/updates/{mailing.pk}/send/", {"when": "now"}).status_code == 302
    [(recipients, message)] = smtp_inbox.wait_for(1)
    assert recipients == ["ana@example.org"]
    assert message["Subject"] == "Portugal news"
    assert response.status_code == 302
