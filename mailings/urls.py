from django.urls import path

from mailings import views

app_name = "mailings"

urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("email-preferences/<str:token>/", views.preferences, name="preferences"),
]
