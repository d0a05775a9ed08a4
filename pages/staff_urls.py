"""The information pages' editor, under /staff/pages/ in the staff namespace
(included from accounts.urls): `staff:pages`, `staff:page`, …"""

from django.urls import path

from pages import staff_views as views

urlpatterns = [
    path("", views.page_list, name="pages"),
    path("<slug:slug>/", views.page, name="page"),
    path("<slug:slug>/publish/", views.page_publish, name="page-publish"),
    path("<slug:slug>/unpublish/", views.page_unpublish, name="page-unpublish"),
    path("<slug:slug>/history/", views.page_history, name="page-history"),
    path(
        "<slug:slug>/translations/<str:language>/",
        views.page_translation,
        name="page-translation",
    ),
    path(
        "<slug:slug>/translations/<str:language>/preview/",
        views.page_preview,
        name="page-preview",
    ),
    path(
        "<slug:slug>/translations/<str:language>/restore/<int:revision>/",
        views.page_restore,
        name="page-restore",
    ),
]
