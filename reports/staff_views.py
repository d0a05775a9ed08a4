"""The staff dashboard: thin, the figures are reports.dashboard's.

Who sees what is accounts.rules': `view_dashboard` opens the page, its scope
(countries_in_scope) says whose figures it shows, and `view_counts` adds the
world total and the world's charts, which are no country's figures and so
never a moderator's."""

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.decorators import staff_view
from accounts.rules import can, countries_in_scope
from core.charts import render_series
from pledges.counting import current_counts
from reports import dashboard

ACTION = "view_dashboard"
# Errors on these fields make the request itself wrong (a 400); a bad sort
# falls back to the default order, as an old link would.
RANGE_FIELDS = ("from", "to", "country", "__all__")
COLUMNS = [
    ("country", gettext_lazy("Country")),
    ("confirmed", gettext_lazy("Confirmed")),
    ("pending", gettext_lazy("Pending")),
    ("goal", gettext_lazy("Goal")),
    ("progress", gettext_lazy("Progress")),
    ("growth_7", gettext_lazy("Last 7 days")),
    ("growth_30", gettext_lazy("Last 30 days")),
]


@staff_view(ACTION)
def dashboard_view(request):
    user = request.user
    form = dashboard.DashboardForm(request.GET)
    form.is_valid()
    context = {"form": form, "world": can(user, "view_counts")}
    if any(name in form.errors for name in RANGE_FIELDS):
        return render(request, "reports/staff/dashboard.html", context, status=400)
    data = form.cleaned_data
    scope = countries_in_scope(user, ACTION)
    country = data["country"]
    if country is not None and not can(user, ACTION, country):
        raise PermissionDenied
    if country is None and not context["world"] and scope:
        # A moderator's charts are of their own country, never the world's.
        country = sorted(scope)[0]
    now = dashboard.today()
    start, end = data["start"], data["end"]
    chart_daily, growth_daily = dashboard.daily_rows(start=start, end=end, now=now, countries=scope)
    key, direction = form.sorting()
    rows = dashboard.sort_rows(dashboard.country_rows(scope, growth_daily, now=now), key, direction)
    context.update(
        {
            "rows": rows,
            "headers": _headers(request, key, direction),
            "start": start,
            "end": end,
            "country": country,
            "country_name": dict(dashboard.all_countries).get(country, country),
            "world_total": current_counts()["total"] if context["world"] else None,
        }
    )
    if country is not None or context["world"]:
        before = dashboard.confirmed_before(start, country=country)
        per_day, cumulative = dashboard.series(
            chart_daily, start=start, end=end, country=country, before=before
        )
        where = context["country_name"] if country else _("the world")
        context["charts"] = [
            render_series(
                per_day,
                kind="bars",
                caption=_("Supporters confirmed each day, %(where)s") % {"where": where},
                chart_id="chart-daily",
                value_heading=_("Confirmed that day"),
            ),
            render_series(
                cumulative,
                kind="line",
                caption=_("Confirmed supporters in all, %(where)s") % {"where": where},
                chart_id="chart-cumulative",
                value_heading=_("Confirmed in all"),
            ),
        ]
    return render(request, "reports/staff/dashboard.html", context)


def _headers(request, key: str, direction: str) -> list[dict]:
    """Each column's heading, a plain link that sorts by it (no script needed):
    the sorted column's link turns the order round."""
    kept = {name: request.GET[name] for name in ("from", "to", "country") if request.GET.get(name)}
    headers = []
    for column, label in COLUMNS:
        if column == key:
            next_direction = "asc" if direction == "desc" else "desc"
            aria = "ascending" if direction == "asc" else "descending"
        else:
            next_direction = "asc" if column == "country" else "desc"
            aria = None
        query = urlencode({**kept, "sort": column, "dir": next_direction})
        headers.append({"label": label, "url": f"?{query}", "aria_sort": aria})
    return headers
