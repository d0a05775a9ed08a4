"""Campaign updates in the staff area: write one for an audience, preview it,
test-send it to yourself, send it now or schedule it, watch it go out.

An organiser writes to anyone; a moderator only to their own countries. The
audience is not in the URL, so `staff_view` checks only the action; then
`update_view` opens the update (services.open_update), before the method is
checked, so a moderator learns no more of another country's update than a
403, as of another country's page. Every service checks the audience again
(PermissionDenied: a 403, and nothing saved or sent).
"""

from functools import wraps

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.cache import add_never_cache_headers
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_http_methods

from accounts.decorators import staff_view
from core import editing
from mailings import services
from mailings.models import Mailing
from mailings.staff_forms import SendForm, SendToMeForm, UpdateForm

ACTION = services.ACTION
GET = ("GET", "HEAD")
GET_AND_POST = ("GET", "HEAD", "POST")
# staff_view lets every method through to update_view, which checks it later.
ANY_METHOD = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

# The preview is the email's own HTML, inline styles and all: let those apply,
# and nothing else run or load but our images. `sandbox` keeps even a
# sanitiser's miss from acting as our site (no script, no form, no cookie).
PREVIEW_CSP = {
    "default-src": [CSP.NONE],
    "style-src": [CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "sandbox": True,
}


def update_view(methods: tuple[str, ...] = GET):
    """A page of one update: the view gets the Mailing, once the actor may
    open it (404 if there is none, 403 if its audience is not theirs)."""

    def decorator(view):
        allowed_methods = require_http_methods(list(methods))(view)

        @staff_view(ACTION, methods=ANY_METHOD)
        @wraps(view)
        def wrapped(request, update, **kwargs):
            try:
                mailing = services.open_update(request.user, update)
            except Mailing.DoesNotExist:
                raise Http404 from None
            return allowed_methods(request, mailing, **kwargs)

        return wrapped

    return decorator


@staff_view(ACTION)
def update_list(request):
    updates = (
        services.updates_for(request.user).prefetch_related("texts").order_by("-created_at", "-pk")
    )
    return render(request, "mailings/staff/update_list.html", {"updates": updates})


@staff_view(ACTION, methods=GET_AND_POST)
def update_new(request):
    if request.method != "POST":
        return _edit_page(request, None, UpdateForm(actor=request.user))
    form = UpdateForm(request.POST, actor=request.user)
    if not form.is_valid():
        return _edit_page(request, None, form, status=400)
    mailing = services.save_update(request.user, mailing=None, **form.update_data())
    messages.success(request, _("The update is saved as a draft. Nothing is sent yet."))
    return redirect("staff:update", update=mailing.pk)


@update_view(GET_AND_POST)
def update(request, mailing):
    if request.method != "POST":
        form = UpdateForm(initial=UpdateForm.initial_for(mailing), actor=request.user)
        return _edit_page(request, mailing, form)
    if mailing.state not in services.EDITABLE:
        messages.error(request, _("This update is no longer a draft: it cannot change."))
        return redirect("staff:update", update=mailing.pk)
    form = UpdateForm(request.POST, actor=request.user)
    if not form.is_valid():
        return _edit_page(request, mailing, form, status=400)
    services.save_update(request.user, mailing=mailing, **form.update_data())
    messages.success(request, _("The update is saved. Nothing is sent yet."))
    return redirect("staff:update", update=mailing.pk)


def _edit_page(request, mailing, form, status=200, send_to_me_form=None, send_form=None):
    context = {"mailing": mailing, "form": form}
    if mailing is not None:
        texts = list(mailing.texts.all())
        context.update(
            {
                "editable": mailing.state in services.EDITABLE,
                "previews": [
                    {
                        "name": editing.language_name(text.language),
                        "subject": text.subject,
                        "language": text.language,
                        "url": reverse("staff:update-preview", args=[mailing.pk, text.language]),
                    }
                    for text in texts
                ],
                "send_to_me_form": send_to_me_form or SendToMeForm(mailing=mailing),
                "send_form": send_form or SendForm(),
            }
        )
    return render(request, "mailings/staff/update.html", context, status=status)


@never_cache
@update_view()
@csp_override(PREVIEW_CSP)
def update_preview(request, mailing, language):
    editing.check_language(language)
    if not mailing.texts.filter(language=language).exists():
        raise Http404
    html = services.preview_html(request.user, mailing, language)
    response = HttpResponse(html)
    response["Content-Language"] = language
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@update_view(("POST",))
def update_send_to_me(request, mailing):
    form = SendToMeForm(request.POST, mailing=mailing)
    if not form.is_valid():
        return _edit_page(request, mailing, _form_of(mailing, request), 400, send_to_me_form=form)
    services.test_send(request.user, mailing, form.cleaned_data["language"])
    messages.success(
        request,
        _("A test is on its way to %(address)s. No supporter gets it.")
        % {"address": request.user.email},
    )
    return redirect("staff:update", update=mailing.pk)


@update_view(("POST",))
def update_send(request, mailing):
    form = SendForm(request.POST)
    if not form.is_valid():
        return _edit_page(request, mailing, _form_of(mailing, request), 400, send_form=form)
    at = form.send_at()
    if not services.send_update(request.user, mailing, at=at):
        messages.error(
            request, _("This update cannot be sent: it has no text, or it was sent already.")
        )
        return redirect("staff:update", update=mailing.pk)
    if at is not None:
        messages.success(
            request,
            _("The update is scheduled for %(when)s UTC.")
            % {"when": formats.date_format(at, "DATETIME_FORMAT")},
        )
        return redirect("staff:update", update=mailing.pk)
    return redirect("staff:update-progress", update=mailing.pk)


def _form_of(mailing, request):
    return UpdateForm(initial=UpdateForm.initial_for(mailing), actor=request.user)


@update_view(("POST",))
def update_unschedule(request, mailing):
    if services.unschedule(request.user, mailing):
        messages.success(request, _("The update is a draft again: it will not be sent."))
    else:
        messages.info(request, _("The update was not scheduled."))
    return redirect("staff:update", update=mailing.pk)


def _progress(mailing: Mailing) -> dict:
    """services.progress, and the sentence that says it, for the page and the
    script alike (so the script needs no words of its own)."""
    progress = services.progress(mailing)
    progress["text"] = _progress_text(mailing, progress)
    # The script polls only while there is something to watch.
    progress["polling"] = progress["state"] in (Mailing.State.SCHEDULED, Mailing.State.SENDING)
    # Until the recipients are counted, the bar has no value: it is indeterminate.
    progress["counted"] = mailing.fanned_out_at is not None
    return progress


def _progress_text(mailing: Mailing, progress: dict) -> str:
    state, total, done = progress["state"], progress["total"], progress["done"]
    if state == Mailing.State.DRAFT:
        return _("A draft: not sent.")
    if state == Mailing.State.SCHEDULED:
        return _("Scheduled for %(when)s UTC.") % {
            "when": formats.date_format(mailing.scheduled_for, "DATETIME_FORMAT")
        }
    if state == Mailing.State.SENDING and mailing.fanned_out_at is None:
        return _("Sending: counting the recipients…")
    values = {"done": done, "total": total, "percent": progress["percent"]}
    if state == Mailing.State.SENDING:
        return (
            ngettext(
                "Sending: %(done)s of %(total)s email sent (%(percent)s%%).",
                "Sending: %(done)s of %(total)s emails sent (%(percent)s%%).",
                total,
            )
            % values
        )
    if not total:
        return _("Finished: nobody was in the audience.")
    # Those not sent had unsubscribed meanwhile, or their address failed.
    return ngettext(
        "Finished: %(sent)s of %(total)s email sent.",
        "Finished: %(sent)s of %(total)s emails sent.",
        total,
    ) % {"sent": progress["sent"], "total": total}


@update_view()
def update_progress(request, mailing):
    context = {"mailing": mailing, "progress": _progress(mailing)}
    response = render(request, "mailings/staff/progress.html", context)
    # Reloading (the Refresh link, without JavaScript) must show the count now.
    add_never_cache_headers(response)
    return response


@never_cache
@update_view()
def update_progress_json(request, mailing):
    progress = _progress(mailing)
    keys = ("state", "total", "done", "percent", "text", "polling", "counted")
    return JsonResponse({key: progress[key] for key in keys})
