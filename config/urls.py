from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from campaign import views as campaign_views
from pledges import views as pledge_views

urlpatterns = [
    path("api/v1/counts", pledge_views.counts, name="api-counts"),
    path("healthz", campaign_views.healthz, name="healthz"),
    path("readyz", campaign_views.readyz, name="readyz"),
]

urlpatterns += i18n_patterns(
    path("", include("campaign.urls")),
    path("", include("pledges.urls")),
    path("accounts/", include("allauth.urls")),
    path("staff/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)
