"""The staff dashboard's figures: counts by country now, growth over the last 7
and 30 UTC days, and confirmations over a range of days.

Counts only, never anything about a person. Who sees what is accounts.rules':
`countries` is the set of countries in the viewer's scope (None for every
country), and every query of the rows is limited to it in SQL, so a
moderator's page is built from their own countries' rows; the one figure read
for every country is current_counts(), the cached snapshot the public pages
share, and its other countries are dropped here before anything is shown.
The world total is not a country's figure: it is there only for those who may
`view_counts` (organisers and administrators), never for a moderator.

The number of queries does not depend on the number of countries: each figure
is one grouped query (by country, or by country and day), whatever the scope.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries as all_countries

from campaign.models import Country
from pledges.counting import current_counts
from pledges.models import Pledge
from reports import history, rollup

# A range asked for without dates is the last 90 days; one range is at most two
# years and a day, as the open data API's (api/v1.py), so no page asks the
# database for more than that.
DEFAULT_DAYS = 90
MAX_DAYS = 732
# The table's growth columns, in days ending today (UTC).
GROWTH_DAYS = (7, 30)

# The table's columns, by the name the `sort` parameter gives them.
SORT_KEYS = ("country", "confirmed", "pending", "goal", "progress", "growth_7", "growth_30")
DEFAULT_SORT = ("confirmed", "desc")


def today() -> date:
    return datetime.now(UTC).date()


class DashboardForm(forms.Form):
    """The query: `from` and `to` (YYYY-MM-DD, UTC days), `country`, `sort`, `dir`.
    Only the range can be wrong enough to refuse (a 400); an unknown sort
    column or direction falls back to the default, as a link would."""

    country = forms.CharField(required=False, max_length=2)
    sort = forms.ChoiceField(required=False, choices=[(key, key) for key in SORT_KEYS])
    dir = forms.ChoiceField(required=False, choices=[("asc", "asc"), ("desc", "desc")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword: these two are added by name.
        self.fields["from"] = forms.DateField(
            label=_("From"), required=False, input_formats=["%Y-%m-%d"]
        )
        self.fields["to"] = forms.DateField(
            label=_("To"), required=False, input_formats=["%Y-%m-%d"]
        )
        self.order_fields(["from", "to", "country"])

    def clean_country(self):
        code = (self.cleaned_data.get("country") or "").upper()
        if code and code not in dict(all_countries):
            raise forms.ValidationError(_("This is not a country code."))
        return code or None

    def clean(self):
        cleaned = super().clean()
        if "from" in self.errors or "to" in self.errors:
            return cleaned
        end = cleaned.get("to") or today()
        start = cleaned.get("from") or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise forms.ValidationError(_("The first day must not be after the last."))
        # No one confirms in the future; and a day such as 9999-12-31 would
        # overflow the end of the range (its next midnight) into a 500.
        if end > today():
            raise forms.ValidationError(_("The last day must not be after today (UTC)."))
        if (end - start).days + 1 > MAX_DAYS:
            raise forms.ValidationError(_("A range is at most %(days)s days.") % {"days": MAX_DAYS})
        cleaned["start"], cleaned["end"] = start, end
        return cleaned

    def sorting(self) -> tuple[str, str]:
        # An invalid sort or dir is an error on its field only: fall back.
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        key = data.get("sort") or DEFAULT_SORT[0]
        direction = data.get("dir") or ("asc" if key == "country" else "desc")
        return key, direction


@dataclass
class CountryRow:
    code: str
    name: str
    confirmed: int
    pending: int
    goal: int | None
    growth: dict = field(default_factory=dict)  # days -> confirmations in them

    @property
    def progress(self) -> float | None:
        if not self.goal:
            return None
        return round(self.confirmed / self.goal * 100, 1)

    def growth_percent(self, days: int) -> float | None:
        """Growth relative to the count before the window; none from zero."""
        before = self.confirmed - self.growth.get(days, 0)
        if before <= 0:
            return None
        return round(self.growth.get(days, 0) / before * 100, 1)

    @property
    def growth_7(self) -> int:
        return self.growth.get(7, 0)

    @property
    def growth_30(self) -> int:
        return self.growth.get(30, 0)

    @property
    def growth_7_percent(self) -> float | None:
        return self.growth_percent(7)

    @property
    def growth_30_percent(self) -> float | None:
        return self.growth_percent(30)


def _in_scope(by_country: dict, countries: frozenset[str] | None) -> dict:
    if countries is None:
        return by_country
    return {code: n for code, n in by_country.items() if code in countries}


def pending_by_country(countries: frozenset[str] | None) -> tuple[dict, datetime | None]:
    """The pending pledges by country in scope, and the time of the snapshot
    they come from (rollup.snapshot_pending, every minute), or None if they
    were counted now: only when there is no recent snapshot, as counting them
    reads every pending row."""
    snapshot = rollup.pending_snapshot(countries)
    if snapshot is not None:
        return snapshot
    # One grouped query, the scope applied in SQL.
    pending = history.pending_by_country(countries)
    return pending, None


def country_rows(
    countries: frozenset[str] | None, daily: list[dict], *, now: date, pending: dict
) -> list[CountryRow]:
    """A row for each country in scope that is a campaign country or has a
    pledge. `daily` holds daily_confirmed rows covering the last 30 days,
    `pending` the pending pledges by country (pending_by_country)."""
    confirmed = _in_scope(current_counts()["countries"], countries)
    campaign = Country.objects.all()
    if countries is not None:
        campaign = campaign.filter(code__in=sorted(countries))
    goals = {str(code): goal for code, goal in campaign.values_list("code", "supporter_goal")}
    codes = set(confirmed) | set(pending) | set(goals)
    rows = {
        code: CountryRow(
            code=code,
            name=str(all_countries.name(code) or code),
            confirmed=confirmed.get(code, 0),
            pending=pending.get(code, 0),
            goal=goals.get(code),
            growth=dict.fromkeys(GROWTH_DAYS, 0),
        )
        for code in codes
    }
    for entry in daily:
        row = rows.get(entry["country"])
        if row is None:
            continue
        for days in GROWTH_DAYS:
            if entry["day"] > now - timedelta(days=days):
                row.growth[days] += entry["confirmed"]
    return list(rows.values())


def sort_rows(rows: list[CountryRow], key: str, direction: str) -> list[CountryRow]:
    """Sorted on `key`; a country without the figure (no goal, no progress)
    comes last either way, and ties go by name."""
    rows = sorted(rows, key=lambda row: row.name)
    if key == "country":
        return sorted(rows, key=lambda row: row.name, reverse=direction == "desc")
    known = [row for row in rows if getattr(row, key) is not None]
    unknown = [row for row in rows if getattr(row, key) is None]
    known.sort(key=lambda row: getattr(row, key), reverse=direction == "desc")
    return known + unknown


def confirmed_before(day: date, *, country: str | None) -> int:
    """Confirmed before the UTC day began, for the world or one country: where
    a cumulative series starts. The rollup's sum for the days it holds, and a
    count on the index (confirmed_at, country) for any after them (none, once
    the rollup is built and fresh, unless `day` is today)."""
    held, first_not_held = rollup.confirmed_before(day, country=country)
    if first_not_held is not None and first_not_held >= day:
        return held
    pledges = Pledge.objects.counted().filter(
        confirmed_at__lt=datetime.combine(day, time.min, tzinfo=UTC)
    )
    if first_not_held is not None:
        pledges = pledges.filter(
            confirmed_at__gte=datetime.combine(first_not_held, time.min, tzinfo=UTC)
        )
    if country is not None:
        pledges = pledges.filter(country=country)
    return held + pledges.count()


def series(
    daily: list[dict], *, start: date, end: date, country: str | None, before: int
) -> tuple[list[tuple[date, int]], list[tuple[date, int]]]:
    """(daily, cumulative) for every day of [start, end], zeros included, from
    daily_confirmed rows (the world's is their sum by day)."""
    by_day: dict[date, int] = {}
    for entry in daily:
        if start <= entry["day"] <= end and (country is None or entry["country"] == country):
            by_day[entry["day"]] = by_day.get(entry["day"], 0) + entry["confirmed"]
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    per_day = [(day, by_day.get(day, 0)) for day in days]
    cumulative, running = [], before
    for day, n in per_day:
        running += n
        cumulative.append((day, running))
    return per_day, cumulative


def daily_rows(
    *, start: date, end: date, now: date, countries: frozenset[str] | None
) -> tuple[list[dict], list[dict]]:
    """daily_confirmed rows for the chart's range and for the table's growth
    (the last 30 days): one query when the two spans are close enough to be
    read as one (the default range ends today), else one for each, so that a
    range two years back never makes the query read every day between."""
    growth_start = now - timedelta(days=max(GROWTH_DAYS) - 1)
    first, last = min(start, growth_start), max(end, now)
    if (last - first).days + 1 <= MAX_DAYS:
        rows = history.daily_confirmed(start=first, end=last, countries=countries)
        return rows, rows
    chart = history.daily_confirmed(start=start, end=end, countries=countries)
    growth = history.daily_confirmed(start=growth_start, end=now, countries=countries)
    return chart, growth
