"""Exports for organisers and moderators: counts only, as CSV, XLSX or JSON.

Two kinds of rows, both aggregates (never a name, an address or anything else
about one person):

- "country-day": day, country, confirmed: confirmations by country and UTC
  day in [start, end], as reports/history.py counts them (closed days from
  the rollup, reports/rollup.py, the rest from the rows);
- "language-status": language, status, count: pledges by language, confirmed
  ones by the UTC day of their confirmation in [start, end], pending ones by
  the day of their latest signature in [start, end] (a pending pledge has no
  other day, and lives 30 days at most), both as the rows stand now. Erasure
  forgets a supporter's language but keeps their confirmation: an erased
  supporter counts under the empty language.

Rows come from a server-side cursor (`.iterator(chunk_size=…)`), a chunk at a
time, and every format writes them as they come: the memory an export takes
does not grow with its rows. Text cells that a spreadsheet would read as a
formula are neutralised (see `neutral`), in every format.
"""

import csv
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _
from django_countries import countries as all_countries

from pledges.models import Pledge
from reports import rollup

COUNTRY_DAY = "country-day"
LANGUAGE_STATUS = "language-status"
KINDS = {
    COUNTRY_DAY: _("Supporters by country and day"),
    LANGUAGE_STATUS: _("By language and status"),
}
FORMATS = {"csv": "CSV", "xlsx": "XLSX", "json": "JSON"}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
# Column names are the file's interface, read by scripts as much as by people:
# stable and in English whatever the interface language.
COLUMNS = {
    COUNTRY_DAY: ("day", "country", "confirmed"),
    LANGUAGE_STATUS: ("language", "status", "count"),
}
# Characters that make a spreadsheet read a cell as a formula (or, for tab and
# carriage return, that some of them strip before doing so): OWASP's list.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_SIZE = 2000


