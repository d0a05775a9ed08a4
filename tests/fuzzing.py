"""Fuzzing the public pages: what Mallory the attacker may send, and how a test
tells whether his request wrote anything.

Hypothesis draws every part of a request he controls: the method; each field
the form declares (taken from the form class, so a field added later is fuzzed
too), left valid or made wild (any Unicode, NUL and control characters, very
long, empty, missing, repeated) with unknown fields beside them; the body's
encoding (multipart, URL-encoded, or raw bytes under any content type and
charset, so invalid UTF-8 and encoded surrogates reach the parsers); the
headers a proxy passes on (Accept-Language, X-Forwarded-For, cookies,
conditional requests) and the client's address; and, now and then, a real
CSRF check.

Profiles: `fuzz` (the default) runs FUZZ_EXAMPLES examples per test, the same
ones every run (derandomized), so the suite never turns flaky;
HYPOTHESIS_PROFILE=thorough runs 1,000 new random ones per test and prints
how to reproduce whatever it finds.

Database isolation: pytest-django's `db` fixture gives a test function one
transaction, shared by all of its examples. Each example therefore runs in a
savepoint of its own, rolled back at its end (`isolated()`), and compares the
database before and after its own request (`snapshot()`), never against a
clean table.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from urllib.parse import quote, quote_from_bytes, urlencode, urlsplit

from django.core.cache import cache as django_cache
from django.core.cache import caches
from django.db import connection, transaction
from django.http import HttpResponseBadRequest
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from hypothesis import HealthCheck, event, note, settings
from hypothesis import strategies as st

from core.charset import refused

# -- profiles ------------------------------------------------------------------

# Enough for each field to be seen missing, repeated, huge and hostile, at 3
# to 10 seconds a form on the shared 2-core machine (README, "Fuzzing").
FUZZ_EXAMPLES = 60
settings.register_profile(
    "fuzz",
    max_examples=FUZZ_EXAMPLES,
    deadline=None,  # a request's time depends on the machine, not the input
    derandomize=True,  # the same examples every run: reproducible, never flaky
    database=None,  # nothing written beside the code (.hypothesis/)
    print_blob=True,
    suppress_health_check=[
        # db, settings: shared by the examples on purpose (see isolated()).
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
settings.register_profile(
    "thorough", settings.get_profile("fuzz"), max_examples=1000, derandomize=False
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "fuzz")
# Decorate each fuzz test with it: `@fuzz_settings` after `@given(...)`.
fuzz_settings = settings(settings.get_profile(PROFILE))


# -- what was written ----------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """Every table's row count and a fingerprint of its rows' contents."""

    tables: dict[str, tuple[int, Decimal]]

    def changes_since(self, before: "Snapshot") -> dict[str, int]:
        """The tables whose rows changed, each with how many rows it gained
        (0 when rows were only changed, negative when deleted)."""
        return {
            table: rows - before.tables[table][0]
            for table, (rows, fingerprint) in self.tables.items()
            if (rows, fingerprint) != before.tables[table]
        }


# A table's rows, and the sum of a hash of each row's text: a fingerprint of
# its contents that needs no sort.
FINGERPRINT = "count(*), coalesce(sum(hashtextextended(t::text, 0)::numeric), 0)"


@cache
def _fingerprint_sql(database: str) -> tuple[str, list[str]]:
    # One statement for every table. Their names come from the database's own
    # catalogue, quoted: nothing from a request.
    tables = sorted(connection.introspection.table_names())
    quote = connection.ops.quote_name
    selects = [f"SELECT %s::text, {FINGERPRINT} FROM {quote(table)} t" for table in tables]  # noqa: S608
    return " UNION ALL ".join(selects), tables


def snapshot() -> Snapshot:
    sql, tables = _fingerprint_sql(connection.settings_dict["NAME"])
    with connection.cursor() as cursor:
        cursor.execute(sql, tables)
        return Snapshot({table: (rows, print_) for table, rows, print_ in cursor.fetchall()})


@contextmanager
def isolated() -> Iterator[None]:
    """One Hypothesis example: in a savepoint rolled back at its end, so it
    starts from the state the test set up whatever the examples before it
    wrote; and with empty caches, so an earlier example's rate-limit counters
    or cached pages do not decide what this one reaches."""
    django_cache.clear()
    caches["local"].clear()
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def assert_answered(response, changes: dict[str, int], method: str) -> None:
    """What must hold of every answer to anything Mallory sends: never a
    server error; nothing written when the request was refused (a 4xx,
    a rate limit's 429 included) or only read (GET, HEAD)."""
    status = response.status_code
    # What was reached, for --hypothesis-show-statistics.
    event(f"{method if method in ('GET', 'HEAD', 'POST') else 'other'} {status}")
    assert status < 500, f"{method} answered {status}"
    if 400 <= status < 500:
        assert not changes, f"a {status} wrote {changes}"
    if method in ("GET", "HEAD"):
        assert not changes, f"{method} wrote {changes}"
    if response.has_header("Location"):
        assert_stays_on_the_site(response["Location"])


def assert_stays_on_the_site(location: str) -> None:
    """A redirect leads to a page of ours, whatever ?next= said."""
    # A browser reads "/\\evil.example" as "//evil.example": another site.
    assert not location.startswith(("//", "/\\")), location
    parts = urlsplit(location)
    assert parts.scheme in ("", "http", "https") and parts.netloc in ("", "testserver"), location


# -- what Mallory sends --------------------------------------------------------

# Anything UTF-8 can carry: every code point but the lone surrogates (those
# arrive as bytes, below), control characters and NUL included.
ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=80)
HOSTILE = st.sampled_from(
    [
        "\x00",
        "a\x00b",
        "\r\n",
        "Ana\r\nBcc: mallory@example.org",
        "\u202eevil",
        "\ufeff",
        "\u200b",
        "e\u0301" * 40,
        "👩‍👩‍👧‍👦" * 20,
        "<script>alert(1)</script>",
        "{{ request }}{% debug %}",
        "'; DROP TABLE pledges_pledge; --",
        "%00%ff%ed%a0%80",
        "../../etc/passwd",
        '=HYPERLINK("http://x")',
        "   ",
        "\\",
        '"',
        "".join(chr(ord(c) + 0xFEE0) for c in "ana@example.org"),  # full-width forms
        "ana@[127.0.0.1]",
        "ana@xn--80ak6aa92e.com",
        "ana@exam\u0000ple.org",
        "a" * 64 + "@" + "b" * 250 + ".org",
    ]
)
# Very long: far past every max_length, and past a field's worth of memory.
LONG_TEXT = st.builds(
    lambda piece, times: piece * times,
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=3),
    st.integers(min_value=255, max_value=60_000),
)
ABSENT = object()


