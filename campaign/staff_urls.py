"""The moderators' area, under /staff/countries/ in the staff namespace
(included from accounts.urls): `staff:countries`, `staff:country`, …"""

from django.urls import path

# Registers the <iso2:…> converter.
import campaign.converters  # noqa: F401
from campaign import staff_views as views

urlpatterns = [
    path("", views.country_list, name="countries"),
    path("create/", views.country_create, name="country-create"),
    path("<iso2:iso2>/", views.country, name="country"),
    path("<iso2:iso2>/publish/", views.country_publish, name="country-publish"),
    path("<iso2:iso2>/unpublish/", views.country_unpublish, name="country-unpublish"),
    path("<iso2:iso2>/history/", views.country_history, name="country-history"),
    path(
        "<iso2:iso2>/translations/<str:language>/",
        views.country_translation,
        name="country-translation",
    ),
    path(
        "<iso2:iso2>/translations/<str:language>/preview/",
        views.country_preview,
        name="country-preview",
    ),
    path(
        "<iso2:iso2>/translations/<str:language>/restore/<int:revision>/",
        views.country_restore,
        name="country-restore",
    ),
]
