"""Exports in the staff area, under /staff/exports/ in the staff namespace."""

from django.urls import path

from reports import staff_views as views

urlpatterns = [
    path("", views.export_page, name="exports"),
    path("download", views.download, name="export-download"),
    path("weekly/", views.weekly, name="export-weekly"),
    path("<str:token>/", views.export_file, name="export-file"),
]
