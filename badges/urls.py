from django.urls import path

from badges import views

app_name = "badges"

urlpatterns = [
    path("badge/<uuid:public_id>/", views.page, name="page"),
    path("badge/<uuid:public_id>.svg", views.svg, name="svg"),
    path("badge/<uuid:public_id>.png", views.png, name="png"),
    path("badge/<uuid:public_id>/share.png", views.share_png, name="share-png"),
]
