"""Exports (reports/exports.py, /staff/exports/): counts equal to the rows in
every format, nothing about a person, formula cells neutralised, streamed
without holding the rows, a moderator's own countries only, large exports by
an emailed link to their owner alone, and weekly exports by email."""

import csv
import inspect
import io
import json
import os
import re
import zipfile
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.db.models.query import QuerySet
from django.http import StreamingHttpResponse
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pledges.models import Pledge
from reports import exports, services
from reports.models import Export, WeeklyExport
from tests.conftest import make_pledge
from tests.staff import make_persona, sign_in_as

pytestmark = pytest.mark.django_db

TODAY = timezone.now().date()
START, END = TODAY - timedelta(days=800), TODAY
RANGE = {"start": START.isoformat(), "end": END.isoformat()}
LINK = re.compile(r"https?://[^\s\"<>]+/staff/exports/[\w-]+/")


@pytest.fixture
def generated():
    with override_settings(DEBUG=True):
        call_command("generate_pledges", "2000", "--seed", "7", stdout=StringIO())


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    # Streamed, whatever the range: the large path has tests of its own.
    settings.EXPORT_STREAM_MAX_ROWS = 10**9


def day_of(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def country_day_from_rows(countries=None) -> list[tuple]:
    pledges = Pledge.objects.confirmed()
    if countries is not None:
        pledges = pledges.filter(country__in=countries)
    counted = Counter(
        (day_of(p.confirmed_at), p.country.code) for p in pledges.only("confirmed_at", "country")
    )
    return [
        (day, country, n) for (day, country), n in sorted(counted.items()) if START <= day <= END
    ]


def language_status_from_rows() -> list[tuple]:
    counted = Counter()
    for p in Pledge.objects.only("confirmed_at", "signed_at", "language"):
        moment, status = (
            (p.confirmed_at, "confirmed") if p.confirmed_at else (p.signed_at, "pending")
        )
        if START <= day_of(moment) <= END:
            counted[(status, p.language)] += 1
    return [
        (language, status, n)
        for status in ("confirmed", "pending")
        for (s, language), n in sorted(counted.items())
        if s == status
    ]


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def xlsx_cells(content: bytes) -> list[list]:
    """The first sheet's cells, read from its XML (strings inline, as XlsxWriter's
    constant-memory mode writes them; numbers as numbers)."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        # The file our own code just wrote, not untrusted input.
        sheet = ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml"))  # noqa: S314
    rows = []
    for row in sheet.iterfind(".//m:sheetData/m:row", ns):
        cells = []
        for cell in row.iterfind("m:c", ns):
            assert cell.find("m:f", ns) is None, "a formula in an export"
            if cell.get("t") == "inlineStr":
                cells.append("".join(t.text or "" for t in cell.iterfind(".//m:t", ns)))
            else:
                cells.append(float(cell.find("m:v", ns).text))
        rows.append(cells)
    return rows


def as_rows(kind: str, fmt: str, content: bytes) -> list[tuple]:
    """The export's rows back as (day or language, text, count) tuples."""
    if fmt == "csv":
        header, *lines = read_csv(content)
        parsed = lines
    elif fmt == "json":
        items = json.loads(content)
        header = list(items[0]) if items else list(exports.COLUMNS[kind])
        parsed = [list(item.values()) for item in items]
    else:
        header, *parsed = xlsx_cells(content)
    assert tuple(header) == exports.COLUMNS[kind]
    result = []
    for first, second, n in parsed:
        if kind == exports.COUNTRY_DAY:
            if fmt == "xlsx":  # a date cell: days since 1899-12-30
                first = date(1899, 12, 30) + timedelta(days=int(first))
            else:
                first = date.fromisoformat(first)
        result.append((first, second, int(n)))
    return result


def get_export(client, kind, fmt, **extra):
    query = {"kind": kind, "format": fmt, **RANGE, **extra}
    return client.get("/staff/exports/download", query)


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_the_counts_in_every_format_equal_the_rows_of_a_generated_set(client, generated, fmt):
    sign_in_as(client, "organiser")
    response = get_export(client, exports.COUNTRY_DAY, fmt)
    assert response.status_code == 200
    expected = country_day_from_rows()
    assert len(expected) > 500
    assert as_rows(exports.COUNTRY_DAY, fmt, body(response)) == expected
    disposition = response["Content-Disposition"]
    assert f'filename="blue-heart-country-day-{START}-{END}.{fmt}"' in disposition

    response = get_export(client, exports.LANGUAGE_STATUS, fmt)
    assert response.status_code == 200
    got = as_rows(exports.LANGUAGE_STATUS, fmt, body(response))
    assert got == language_status_from_rows()
    assert (
        sum(n for _l, status, n in got if status == "pending") == Pledge.objects.pending().count()
    )


def every_export(client) -> list[bytes]:
    """Every kind in every format, XLSX unzipped (so its text can be searched)."""
    found = []
    for kind in exports.KINDS:
        for fmt in exports.FORMATS:
            content = body(get_export(client, kind, fmt))
            if fmt == "xlsx":
                with zipfile.ZipFile(io.BytesIO(content)) as archive:
                    content = b"".join(archive.read(name) for name in archive.namelist())
            found.append(content)
    return found


def test_no_personal_data_appears_in_any_export(client, generated):
    real = make_pledge("zoe.personal@example.org", "PT", display_name="Zoé Personal")
    sign_in_as(client, "organiser")
    for content in every_export(client):
        assert b"@" not in content  # no address, made up or real
        for secret in (b"Synthetic supporter", "Zoé".encode(), b"Personal", b"example.org"):
            assert secret not in content
        assert str(real.public_id).encode() not in content


@pytest.mark.parametrize("value", ["=1+2", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_a_formula_cell_is_neutralised(value):
    assert exports.neutral(value) == "'" + value
    assert exports.neutral("pt") == "pt"
    assert exports.neutral(42) == 42


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_formula_cells_are_neutralised_in_every_format(client, fmt):
    for i, language in enumerate(["=1+2", "@SUM(A1)", "-2+3", "+cmd", "\tx"]):
        pledge = make_pledge(f"f{i}@example.org", "PT")
        Pledge.objects.filter(pk=pledge.pk).update(language=language)
    sign_in_as(client, "organiser")
    response = get_export(client, exports.LANGUAGE_STATUS, fmt)
    languages = {row[0] for row in as_rows(exports.LANGUAGE_STATUS, fmt, body(response))}
    assert languages == {"'=1+2", "'@SUM(A1)", "'-2+3", "'+cmd", "'\tx"}


def test_an_export_streams_and_reads_its_rows_a_chunk_at_a_time(
    client, generated, settings, monkeypatch
):
    settings.EXPORT_CHUNK_SIZE = 50
    chunk_sizes = []
    original = QuerySet.iterator

    def spy(self, chunk_size=None):
        chunk_sizes.append(chunk_size)
        return original(self, chunk_size=chunk_size)

    monkeypatch.setattr(QuerySet, "iterator", spy)
    assert inspect.isgenerator(exports.rows(exports.COUNTRY_DAY, START, END, None))
    sign_in_as(client, "organiser")
    with CaptureQueriesContext(connection) as queries:
        response = get_export(client, exports.COUNTRY_DAY, "csv")
        assert isinstance(response, StreamingHttpResponse)
        before = len(queries)
        chunks = iter(response.streaming_content)
        # The header goes out before a single row is read.
        assert next(chunks).startswith(b"\xef\xbb\xbfday,country,confirmed")
        assert len(queries) == before
        rest = list(chunks)
    # Many rows, a few queries: a server-side cursor read 50 rows at a time,
    # never the whole result at once.
    assert sum(chunk.count(b"\n") for chunk in rest) > 500
    assert len(queries) - before <= 3
    # Two cursors: the closed days from the rollup, today from the rows.
    assert chunk_sizes == [50, 50]


def test_a_moderator_exports_only_their_countries(client, generated):
    sign_in_as(client, "moderator_pt")
    for fmt in exports.FORMATS:
        response = get_export(client, exports.COUNTRY_DAY, fmt)
        assert response.status_code == 200
        got = as_rows(exports.COUNTRY_DAY, fmt, body(response))
        assert got == country_day_from_rows(["PT"])
        assert {country for _day, country, _n in got} == {"PT"}
    assert get_export(client, exports.COUNTRY_DAY, "csv", country="PT").status_code == 200
    assert get_export(client, exports.COUNTRY_DAY, "csv", country="ES").status_code == 403
    assert get_export(client, exports.LANGUAGE_STATUS, "json", country="ES").status_code == 403
    data = {"kind": exports.COUNTRY_DAY, "format": "csv", **RANGE, "country": "ES"}
    assert client.post("/staff/exports/", data).status_code == 403
    assert not Export.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        {"kind": "names", "format": "csv", **RANGE},
        {"kind": exports.COUNTRY_DAY, "format": "pdf", **RANGE},
        {"kind": exports.COUNTRY_DAY, "format": "csv", "start": "2026-02-01", "end": "2026-01-01"},
        {"kind": exports.COUNTRY_DAY, "format": "csv", "start": "yesterday", "end": "2026-01-01"},
        {"kind": exports.COUNTRY_DAY, "format": "csv", "start": "2000-01-01", "end": "2026-01-01"},
    ],
)
def test_bad_input_is_a_400_with_a_reason_and_nothing_built(client, query):
    sign_in_as(client, "organiser")
    response = client.get("/staff/exports/download", query)
    assert response.status_code == 400
    assert "Content-Disposition" not in response
    assert b"errorlist" in response.content
    assert client.post("/staff/exports/", query).status_code == 400
    assert not Export.objects.exists()


def test_a_small_export_from_the_form_is_downloaded_at_once(client):
    sign_in_as(client, "organiser")
    data = {"kind": exports.COUNTRY_DAY, "format": "csv", **RANGE, "country": ""}
    response = client.post("/staff/exports/", data)
    assert response.status_code == 303
    assert urlsplit(response["Location"]).path == "/staff/exports/download"
    assert client.get(response["Location"]).status_code == 200


def export_link(message) -> str:
    match = LINK.search(message.body)
    assert match, "no link in the email"
    return urlsplit(match.group(0)).path


@pytest.fixture
def large(settings):
    settings.EXPORT_STREAM_MAX_ROWS = 10


def test_a_large_export_is_built_by_a_task_and_emailed_to_its_owner_alone(
    client, generated, large, eager_tasks, django_capture_on_commit_callbacks, settings
):
    olga, _secret = sign_in_as(client, "organiser")
    data = {"kind": exports.COUNTRY_DAY, "format": "csv", **RANGE, "country": ""}
    # Too large to stream: a GET says so, and builds nothing.
    assert client.get("/staff/exports/download", data).status_code == 413
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/staff/exports/", data)
    assert response.status_code == 202
    export = Export.objects.get()
    assert export.owner == olga and export.built_at is not None
    assert export.expires_at - export.created_at == timedelta(hours=24)
    # A random name, neither the owner's nor the range's.
    assert re.fullmatch(r"exports/[\w-]{40,}\.csv", export.path)
    assert (settings.MEDIA_ROOT / export.path).is_file()
    assert [message.to for message in mail.outbox] == [[olga.email]]
    path = export_link(mail.outbox[0])
    assert path == f"/staff/exports/{export.token}/"

    response = client.get(path)
    assert response.status_code == 200
    assert as_rows(exports.COUNTRY_DAY, "csv", body(response)) == country_day_from_rows()
    # Offered on the exports page too, to its owner.
    assert f'href="{path}"'.encode() in client.get("/staff/exports/").content

    for other in ("administrator", "moderator_pt"):
        client.logout()
        sign_in_as(client, other)
        assert client.get(path).status_code == 404
    client.logout()
    client.force_login(olga)
    assert client.get(f"/staff/exports/{'x' * 43}/").status_code == 404

    Export.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(path).status_code == 410
    assert not (settings.MEDIA_ROOT / export.path).exists()
    assert services.purge_exports() == 1
    assert not Export.objects.exists()


def test_a_moderator_s_large_export_holds_their_countries_only(
    client, generated, large, eager_tasks, django_capture_on_commit_callbacks, settings
):
    sign_in_as(client, "moderator_pt")
    data = {"kind": exports.COUNTRY_DAY, "format": "json", **RANGE, "country": ""}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/staff/exports/", data).status_code == 202
    export = Export.objects.get()
    content = (settings.MEDIA_ROOT / export.path).read_bytes()
    assert as_rows(exports.COUNTRY_DAY, "json", content) == country_day_from_rows(["PT"])


def test_the_daily_purge_deletes_expired_files(settings):
    olga = make_persona("organiser")
    now = timezone.now()
    export = services.request_export(
        olga, kind=exports.LANGUAGE_STATUS, fmt="xlsx", start=START, end=END,
        country="", language="en", now=now,
    )  # fmt: skip
    assert services.build_export(export.pk)
    export.refresh_from_db()
    file = settings.MEDIA_ROOT / export.path
    assert file.is_file()
    assert services.purge_exports(now + timedelta(hours=23)) == 0
    assert services.purge_exports(now + timedelta(hours=24)) == 1
    assert not file.exists() and not Export.objects.exists()


def test_the_daily_purge_deletes_old_files_no_export_names(settings):
    folder = settings.MEDIA_ROOT / "exports"
    folder.mkdir()
    orphan, building, fresh = (folder / name for name in ("a.csv", "b.xlsx.part", "c.json"))
    for file in (orphan, building, fresh):
        file.write_bytes(b"day,country,confirmed\n")
    day_ago = (timezone.now() - timedelta(hours=25)).timestamp()
    for file in (orphan, building):
        os.utime(file, (day_ago, day_ago))
    assert services.purge_exports() == 0
    assert not orphan.exists() and not building.exists()
    assert fresh.exists()  # perhaps being built right now


def test_a_weekly_export_is_built_and_emailed_once_a_week(
    client, generated, eager_tasks, django_capture_on_commit_callbacks
):
    olga, _secret = sign_in_as(client, "organiser")
    data = {"kind": exports.COUNTRY_DAY, "format": "xlsx", "active": "on"}
    assert client.post("/staff/exports/weekly/", data).status_code == 302
    assert WeeklyExport.objects.get().active
    # The beat's Monday run, as if it were now (so the link has not expired).
    now = timezone.now()
    monday = now.date() - timedelta(days=now.weekday())
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.weekly_exports(now) == 1
        assert services.weekly_exports(now + timedelta(minutes=5)) == 0
    assert [message.to for message in mail.outbox] == [[olga.email]]
    export = Export.objects.get()
    assert (export.start, export.end) == (
        monday - timedelta(days=7),
        monday - timedelta(days=1),
    )
    response = client.get(export_link(mail.outbox[0]))
    got = as_rows(exports.COUNTRY_DAY, "xlsx", b"".join(response.streaming_content))
    week = [row for row in country_day_from_rows() if export.start <= row[0] <= export.end]
    assert week and got == week

    # Stopped, nothing more comes.
    data["active"] = ""
    client.post("/staff/exports/weekly/", data)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.weekly_exports(now + timedelta(days=7)) == 0


@pytest.mark.parametrize("persona", ["moderator_pt", "organiser", "administrator"])
def test_the_staff_home_links_to_the_exports(client, persona):
    sign_in_as(client, persona)
    assert b'href="/staff/exports/"' in client.get("/staff/").content
    assert client.get("/staff/exports/").status_code == 200


def test_the_beat_builds_weekly_exports_on_monday_and_purges_daily(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["weekly-exports"]["task"] == "reports.tasks.weekly_exports"
    assert schedule["weekly-exports"]["schedule"].day_of_week == {1}
    assert schedule["purge-exports"]["task"] == "reports.tasks.purge_exports"


def test_a_real_worker_builds_a_large_export_and_its_link_arrives(
    client, large, smtp_inbox, celery_worker, settings
):
    """Through the broker: the form queues the task by name, a worker builds the
    file and the link reaches the owner's mailbox, by the outbox."""
    make_pledge("w1@example.org", "PT")
    olga, _secret = sign_in_as(client, "organiser")
    data = {"kind": exports.COUNTRY_DAY, "format": "csv", **RANGE, "country": ""}
    assert client.post("/staff/exports/", data).status_code == 202
    [(recipients, message)] = smtp_inbox.wait_for(1)
    assert recipients == [olga.email]
    export = Export.objects.get()
    assert export.built_at is not None
    text = message.get_body(("plain",)).get_content()
    assert f"/staff/exports/{export.token}/" in text
    content = (settings.MEDIA_ROOT / export.path).read_bytes()
    assert as_rows(exports.COUNTRY_DAY, "csv", content) == country_day_from_rows()


def test_an_erased_supporter_still_counts_and_leaves_nothing_of_themselves(client):
    kept = make_pledge("kept@example.org", "PT")
    gone = make_pledge("gone.person@example.org", "PT", display_name="Gone Person")
    gone.erase(timezone.now())
    sign_in_as(client, "organiser")
    by_day = as_rows(
        exports.COUNTRY_DAY, "csv", body(get_export(client, exports.COUNTRY_DAY, "csv"))
    )
    assert by_day == [(day_of(kept.confirmed_at), "PT", 2)]
    response = get_export(client, exports.LANGUAGE_STATUS, "json")
    got = as_rows(exports.LANGUAGE_STATUS, "json", body(response))
    assert ("", "confirmed", 1) in got
    assert sum(n for _language, _status, n in got) == 2
    for content in every_export(client):
        assert b"Gone" not in content and b"@" not in content