def wild_values(valid: str) -> st.SearchStrategy[str]:
    """A field's value as Mallory may send it, starting from a valid one."""
    return st.one_of(
        ANY_TEXT,
        HOSTILE,
        st.just(""),
        LONG_TEXT,
        st.tuples(ANY_TEXT, ANY_TEXT).map(lambda ends: ends[0] + valid + ends[1]),
        st.just(valid.upper()),
        st.just(valid + "\x00"),
    )


@st.composite
def form_fields(draw, valid: dict[str, str]) -> dict:
    """The fields of a form, each valid or wild: some missing, some repeated,
    with unknown ones beside them. Shrinks towards the valid form, so a
    failure names the one field that causes it."""
    names = sorted(valid)
    wild = draw(st.sets(st.sampled_from(names))) if names else set()
    data = {}
    for name in names:
        if name not in wild:
            data[name] = valid[name]
            continue
        value = draw(
            st.one_of(
                wild_values(valid[name]),
                st.just(ABSENT),
                st.lists(wild_values(valid[name]), min_size=2, max_size=3),
            )
        )
        if value is not ABSENT:
            data[name] = value
    extra = draw(st.dictionaries(ANY_TEXT, ANY_TEXT, max_size=2))
    return {**extra, **data}


CHARSETS = st.sampled_from(
    [
        # Real ones; ones Python knows that are no text encoding (rot13, hex);
        # ones that cannot decode with errors="replace" (idna, undefined); ones
        # that decode bytes to lone surrogates (utf-7, unicode_escape); none.
        *("utf-8", "UTF8", "latin-1", "utf-16", "ascii", "rot13", "hex", "undefined"),
        *("idna", "utf-7", "unicode_escape", "no-such-charset", ""),
    ]
)
RAW_CONTENT_TYPES = st.one_of(
    st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            MULTIPART_CONTENT,
            "multipart/form-data",
            "multipart/form-data; boundary=",
            "multipart/form-data; boundary=\x00",
            "text/plain",
            "application/json",
            "application/octet-stream",
            "",
            "a/b; c",
            "multipart/mixed; boundary=BoUnDaRyStRiNg",
            "text/plain; a=" + "b" * 10_000,  # too long for Django to parse
        ]
    ),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=60),
)


