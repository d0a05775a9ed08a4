"""The product's routes plus the bare baseline under /bench/bare/."""

from django.urls import path

from bench.bare import views as bare_views
from config.urls import urlpatterns as product_urlpatterns

urlpatterns = [
    path("bench/bare/", bare_views.sign, name="bench-bare"),
    path("bench/bare/done/", bare_views.done, name="bench-bare-done"),
    *product_urlpatterns,
]
