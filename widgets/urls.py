"""The widgets other sites embed: outside the language prefixes, as the
language is the embedding site's choice (?lang=), not the visitor's."""

from django.urls import path

from widgets import views

app_name = "embed"

urlpatterns = [
    path("counter/", views.counter, name="counter"),
    path("count.svg", views.count_svg, name="count-svg"),
]
