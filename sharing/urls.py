from django.urls import path

import campaign.converters  # noqa: F401  (registers <iso2:…>)
from sharing import views

app_name = "sharing"

urlpatterns = [
    path("share/site.png", views.site, name="site"),
    path("share/countries/<iso2:iso2>.png", views.country, name="country"),
]
