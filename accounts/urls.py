from django.urls import include, path

from accounts import views
from reports import staff_views as report_views

app_name = "staff"

urlpatterns = [
    path("", views.staff_home, name="home"),
    path("roles/", views.roles, name="roles"),
    # The figures: organisers see every country, moderators their own.
    path("dashboard/", report_views.dashboard_view, name="dashboard"),
    path("roles/grant/", views.change_role, {"action": "grant"}, name="grant"),
    path("roles/revoke/", views.change_role, {"action": "revoke"}, name="revoke"),
    # Country pages (moderators) and information pages (organisers): their
    # URL names join this namespace (staff:country, staff:page, …).
    path("countries/", include("campaign.staff_urls")),
    path("pages/", include("pages.staff_urls")),
    # Campaign updates (organisers, and moderators for their countries).
    path("updates/", include("mailings.staff_urls")),
    # Exports of the counts (organisers; moderators for their countries).
    path("exports/", include("reports.staff_urls")),
    # Suspect pledges, restored or invalidated in bulk (administrators).
    path("review/", include("abuse.staff_urls")),
]
