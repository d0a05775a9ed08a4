"""The one email of exports: the link to a file built for its owner."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse

from core.mail import render_email
from reports import exports
from reports.models import Export


def export_ready(export: Export) -> EmailMessage:
    url = settings.SITE_URL + reverse("staff:export-file", args=[export.token])
    return render_email(
        "reports/emails/export-ready",
        to=export.owner.email,
        language=export.language,
        context={
            "url": url,
            "kind": exports.KINDS[export.kind],
            "format": exports.FORMATS[export.format],
            "start": export.start,
            "end": export.end,
            "expires_at": export.expires_at,
        },
    )
