"""The site's URLs plus a stand-in for /my-pledge/, where signing in lands
(LOGIN_REDIRECT_URL), for as long as that page is not in this tree; the tests
check only where signing in redirects to. tests/signin.py uses it only when the
real page is missing, so once it is merged this file can go."""

from django.conf.urls.i18n import i18n_patterns
from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def my_pledge_stand_in(request):
    return HttpResponse("my pledge")


urlpatterns = [
    *site_urlpatterns,
    *i18n_patterns(
        path("my-pledge/", my_pledge_stand_in, name="my-pledge"),
        prefix_default_language=False,
    ),
]
