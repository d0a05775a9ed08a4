"""The open data API, /api/v1/: what each endpoint says (the same figures as
the pledge rows and their counter shards), its caching, ETag and CORS rules,
its errors, and its conformance to the OpenAPI document it serves."""

import datetime
import json

import pytest
import schemathesis
from django.core.cache import cache
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from campaign.models import Country
from config.wsgi import application
from pledges import counting
from pledges.models import CountShard, Pledge
from tests import published
from tests.conftest import make_pledge
from tests.fuzzing import fuzz_settings

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    "/api/v1/counts",
    "/api/v1/countries/",
    "/api/v1/countries/pt",
    "/api/v1/counts/daily?country=PT",
]


@pytest.fixture
def campaign():
    """Portugal (launch known to the month) and Spain (to the day, with a goal)
    published, France not; confirmed and unconfirmed pledges in each."""
    published.portugal()
    published.spain(
        launch_date=datetime.date(2010, 6, 15),
        launch_date_precision=Country.DatePrecision.DAY,
        supporter_goal=5000,
    )
    Country.objects.update_or_create(code="FR", defaults={"is_published": False})
    for n in range(3):
        make_pledge(f"pt{n}@example.org", "PT")
    make_pledge("es@example.org", "ES")
    make_pledge("pending@example.org", "ES", confirmed=False)
    make_pledge("fr@example.org", "FR")
    cache.delete(counting.COUNTS_CACHE_KEY)


def confirmed_by_country() -> dict[str, int]:
    """Counted from the pledge rows, not through the API's own path."""
    counts: dict[str, int] = {}
    for pledge in Pledge.objects.confirmed():
        counts[str(pledge.country)] = counts.get(str(pledge.country), 0) + 1
    return counts


def test_counts_are_the_confirmed_pledges_by_country(client, campaign):
    body = client.get("/api/v1/counts").json()
    assert list(body) == ["total", "countries", "updated_at"]
    assert body["countries"] == confirmed_by_country() == {"PT": 3, "ES": 1, "FR": 1}
    assert body["countries"] == {c: n for c, n in CountShard.objects.totals().items() if n}
    assert body["total"] == 5


def test_counts_keep_their_exact_bytes(client, campaign):
    # The endpoint moved onto the API framework; its JSON must not change.
    response = client.get("/api/v1/counts")
    assert response.content == json.dumps(counting.current_counts()).encode()


def test_countries_lists_the_published_ones_sorted_by_code(client, campaign):
    body = client.get("/api/v1/countries/").json()
    expected = [str(c.code) for c in Country.objects.published().order_by("code")]
    assert [c["code"] for c in body] == expected
    assert "FR" not in expected
    assert {"ES", "PT"} <= set(expected)
    confirmed = confirmed_by_country()
    for country in body:
        assert country["confirmed"] == confirmed.get(country["code"], 0)


def test_a_country_in_full(client, campaign):
    spain = client.get("/api/v1/countries/es").json()
    assert spain == {
        "code": "ES",
        "name": "Spain",
        "status": "launched",
        "launch_date": "2010-06-15",
        "supporter_goal": 5000,
        "confirmed": 1,
        "url": "http://127.0.0.1:8000/countries/es/",
    }
    portugal = client.get("/api/v1/countries/PT").json()
    assert portugal["status"] == "upcoming"
    assert portugal["launch_date"] == "2021-04"  # known to the month only
    assert portugal["supporter_goal"] is None
    assert portugal["confirmed"] == 3


def test_names_are_english_whatever_the_language_asked_for(client, campaign):
    response = client.get("/api/v1/countries/es", headers={"accept-language": "es"})
    assert response.json()["name"] == "Spain"
    assert response.json()["url"].endswith("/countries/es/")


def test_the_code_is_matched_in_either_case(client, campaign):
    assert client.get("/api/v1/countries/pt").json() == client.get("/api/v1/countries/PT").json()


@pytest.mark.parametrize("code", ["FR", "fr", "XX"])
def test_an_unpublished_or_unknown_country_is_a_json_404(client, campaign, code):
    response = client.get(f"/api/v1/countries/{code}")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert code.upper() in response.json()["detail"]


@pytest.mark.parametrize("code", ["PRT", "p", "p1", "%C3%A9s"])
def test_a_malformed_code_is_a_json_400(client, campaign, code):
    response = client.get(f"/api/v1/countries/{code}")
    assert response.status_code == 400
    assert "iso2" in response.json()["detail"]


