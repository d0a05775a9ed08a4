from django.urls import path

from pledges import views

app_name = "pledges"

urlpatterns = [
    path("pledge/", views.pledge, name="pledge"),
    path("pledge/sent/", views.sent, name="sent"),
    path("confirm/new-link/", views.new_link, name="new-link"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
]
