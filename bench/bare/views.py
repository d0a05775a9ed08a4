"""The bare baseline: a CSRF-protected form whose POST inserts one row.

Its form page is served the cheapest honest way, as the product serves its
shared pages (core/shared_pages.py): rendered once per process, then each copy
carries the visitor's own CSRF token. So the sign benchmark's ratio measures
signing, not templates. An invalid POST is rendered afresh (with its errors).
"""

import secrets

from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_http_methods

from bench.bare.forms import BareForm
from bench.bare.models import BareSignature

# Random per process, so no page text can contain it by chance.
CSRF_SLOT = f"csrf-slot-{secrets.token_hex(16)}"
_page: str | None = None  # the form page, rendered once per process


def _form_page(request) -> HttpResponse:
    global _page  # a per-process copy, as the product keeps its own
    if _page is None:
        _page = render_to_string("bench_bare/sign.html", {"csrf_token": CSRF_SLOT}, request)
    return HttpResponse(_page.replace(CSRF_SLOT, get_token(request)))


@require_http_methods(["GET", "POST"])
def sign(request):
    if request.method == "POST":
        form = BareForm(request.POST)
        if form.is_valid():
            BareSignature.objects.create(**form.cleaned_data)
            return redirect("bench-bare-done")
        return render(request, "bench_bare/sign.html", {"form": form}, status=400)
    return _form_page(request)


@require_GET
def done(request):
    return HttpResponse("Thank you.", content_type="text/plain")
