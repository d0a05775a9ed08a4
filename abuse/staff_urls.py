"""The review of suspect pledges, under /staff/review/ in the staff namespace."""

from django.urls import path

from abuse import staff_views as views

urlpatterns = [
    path("", views.review_page, name="review"),
    path("preview/", views.preview, name="review-preview"),
    path("apply/", views.apply, name="review-apply"),
]
