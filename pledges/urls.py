from django.urls import path

from pledges import views

app_name = "pledges"

urlpatterns = [
    path("pledge/", views.pledge, name="pledge"),
    path("pledge/sent/", views.sent, name="sent"),
    path("confirm/new-link/", views.new_link, name="new-link"),
    path("confirm/wall-choice/", views.wall_choice, name="wall-choice"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("wall/", views.supporters_wall, name="wall"),
    path("wall/<int:page>/", views.supporters_wall, name="wall-page"),
]