def _urlencoded_bytes(pairs: list[tuple[bytes, bytes]]) -> bytes:
    # Any byte at all, percent-encoded: invalid UTF-8 and encoded surrogates
    # (%ED%A0%80) reach Django's decoder.
    return "&".join(f"{quote_from_bytes(k)}={quote_from_bytes(v)}" for k, v in pairs).encode()


def _multipart_bytes(parts: list[tuple[str, bytes, str, bool, bool]]) -> bytes:
    lines = []
    for name, value, part_type, base64, as_file in parts:
        # A file where the form expects none lands in request.FILES, unread.
        filename = '; filename="x.txt"' if as_file else ""
        lines.append(f"--{BOUNDARY}\r\n".encode())
        lines.append(f'Content-Disposition: form-data; name="{name}"{filename}\r\n'.encode())
        if part_type:
            lines.append(f"Content-Type: {part_type}\r\n".encode("latin-1", "replace"))
        if base64:
            lines.append(b"Content-Transfer-Encoding: base64\r\n")
        lines.append(b"\r\n" + value + b"\r\n")
    lines.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(lines)


@st.composite
def bodies(draw, valid: dict[str, str]) -> tuple[bytes, str]:
    """A request body and its Content-Type, as Mallory may send the form."""
    names = st.sampled_from(sorted(valid) or ["field"])
    how = draw(
        st.sampled_from(
            ["multipart", "urlencoded", "bytes-urlencoded"] * 3 + ["raw"] * 2 + ["limits"]
        )
    )
    # Mostly none, as browsers send; any charset but UTF-8 is refused at the door.
    charset = draw(st.one_of(st.none(), st.none(), st.none(), CHARSETS))
    with_charset = "" if charset is None else f"; charset={charset}"
    if how == "multipart":
        data = draw(form_fields(valid))
        return encode_multipart(BOUNDARY, data), MULTIPART_CONTENT + with_charset
    if how == "urlencoded":
        data = draw(form_fields(valid))
        body = urlencode(data, doseq=True).encode()
        return body, "application/x-www-form-urlencoded" + with_charset
    if how == "bytes-urlencoded":
        if draw(st.booleans()):
            pairs = draw(st.lists(st.tuples(names.map(str.encode), st.binary(max_size=40))))
            return _urlencoded_bytes(pairs), "application/x-www-form-urlencoded" + with_charset
        part = st.tuples(
            names,
            st.binary(max_size=40),
            st.one_of(st.just(""), CHARSETS.map(lambda c: f"text/plain; charset={c}")),
            st.booleans(),
            st.booleans(),
        )
        return _multipart_bytes(draw(st.lists(part, max_size=4))), MULTIPART_CONTENT + with_charset
    if how == "limits":
        # Past Django's limits on fields (1,000) and on a body's size (2.5 MB).
        return draw(OVERSIZED), "application/x-www-form-urlencoded" + with_charset
    return draw(st.binary(max_size=300)), draw(RAW_CONTENT_TYPES) + with_charset


OVERSIZED = st.sampled_from(
    [
        "&".join(f"f{n}=x" for n in range(1_001)).encode(),
        b"display_name=" + b"x" * 2_700_000,
    ]
)


