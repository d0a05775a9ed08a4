from django.urls import path

import campaign.converters  # noqa: F401  (registers <iso2:…>)
from campaign import views

app_name = "campaign"

urlpatterns = [
    path("", views.home, name="home"),
    path("privacy/", views.privacy, name="privacy"),
    # Before countries/<iso2>/…: a link's token is never two letters, but say it plainly.
    path("countries/notify/<str:token>/", views.launch_confirm, name="launch-confirm"),
    path("countries/<iso2:iso2>/notify/", views.launch_signup, name="launch-signup"),
    path("countries/<iso2:iso2>/notify/sent/", views.launch_signup_sent, name="launch-signup-sent"),
    path("countries/", views.countries, name="countries"),
    path("countries/<iso2:iso2>/", views.country, name="country"),
    path("countries/<iso2:iso2>/wall/", views.country_wall, name="country-wall"),
    path("countries/<iso2:iso2>/wall/<int:page>/", views.country_wall, name="country-wall-page"),
]
