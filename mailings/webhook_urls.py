"""The mail provider's tracking webhook, at /webhooks/email/<provider>/tracking/:
anymail's views, under anymail's own paths and names (mailings/webhooks.py
receives what they report).

Only the provider EMAIL_URL names answers, and only with EMAIL_WEBHOOK_SECRET
set (production requires it): anyone could post to an open webhook and silence
any address.
"""

import functools

from anymail.webhooks.amazon_ses import AmazonSESTrackingWebhookView
from anymail.webhooks.mailgun import MailgunTrackingWebhookView
from anymail.webhooks.postmark import PostmarkTrackingWebhookView
from anymail.webhooks.sendgrid import SendGridTrackingWebhookView
from django.conf import settings
from django.http import Http404, HttpResponse
from django.urls import path

# EMAIL_URL's scheme: the path under /webhooks/email/ and the view.
TRACKING_VIEWS = {
    "mailgun": ("mailgun/tracking/", MailgunTrackingWebhookView),
    "postmark": ("postmark/tracking/", PostmarkTrackingWebhookView),
    "sendgrid": ("sendgrid/tracking/", SendGridTrackingWebhookView),
    "ses": ("amazon_ses/tracking/", AmazonSESTrackingWebhookView),
}


def _only_when_configured(scheme: str, view):
    """The view, answering only when EMAIL_URL names this provider and the
    webhook's secret is set; otherwise 404, as if it were not there. A request
    without credentials is asked for them (401), as HTTP says and as Amazon SNS
    needs before it sends them; wrong ones are anymail's to refuse (400)."""

    @functools.wraps(view)  # keeps anymail's csrf_exempt on the view
    def guarded(request, *args, **kwargs):
        if scheme != settings.MAIL_PROVIDER or not settings.ANYMAIL.get("WEBHOOK_SECRET"):
            raise Http404
        if request.method == "POST" and "authorization" not in request.headers:
            response = HttpResponse(status=401)
            response["WWW-Authenticate"] = 'Basic realm="email webhook"'
            return response
        return view(request, *args, **kwargs)

    return guarded


app_name = "anymail"  # anymail's own names, so its reverse("anymail:…") works too
urlpatterns = [
    path(
        route,
        _only_when_configured(scheme, view.as_view()),
        name=f"{route.split('/')[0]}_tracking_webhook",
    )
    for scheme, (route, view) in TRACKING_VIEWS.items()
]