@pytest.mark.parametrize("path", [*ENDPOINTS, "/api/v1/openapi.json"])
def test_an_unchanged_answer_is_a_304_without_a_body(client, campaign, path):
    first = client.get(path)
    etag = first["ETag"]
    assert etag
    again = client.get(path, headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert again["Access-Control-Allow-Origin"] == "*"
    assert client.get(path, headers={"if-none-match": '"other"'}).status_code == 200


def test_the_etag_changes_with_the_figures(client, campaign):
    before = client.get("/api/v1/countries/pt")["ETag"]
    make_pledge("pt-new@example.org", "PT")
    cache.delete(counting.COUNTS_CACHE_KEY)
    response = client.get("/api/v1/countries/pt", headers={"if-none-match": before})
    assert response.status_code == 200
    assert response.json()["confirmed"] == 4


@pytest.mark.parametrize("path", ["/api/v1/countries/", "/api/v1/countries/pt"])
def test_cache_control(client, campaign, path):
    header = client.get(path)["Cache-Control"]
    assert set(header.split(", ")) == {"public", "max-age=60", "stale-while-revalidate=60"}


def test_counts_are_cached_only_as_long_as_they_are_fresh(client, campaign):
    header = client.get("/api/v1/counts")["Cache-Control"]
    assert f"max-age={counting.COUNTS_TTL}" in header.split(", ")
    assert "public" in header


@pytest.mark.parametrize("path", [*ENDPOINTS, "/api/v1/openapi.json", "/api/v1/countries/XX"])
def test_any_origin_may_read_without_credentials_or_cookies(client, campaign, path):
    response = client.get(path, headers={"origin": "https://example.com"})
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    assert "ETag" in response["Access-Control-Expose-Headers"]
    assert not response.cookies
    assert "Set-Cookie" not in response
    assert "cookie" not in response.get("Vary", "").lower()


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_preflight_is_answered(client, path):
    response = client.options(
        path,
        headers={
            "origin": "https://example.com",
            "access-control-request-method": "GET",
            "access-control-request-headers": "if-none-match",
        },
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]
    assert "if-none-match" in response["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Credentials" not in response
    assert not response.cookies


@pytest.mark.parametrize("path", ENDPOINTS)
def test_it_only_reads(client, path):
    assert client.post(path).status_code == 405
    assert client.delete(path).status_code == 405


def test_the_openapi_document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "Blue Heart open data"
    assert document["info"]["version"]
    assert set(document["paths"]) == {
        "/api/v1/counts",
        "/api/v1/counts/daily",
        "/api/v1/countries/",
        "/api/v1/countries/{iso2}",
    }
    for operations in document["paths"].values():
        for operation in operations.values():
            assert operation["summary"] and operation["description"]
            assert "schema" in operation["responses"]["200"]["content"]["application/json"]


def test_there_is_no_docs_page_loading_third_party_assets(client):
    # django-ninja's default /docs loads Swagger UI from a CDN.
    assert client.get("/api/v1/docs").status_code == 404


# -- the daily series ---------------------------------------------------------


def confirm_on(pledge, day: datetime.date, hour: int = 12) -> None:
    moment = datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)
    Pledge.objects.filter(pk=pledge.pk).update(confirmed_at=moment)


@pytest.fixture
def over_three_days():
    """Ana and Bruno (PT) on the 1st, Carla (ES) on the 1st late at night UTC,
    Dora (PT) on the 3rd; nobody on the 2nd; Eva never confirmed."""
    day = datetime.date(2026, 11, 1)
    for email, country, on, hour in [
        ("ana@example.org", "PT", day, 9),
        ("bruno@example.org", "PT", day, 18),
        ("carla@example.org", "ES", day, 23),
        ("dora@example.org", "PT", day + datetime.timedelta(days=2), 0),
    ]:
        confirm_on(make_pledge(email, country), on, hour)
    make_pledge("eva@example.org", "PT", confirmed=False)
    return day


def series(client, **query) -> dict:
    response = client.get("/api/v1/counts/daily", query)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_daily_series_is_the_confirmed_rows_by_utc_day_zeros_included(client, over_three_days):
    body = series(client, country="pt", **{"from": "2026-11-01", "to": "2026-11-03"})
    assert body == {
        "country": "PT",
        "from": "2026-11-01",
        "to": "2026-11-03",
        "total": 3,
        "days": [
            {"day": "2026-11-01", "confirmed": 2},
            {"day": "2026-11-02", "confirmed": 0},
            {"day": "2026-11-03", "confirmed": 1},
        ],
    }
    world = series(client, **{"from": "2026-11-01", "to": "2026-11-03"})
    assert world["country"] is None
    assert [day["confirmed"] for day in world["days"]] == [3, 0, 1]
    # Counted from the rows, not through the API's own path.
    rows = Pledge.objects.confirmed().filter(confirmed_at__date__lte="2026-11-03")
    assert world["total"] == rows.count() == 4


def test_an_erasure_leaves_the_daily_series_as_it_was(client, over_three_days):
    query = {"from": "2026-11-01", "to": "2026-11-03"}
    before = series(client, **query)
    Pledge.objects.get(email="carla@example.org").erase(now=datetime.datetime.now(datetime.UTC))
    assert series(client, **query) == before


def test_without_dates_it_is_the_last_thirty_days(client):
    body = series(client)
    today = datetime.datetime.now(datetime.UTC).date()
    assert body["to"] == today.isoformat()
    assert body["from"] == (today - datetime.timedelta(days=29)).isoformat()
    assert len(body["days"]) == 30


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ({"from": "2026-11-03", "to": "2026-11-01"}, "from must not be after to"),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "at most 732 days"),
        ({"from": "2026-13-01"}, "from"),
        ({"country": "XX"}, "XX is not an ISO 3166-1"),
        ({"country": "PRT"}, "country"),
    ],
)
def test_a_bad_daily_query_is_a_json_400_saying_why(client, query, says):
    response = client.get("/api/v1/counts/daily", query)
    assert response.status_code == 400
    assert says in response.json()["detail"]


