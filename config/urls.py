from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from accounts import views as account_views
from api import v1 as api_v1
from campaign import views as campaign_views
from campaign.sitemaps import CountriesSitemap, PagesSitemap
from core import errors
from core import views as core_views
from pages.sitemaps import LearnSitemap
from widgets import views as widget_views

SITEMAPS = {"pages": PagesSitemap, "learn": LearnSitemap, "countries": CountriesSitemap}

# allauth answers with this when one of its rate limits refuses a request (Django
# itself has no 429 handler): our 429 page, as for our own limits.
handler429 = "abuse.views.too_many_requests"

urlpatterns = [
    path("robots.txt", campaign_views.robots_txt, name="robots-txt"),
    path("favicon.ico", campaign_views.favicon, name="favicon"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    # The open data API and its OpenAPI document (api/v1.py); not translated.
    path("api/v1/", api_v1.urlpatterns()),
    path("healthz", campaign_views.healthz, name="healthz"),
    path("readyz", campaign_views.readyz, name="readyz"),
    path("media/<path:path>", core_views.media, name="media"),
    # The only paths other sites may frame (widgets/views.py).
    path("embed/", include("widgets.urls")),
    # The mail provider's tracking webhook, e.g. /webhooks/email/mailgun/tracking/
    # (django-anymail's views and paths; only the configured provider answers).
    path("webhooks/email/", include("mailings.webhook_urls")),
]

urlpatterns += i18n_patterns(
    path("", include("campaign.urls")),
    path("", include("pledges.urls")),
    path("", include("pages.urls")),
    path("", include("badges.urls")),
    path("", include("sharing.urls")),
    path("", include("mailings.urls")),
    path("my-pledge/", account_views.my_pledge, name="my-pledge"),
    path("my-pledge/badge/", account_views.my_badge, name="my-badge"),
    path("my-pledge/my-data.json", account_views.download_my_data, name="my-data"),
    path("my-pledge/delete/", account_views.delete_my_data, name="delete-my-data"),
    path("accounts/", include("allauth.urls")),
    path("staff/", include("accounts.urls")),
    path("widgets/", widget_views.snippets, name="widgets"),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)

# Django's error views read a refused POST body again; ours do not (core/errors.py).
handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
