"""The organisers' pages in the staff area: thin views over reports.

- The dashboard (/staff/dashboard/): the figures are reports.dashboard's. Who
  sees what is accounts.rules': `view_dashboard` opens the page, its scope
  (countries_in_scope) says whose figures it shows, and `view_counts` adds the
  world total and the world's charts, which are no country's figures and so
  never a moderator's.
- Exports (/staff/exports/): reports.exports (the rows and formats) and
  reports.services (large and weekly exports). Organisers and administrators
  export every country; a moderator only their own: with no country chosen
  their rows are filtered to their countries, and a request for another
  country is a 403 with nothing built.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from accounts.decorators import staff_view
from accounts.rules import can, countries_in_scope
from core.charts import render_series
from pledges.counting import current_counts
from reports import dashboard, exports, services
from reports.forms import ExportForm, WeeklyForm
from reports.models import Export, WeeklyExport

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
    pending, pending_as_of = dashboard.pending_by_country(scope)
    rows = dashboard.country_rows(scope, growth_daily, now=now, pending=pending)
    rows = dashboard.sort_rows(rows, key, direction)
    context.update(
        {
            "rows": rows,
            "pending_as_of": pending_as_of,
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


GET_AND_POST = ("GET", "HEAD", "POST")


def _page(request, form, status=200, queued=None):
    context = {
        "form": form,
        "weekly": WeeklyExport.objects.filter(owner=request.user).order_by("kind", "format"),
        "weekly_form": WeeklyForm(initial={"active": True}),
        "queued": queued,
        # Their own large exports still offered, should an email go astray.
        "mine": Export.objects.filter(
            owner=request.user, built_at__isnull=False, expires_at__gt=timezone.now()
        ).order_by("-created_at")[:20],
        "max_rows": services.stream_max_rows(),
    }
    return render(request, "reports/staff/exports.html", context, status=status)


@never_cache
@staff_view("export", methods=GET_AND_POST)
def export_page(request):
    """The form. Sent (POST), a small export is downloaded at once (a redirect
    to `download`); a large one is queued and its link emailed."""
    if request.method != "POST":
        return _page(request, ExportForm())
    form = ExportForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    data = form.cleaned_data
    countries = services.countries_for(request.user, data["country"])
    if not services.is_large(data["kind"], data["start"], data["end"], countries):
        query = urlencode(
            {
                key: request.POST.get(key, "")
                for key in ("kind", "format", "start", "end", "country")
            }
        )
        # 303: the browser GETs the download, and a reload sends nothing again.
        return HttpResponseRedirect(f"{reverse('staff:export-download')}?{query}", status=303)
    export = services.request_export(
        request.user,
        kind=data["kind"],
        fmt=data["format"],
        start=data["start"],
        end=data["end"],
        country=data["country"],
        language=request.LANGUAGE_CODE,
    )
    return _page(request, ExportForm(), status=202, queued=export)


@never_cache
@staff_view("export")
def download(request):
    """The export, streamed: GET /staff/exports/download?kind=…&format=…&start=…&end=…"""
    form = ExportForm(request.GET)
    if not form.is_valid():
        return _page(request, form, status=400)
    data = form.cleaned_data
    kind, fmt, start, end = data["kind"], data["format"], data["start"], data["end"]
    countries = services.countries_for(request.user, data["country"])
    if services.is_large(kind, start, end, countries):
        form.add_error(
            None,
            _(
                "This export is too large to download at once: "
                "send the form, and a link will come by email."
            ),
        )
        return _page(request, form, status=413)
    rows = exports.rows(kind, start, end, countries)
    name = exports.filename(kind, fmt, start, end)
    if fmt == "xlsx":
        # An XLSX is a zip, written whole before it can be sent: to a temporary
        # file in constant memory, then streamed from it.
        return FileResponse(
            exports.xlsx_file(kind, rows),
            as_attachment=True,
            filename=name,
            content_type=exports.CONTENT_TYPES[fmt],
        )
    chunks = exports.csv_chunks(kind, rows) if fmt == "csv" else exports.json_chunks(kind, rows)
    response = StreamingHttpResponse(chunks, content_type=exports.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@never_cache
@staff_view("export")
def export_file(request, token):
    """A large export's file, to its owner alone (anyone else: 404, as for a
    token that never was); 410 once expired, the file deleted then and there."""
    export = Export.objects.filter(token=token, owner=request.user).first()
    if export is None:
        raise Http404
    if export.expires_at <= timezone.now():
        services.delete_file(export)
        return render(request, "reports/staff/export_gone.html", status=410)
    if export.built_at is None:
        return render(request, "reports/staff/export_pending.html", status=202)
    path = services.file_path(export)
    if not path.is_file():
        raise Http404
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=exports.filename(export.kind, export.format, export.start, export.end),
        content_type=exports.CONTENT_TYPES[export.format],
    )


@staff_view("export", methods=("POST",))
def weekly(request):
    """Start or stop a weekly export for oneself."""
    form = WeeklyForm(request.POST)
    if not form.is_valid():
        return _page(request, ExportForm(), status=400)
    data = form.cleaned_data
    WeeklyExport.objects.update_or_create(
        owner=request.user,
        kind=data["kind"],
        format=data["format"],
        defaults={"active": data["active"], "language": request.LANGUAGE_CODE},
    )
    if data["active"]:
        messages.success(request, _("The export will come by email every Monday."))
    else:
        messages.success(request, _("The weekly export is stopped."))
    return redirect("staff:exports")
