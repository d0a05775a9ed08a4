"""The review of suspect pledges (/staff/review/), administrators only: thin
views over abuse.review. The list and the preview change nothing (GET); the
action is a POST of the same criteria, answered with a redirect to the list."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache

from abuse import review
from abuse.review_forms import CriteriaForm, ReviewForm
from accounts.decorators import staff_view

ACTION = "review_suspects"


def _page(request, form, status=200):
    context = {"form": form, "suspects": review.suspects(), "short_key": review.SHORT_KEY}
    return render(request, "abuse/staff/review.html", context, status=status)


@never_cache
@staff_view(ACTION)
def review_page(request):
    return _page(request, CriteriaForm())


@never_cache
@staff_view(ACTION)
def preview(request):
    """What restoring and what invalidating the pledges matching would change."""
    form = CriteriaForm(request.GET)
    if not form.is_valid():
        return _page(request, form, status=400)
    criteria = form.criteria()
    context = {
        "form": form,
        "previews": [review.preview(action, criteria) for action in review.Action],
        # Sent again, as given, with the action its button chooses.
        "criteria": [(name, request.GET[name]) for name in form.fields if request.GET.get(name)],
    }
    return render(request, "abuse/staff/preview.html", context)


@staff_view(ACTION, methods=("POST",))
def apply(request):
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    logged = review.review(request.user, form.cleaned_data["action"], form.criteria())
    change = f"{logged.counted_delta:+d}"
    if logged.action == review.Action.RESTORE:
        text = ngettext(
            "%(n)d pledge restored; the counts changed by %(change)s.",
            "%(n)d pledges restored; the counts changed by %(change)s.",
            logged.pledges_changed,
        )
    else:
        text = ngettext(
            "%(n)d pledge invalidated; the counts changed by %(change)s.",
            "%(n)d pledges invalidated; the counts changed by %(change)s.",
            logged.pledges_changed,
        )
    messages.success(request, text % {"n": logged.pledges_changed, "change": change})
    return redirect("staff:review")
