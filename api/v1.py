"""/api/v1/: the endpoints, and the OpenAPI document generated from them.

django-ninja reads each endpoint's type hints (the schemas below) to validate
its parameters and to write /api/v1/openapi.json, so the document cannot drift
from the code. An endpoint is one decorated function: the caching, ETag and
CORS rules are applied to every URL at once (api.http.open_data).
"""

import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal

from django.conf import settings
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django_countries import countries as all_countries
from ninja import NinjaAPI, Path, Query, Schema
from ninja.errors import HttpError, ValidationError
from pydantic import AfterValidator, BeforeValidator, Field

from api.http import open_data
from campaign.models import Country
from pledges import counting
from reports import history

api = NinjaAPI(
    title="Blue Heart open data",
    version="1.0.0",
    description=(
        "Public figures of the Blue Heart campaign: confirmed supporters and the "
        "countries that run a launch page. No login; any origin may read (CORS). "
        "Every response carries Cache-Control and an ETag (send it back as "
        "If-None-Match for a 304)."
    ),
    urls_namespace="api-v1",
    # No docs page: django-ninja's loads Swagger UI from a CDN, and public pages
    # make no third-party requests. The JSON document is what clients need.
    docs_url=None,
)


class Error(Schema):
    detail: str = Field(description="What was wrong, in English.")


class Counts(Schema):
    total: int = Field(ge=0, description="Confirmed supporters, all countries.")
    countries: dict[str, int] = Field(
        description="Confirmed supporters by ISO 3166-1 alpha-2 code (upper case); "
        "countries with none are left out."
    )
    updated_at: str = Field(description="When the figures were counted (ISO 8601, with offset).")


# Launch dates known only to the month are stored as the 1st; the API never
# makes a day up, so those are given as YYYY-MM.
LAUNCH_DATE_PATTERN = r"^\d{4}-\d{2}(-\d{2})?$"


class CountryOut(Schema):
    code: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2, upper case.")
    name: str = Field(description="The country's name in English.")
    status: Literal["upcoming", "launched"]
    launch_date: str | None = Field(
        pattern=LAUNCH_DATE_PATTERN,
        description="YYYY-MM-DD, or YYYY-MM when only the month is known; "
        "null when no date is announced.",
    )
    supporter_goal: int | None = Field(ge=0, description="Null when no goal is set.")
    confirmed: int = Field(ge=0, description="Confirmed supporters (as in /api/v1/counts).")
    url: str = Field(description="The country's launch page (English).")


@api.exception_handler(ValidationError)
def bad_parameters(request, exc: ValidationError):
    # django-ninja answers 422 by default; a bad query or path is a plain 400
    # here, with a message a person can read.
    problems = "; ".join(
        f"{'.'.join(str(part) for part in error['loc'][1:]) or 'request'}: {error['msg']}"
        for error in exc.errors
    )
    return api.create_response(request, {"detail": problems}, status=400)


@api.get(
    "/counts",
    response={200: Counts},
    url_name="counts",
    summary="Confirmed supporters, in total and by country",
)
def counts(request, response: HttpResponse):
    """The live count, at most a few seconds old (the same figures as the site's
    counters). Cached for as long as the figures stay fresh."""
    # As before the API moved here: fresh for COUNTS_TTL, so a cache never
    # holds a figure older than the site's own counters.
    patch_cache_control(
        response, public=True, max_age=counting.COUNTS_TTL, stale_while_revalidate=30
    )
    return counting.current_counts()


@api.get(
    "/countries/",
    response={200: list[CountryOut]},
    url_name="countries",
    summary="The countries with a published launch page",
)
def countries(request):
    """Every published country, sorted by code."""
    confirmed = counting.current_counts()["countries"]
    return [_country(country, confirmed) for country in Country.objects.published()]


@api.get(
    "/countries/{iso2}",
    response={200: CountryOut, 400: Error, 404: Error},
    url_name="country",
    summary="One country with a published launch page",
)
def country(
    request,
    iso2: Annotated[
        str,
        Path(pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2 code, either case."),
    ],
):
    """One published country. The code is matched whatever its case (pt, PT):
    no redirect, since a cross-origin script would pay a round trip for it.
    404 for a country that is unknown or not published."""
    found = Country.objects.published().filter(code=iso2.upper()).first()
    if found is None:
        raise HttpError(404, f"No published country has the code {iso2.upper()}.")
    return _country(found, counting.current_counts()["countries"])


# A series asked for without dates is the last 30 days; one range is at most
# two years and a day, so no request can ask the database for more than that.
DEFAULT_DAYS = 30
MAX_DAYS = 732
FULL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Far wider than any count, and far enough from the ends of Python's calendar
# (years 1 and 9999) that a range's default start or the day after its end
# always exists: ?to=0001-01-01 was a 500 (OverflowError).
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)


