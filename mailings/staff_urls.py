"""Campaign updates in the staff area, under /staff/updates/ in the staff
namespace (included from accounts.urls): `staff:updates`, `staff:update`, …"""

from django.urls import path

from mailings import staff_views as views

urlpatterns = [
    path("", views.update_list, name="updates"),
    path("new/", views.update_new, name="update-new"),
    path("<int:update>/", views.update, name="update"),
    path("<int:update>/preview/<str:language>/", views.update_preview, name="update-preview"),
    path("<int:update>/test-send/", views.update_send_to_me, name="update-test-send"),
    path("<int:update>/send/", views.update_send, name="update-send"),
    path("<int:update>/unschedule/", views.update_unschedule, name="update-unschedule"),
    path("<int:update>/progress/", views.update_progress, name="update-progress"),
    path("<int:update>/progress.json", views.update_progress_json, name="update-progress-json"),
]
