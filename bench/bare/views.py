from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from bench.bare.forms import BareForm
from bench.bare.models import BareSignature


@require_http_methods(["GET", "POST"])
def sign(request):
    if request.method == "POST":
        form = BareForm(request.POST)
        if form.is_valid():
            BareSignature.objects.create(**form.cleaned_data)
            return redirect("bench-bare-done")
        return render(request, "bench_bare/sign.html", {"form": form}, status=400)
    return render(request, "bench_bare/sign.html")


@require_GET
def done(request):
    return HttpResponse("Thank you.", content_type="text/plain")
