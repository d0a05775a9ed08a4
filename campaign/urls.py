from django.urls import path

from campaign import views

app_name = "campaign"

urlpatterns = [
    path("", views.home, name="home"),
    path("privacy/", views.privacy, name="privacy"),
    path("countries/", views.countries, name="countries"),
    path("countries/<str:iso2>/", views.country, name="country"),
]
