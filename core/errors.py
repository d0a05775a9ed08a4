"""The error pages: config/urls.py names these as handler400 to handler500.

Django's own error views run CSRF's check of a POST once more
(requires_csrf_token), and so read its body again. A body Django had just
refused (over 1,000 fields, over 2.5 MB, a broken multipart) then raised inside
the error page, and inside the 500 page after it: a POST of 1,001 fields to a
missing page, or a broken multipart one, was answered by a chain of unhandled
errors or a 500 (found by the fuzz tests, tests/test_fuzz_forms.py).

These render the same templates without that check. CSRF's middleware runs on
every request and has read the cookie before any view, so the sign-out form
in the page's header still gets its token.
"""

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def bad_request(request, exception):
    # Nothing of the exception is shown: it may quote what was sent.
    return render(request, "400.html", status=400)


def permission_denied(request, exception):
    return render(request, "403.html", status=403)


def page_not_found(request, exception):
    return render(request, "404.html", status=404)


def server_error(request):
    # Without the request's context, as Django's: whatever failed must not be
    # needed to say so.
    return HttpResponseServerError(loader.get_template("500.html").render())