def _full_date(value):
    # The document says YYYY-MM-DD (format: date). pydantic would also read
    # "0" as 1970-01-01 (seconds since the Unix epoch) and take a date and time
    # at midnight: found by the fuzzing (tests/test_open_data_api.py).
    if isinstance(value, str) and not FULL_DATE.fullmatch(value):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


def _in_the_years(day: date) -> date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"a day is between {FIRST_DAY} and {LAST_DAY}")
    return day


FullDate = Annotated[date, BeforeValidator(_full_date), AfterValidator(_in_the_years)]


class Day(Schema):
    day: date = Field(description="A UTC day.")
    confirmed: int = Field(ge=0, description="Supporters who confirmed that day.")


class DailyCounts(Schema):
    country: str | None = Field(
        pattern=r"^[A-Z]{2}$", description="The country asked for; null for the world."
    )
    start: date = Field(alias="from", description="The first day of the series (UTC).")
    end: date = Field(alias="to", description="The last day of the series (UTC).")
    total: int = Field(ge=0, description="Confirmed in the whole range.")
    days: list[Day] = Field(description="Every day of the range in order, zeros included.")


@api.get(
    "/counts/daily",
    response={200: DailyCounts, 400: Error},
    url_name="counts-daily",
    summary="Confirmed supporters by day, for the world or one country",
    by_alias=True,
)
def counts_daily(
    request,
    country: Annotated[
        str | None,
        Query(pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2 code, either case."),
    ] = None,
    start: Annotated[
        FullDate | None,
        Query(
            alias="from",
            description="First UTC day (default: 29 days before to), 1900-01-01 to 2999-12-31.",
        ),
    ] = None,
    end: Annotated[
        FullDate | None,
        Query(alias="to", description="Last UTC day (default: today), 1900-01-01 to 2999-12-31."),
    ] = None,
):
    """Supporters who confirmed on each UTC day of a range of at most 732 days.
    A supporter who later moved to another country counts in their country of
    now; one who erased their data still counts, on the day they confirmed."""
    end = end or datetime.now(UTC).date()
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise HttpError(400, "from must not be after to.")
    if (end - start).days + 1 > MAX_DAYS:
        raise HttpError(400, f"A range is at most {MAX_DAYS} days; ask for it in parts.")
    code = country.upper() if country else None
    if code is not None and code not in dict(all_countries):
        raise HttpError(400, f"{code} is not an ISO 3166-1 alpha-2 country code.")
    if code is None:
        rows = history.daily_totals(start=start, end=end)
    else:
        rows = history.daily_confirmed(start=start, end=end, country=code)
    by_day = {row["day"]: row["confirmed"] for row in rows}
    days = [
        {"day": start + timedelta(days=n), "confirmed": by_day.get(start + timedelta(days=n), 0)}
        for n in range((end - start).days + 1)
    ]
    return {
        "country": code,
        "from": start,
        "to": end,
        "total": sum(by_day.values()),
        "days": days,
    }


def _country(country: Country, confirmed: dict[str, int]) -> dict:
    code = str(country.code)
    with translation.override("en"):
        name = str(country.code.name)
        url = settings.SITE_URL + country.page_path()
    return {
        "code": code,
        "name": name,
        "status": country.status,
        "launch_date": _launch_date(country),
        "supporter_goal": country.supporter_goal,
        "confirmed": confirmed.get(code, 0),
        "url": url,
    }


def _launch_date(country: Country) -> str | None:
    if country.launch_date is None:
        return None
    if country.launch_date_precision == Country.DatePrecision.MONTH:
        return country.launch_date.strftime("%Y-%m")
    return country.launch_date.isoformat()


def urlpatterns():
    """The API's URLs (its endpoints and /openapi.json), each with the open
    data rules applied (api.http)."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        pattern.callback = open_data(pattern.callback)
    return patterns, app_name, namespace
