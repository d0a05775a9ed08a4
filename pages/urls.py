from django.urls import path

from pages import views

app_name = "pages"

urlpatterns = [
    path("learn/", views.index, name="index"),
    path("learn/<slug:slug>/", views.page, name="page"),
]