# A header's value as a server hands it to Django: latin-1, no line breaks.
HEADER_TEXT = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=80
)
ADDRESSES = st.one_of(st.ip_addresses().map(str), st.just("127.0.0.1"), HEADER_TEXT)
HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "accept-language": st.one_of(st.sampled_from(["pt", "es;q=0.9, *", "zz-ZZ"]), HEADER_TEXT),
        # Read only when REMOTE_ADDR is a trusted proxy (the tests trust loopback).
        "x-forwarded-for": st.one_of(st.lists(ADDRESSES, max_size=4).map(", ".join), HEADER_TEXT),
        "cookie": st.one_of(
            HEADER_TEXT,
            HEADER_TEXT.map(lambda v: f"sessionid={v}; csrftoken={v}"),
            st.just("sessionid=" + "a" * 32 + "; csrftoken=" + "b" * 64),
        ),
        "if-none-match": st.one_of(st.just("*"), HEADER_TEXT),
        "if-modified-since": HEADER_TEXT,
        "origin": st.one_of(st.just("https://evil.example"), HEADER_TEXT),
        "referer": HEADER_TEXT,
    },
)
# Half POST, a quarter GET or HEAD, a quarter methods nothing here answers.
METHODS = st.one_of(
    st.just("POST"),
    st.just("POST"),
    st.sampled_from(["GET", "HEAD"]),
    st.sampled_from(["PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND"]),
)
# Where a page may be told to go next (allauth's ?next=), or anything else.
QUERIES = st.one_of(
    st.just(""),
    st.sampled_from(
        ["//evil.example/", "https://evil.example/", "/\\evil.example", "/my-pledge/"]
    ).map(lambda url: urlencode({"next": url})),
    st.lists(st.tuples(ANY_TEXT, ANY_TEXT), max_size=3).map(urlencode),
)


@dataclass(frozen=True)
class Sent:
    """One request as Mallory sends it, to whichever path the test chooses."""

    method: str
    query: str
    body: bytes
    content_type: str
    headers: dict = field(default_factory=dict)
    remote_addr: str = "127.0.0.1"
    csrf_checks: bool = False

    def to(self, path: str, client: Client | None = None):
        """Send it to `path` with a new client (no cookies but its own), or `client`."""
        if self.query:
            path += ("&" if "?" in path else "?") + self.query
        # Hypothesis prints this for a failing example.
        note(f"{self.method} {path} {self!r}")
        if refused(self.content_type):
            # The WSGI entry answers these itself, before Django builds the
            # request (core/charset.py, tests/test_request_charset.py); the test
            # client starts inside Django, so it is asked only what gets there.
            return HttpResponseBadRequest()
        client = client or Client(enforce_csrf_checks=self.csrf_checks)
        return client.generic(
            self.method,
            path,
            self.body,
            content_type=self.content_type,
            headers=self.headers,
            REMOTE_ADDR=self.remote_addr,
        )


@st.composite
def requests(draw, valid: dict[str, str], methods=METHODS) -> Sent:
    """A request to a form whose valid fields are `valid`."""
    method = draw(methods)
    query = draw(QUERIES)
    if method in ("GET", "HEAD"):
        # What a browser sends for a GET form: the fields, in the query.
        fields = urlencode(draw(form_fields(valid)), doseq=True)
        query = "&".join(part for part in (query, fields) if part)
        return Sent(method, query, b"", "", draw(HEADERS), draw(ADDRESSES))
    body, content_type = draw(bodies(valid))
    csrf_checks = draw(st.sampled_from([False] * 9 + [True]))
    return Sent(method, query, body, content_type, draw(HEADERS), draw(ADDRESSES), csrf_checks)


def path_segment(text: str) -> str:
    """Text as one segment of a path: whatever it holds stays in the segment."""
    return quote(text, safe="")


URL_CHARACTER = st.characters(codec="utf-8")


@st.composite
def tampered(draw, token: str, characters=URL_CHARACTER) -> str:
    """A valid token with one change: a character replaced, removed or added,
    cut short, or extended (with `characters`: in a URL, any UTF-8 can carry)."""
    how = draw(st.sampled_from(["replace", "remove", "insert", "truncate", "extend"]))
    # Drawn without looking at the token, which is new in every run (a new
    # pledge, a new time): Hypothesis needs the same draws to replay a case.
    at = draw(st.integers(min_value=0, max_value=10_000)) % len(token)
    other = draw(characters)
    if other == token[at]:
        other = "~" if other != "~" else "!"
    if how == "replace":
        return token[:at] + other + token[at + 1 :]
    if how == "remove":
        return token[:at] + token[at + 1 :]
    if how == "insert":
        return token[:at] + other + token[at:]
    if how == "truncate":
        return token[:at]
    return token + draw(st.text(characters, min_size=1, max_size=20))