@pytest.mark.parametrize("written", ["0", "86400", "2026-11-01T00:00:00", "2026-11-1"])
def test_a_date_not_written_yyyy_mm_dd_is_a_400_not_the_unix_epoch(client, written):
    # Found by the negative fuzzing below: ?to=0 answered the series up to
    # 1970-01-01, pydantic reading "0" as seconds since the Unix epoch.
    response = client.get("/api/v1/counts/daily", {"to": written})
    assert response.status_code == 400
    assert response.json()["detail"] == "to: Value error, a date is written YYYY-MM-DD"


@pytest.mark.parametrize(
    "query",
    [{"to": "0001-01-01"}, {"to": "9999-12-31"}, {"from": "1899-12-31", "to": "1900-01-01"}],
)
def test_a_day_at_the_ends_of_the_calendar_is_a_400_not_a_500(client, query):
    # Found by the thorough fuzzing: ?to=0001-01-01 had no default start 29 days
    # before it, nor 9999-12-31 a day after it (OverflowError, a 500).
    response = client.get("/api/v1/counts/daily", query)
    assert response.status_code == 400
    assert "a day is between 1900-01-01 and 2999-12-31" in response.json()["detail"]


# Loaded from the running application as a client would fetch it (no database
# needed for the document). schemathesis.pytest.from_fixture, the lazy loader,
# fails under pytest 9 (it reads a private attribute pytest no longer has).
api_schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
# Valid requests only: a malformed path can fall outside the API's URLs (a "/"
# in the code) and reach the site's HTML 404 page; the 400s are tested above,
# and by the negative test below.
api_schema.config.generation.update(modes=[GenerationMode.POSITIVE])
# Named rather than left to the defaults, so that no upgrade or configuration
# of schemathesis can quietly drop one.
CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    positive_data_acceptance,
]


@api_schema.parametrize()
# The fuzz profile (tests/fuzzing.py): the same examples every run, so a failure
# is never a matter of luck; HYPOTHESIS_PROFILE=thorough for 1,000 new ones.
@fuzz_settings
def test_every_operation_conforms_to_the_openapi_document(case, campaign, wsgi_in_test):
    checks = CONFORMANCE
    if case.operation.path == "/api/v1/counts/daily":
        # Two rules OpenAPI cannot state (from <= to, at most 732 days): a
        # schema-valid range may get its documented 400, tested above.
        checks = [check for check in CONFORMANCE if check is not positive_data_acceptance]
    case.call_and_validate(checks=checks)


# What the document forbids (a code of three letters, a date that is no date,
# a parameter of the wrong type): refused with a 4xx, never a server error. The
# site's HTML 404 may answer a path the API does not match, so only these two
# checks apply; an operation without parameters has nothing to get wrong.
negative_schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
negative_schema.config.generation.update(modes=[GenerationMode.NEGATIVE])


@negative_schema.include(path_regex="{iso2}|daily").parametrize()
@fuzz_settings
def test_every_operation_refuses_what_the_document_forbids_without_a_server_error(
    case, campaign, wsgi_in_test
):
    case.call_and_validate(checks=[not_a_server_error, negative_data_rejection])