def neutral(value):
    """A text cell that a spreadsheet would run as a formula, quoted with a
    leading apostrophe; numbers and dates are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _range_filter(field: str, start: date, end: date) -> Q:
    """[start, end] in whole UTC days, a range on the column itself so an index serves it."""
    return Q(
        **{
            f"{field}__gte": datetime.combine(start, time.min, tzinfo=UTC),
            f"{field}__lt": datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC),
        }
    )


def _chunk_size() -> int:
    return getattr(settings, "EXPORT_CHUNK_SIZE", CHUNK_SIZE)


def country_day_rows(start: date, end: date, countries: Iterable[str] | None) -> Iterator[tuple]:
    """(day, country, confirmed) for each UTC day and country with at least one
    confirmation, ordered by day then country; `countries` None for all. The
    days the rollup holds come from it, the rest (today) from the rows."""
    if end < start:
        return
    held, counted = rollup.split(start, end)
    if held is not None:
        rows = rollup.daily(*held, countries=countries).values_list("day", "country", "confirmed")
        yield from rows.iterator(chunk_size=_chunk_size())
    if counted is None:
        return
    pledges = Pledge.objects.counted().filter(_range_filter("confirmed_at", *counted))
    if countries is not None:
        pledges = pledges.filter(country__in=sorted(countries))
    rows = (
        pledges.annotate(day=TruncDate("confirmed_at", tzinfo=UTC))
        .values_list("day", "country")
        .annotate(confirmed=Count("*"))
        .order_by("day", "country")
    )
    for day, country, confirmed in rows.iterator(chunk_size=_chunk_size()):
        yield day, str(country), confirmed


def language_status_rows(
    start: date, end: date, countries: Iterable[str] | None
) -> Iterator[tuple]:
    """(language, status, count): confirmed pledges by their confirmation day in
    the range, pending ones by their latest signature in it; by language."""
    scope = Q() if countries is None else Q(country__in=sorted(countries))
    parts = (
        ("confirmed", Pledge.objects.counted().filter(_range_filter("confirmed_at", start, end))),
        ("pending", Pledge.objects.pending().filter(_range_filter("signed_at", start, end))),
    )
    for status, pledges in parts:
        rows = (
            pledges.filter(scope)
            .values_list("language")
            .annotate(n=Count("*"))
            .order_by("language")
        )
        for language, n in rows.iterator(chunk_size=_chunk_size()):
            yield language, status, n


ROWS = {COUNTRY_DAY: country_day_rows, LANGUAGE_STATUS: language_status_rows}


def rows(kind: str, start: date, end: date, countries: Iterable[str] | None) -> Iterator[tuple]:
    return ROWS[kind](start, end, countries)


def estimate(kind: str, start: date, end: date, countries: Iterable[str] | None) -> int:
    """An upper bound on the rows, without reading them: days times countries in scope."""
    if kind == LANGUAGE_STATUS:
        return 2 * len(settings.LANGUAGES)
    n_countries = len(all_countries) if countries is None else len(set(countries))
    return ((end - start).days + 1) * n_countries


def filename(kind: str, fmt: str, start: date, end: date) -> str:
    # Built only from validated values: nothing for a header to trip on.
    return f"blue-heart-{kind}-{start.isoformat()}-{end.isoformat()}.{fmt}"


# CSV --------------------------------------------------------------------------


class _Echo:
    """A file that hands back what is written to it: csv.writer writes one row,
    the generator yields it, and nothing accumulates."""

    def write(self, value: str) -> str:
        return value


def _cell(value):
    return value.isoformat() if isinstance(value, date) else neutral(value)


def csv_chunks(kind: str, data: Iterable[tuple]) -> Iterator[bytes]:
    """UTF-8 with a byte-order mark: Excel, which most organisers open a CSV
    with, reads a file without one in the local code page; every CSV reader
    worth its name (Python's utf-8-sig, LibreOffice, pandas) skips it."""
    writer = csv.writer(_Echo())
    yield "\ufeff".encode() + writer.writerow(COLUMNS[kind]).encode()
    for row in data:
        yield writer.writerow([_cell(value) for value in row]).encode()


# JSON -------------------------------------------------------------------------


def json_chunks(kind: str, data: Iterable[tuple]) -> Iterator[bytes]:
    """An array of objects, written one object at a time."""
    names = COLUMNS[kind]
    yield b"["
    separator = b"\n"
    for row in data:
        item = dict(zip(names, (_cell(value) for value in row), strict=True))
        yield separator + json.dumps(item, ensure_ascii=False).encode()
        separator = b",\n"
    yield b"\n]\n"


# XLSX -------------------------------------------------------------------------


def write_xlsx(kind: str, data: Iterable[tuple], path: str) -> None:
    """The rows into an XLSX file at `path`. XlsxWriter's constant-memory mode
    flushes each row to a temporary file once the next begins, so memory stays
    flat whatever the rows (an XLSX is a zip, so it cannot be streamed as written)."""
    import xlsxwriter  # only exports need it

    workbook = xlsxwriter.Workbook(
        path,
        {"constant_memory": True, "tmpdir": tempfile.gettempdir(), "strings_to_formulas": False},
    )
    try:
        sheet = workbook.add_worksheet(kind)
        day_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        for column, name in enumerate(COLUMNS[kind]):
            sheet.write_string(0, column, name)
        for number, row in enumerate(data, start=1):
            for column, value in enumerate(row):
                if isinstance(value, date):
                    sheet.write_datetime(number, column, value, day_format)
                elif isinstance(value, int):
                    sheet.write_number(number, column, value)
                else:
                    # write_string, never write: a string is never read as a formula.
                    sheet.write_string(number, column, neutral(str(value)))
    finally:
        workbook.close()


def xlsx_file(kind: str, data: Iterable[tuple]):
    """The XLSX in an open temporary file, its name already unlinked: it goes
    when the response closes it, however the response ends."""
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        write_xlsx(kind, data, path)
        return open(path, "rb")  # the response closes it
    finally:
        os.unlink(path)


def write_file(kind: str, fmt: str, data: Iterable[tuple], path: str) -> None:
    """The export into a file at `path` (the large exports' task)."""
    if fmt == "xlsx":
        write_xlsx(kind, data, path)
        return
    chunks = csv_chunks(kind, data) if fmt == "csv" else json_chunks(kind, data)
    with open(path, "wb") as out:
        for chunk in chunks:
            out.write(chunk)
