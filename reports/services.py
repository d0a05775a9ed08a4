"""Exports too large for a request, and weekly ones: built by a worker into
MEDIA_ROOT/exports/<random token>.<format>, offered by an emailed link to
their owner alone, deleted after EXPORT_KEPT_FOR by the daily purge."""

import logging
import secrets
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.rules import can, countries_in_scope
from core import queue
from core.mail import queue_email
from reports import emails, exports
from reports.models import Export, WeeklyExport

logger = logging.getLogger(__name__)

BUILD_TASK = "reports.tasks.build_export"
EXPORT_KEPT_FOR = timedelta(hours=24)
EXPORT_DIR = "exports"


def stream_max_rows() -> int:
    return getattr(settings, "EXPORT_STREAM_MAX_ROWS", 200_000)


def countries_for(user, country: str = "") -> frozenset[str] | None:
    """The countries whose counts `user` may export, narrowed to `country` if
    given: None for all. PermissionDenied for a country not theirs."""
    if country:
        if not can(user, "export", country):
            raise PermissionDenied
        return frozenset({country.upper()})
    if not can(user, "export"):
        raise PermissionDenied
    return countries_in_scope(user, "export")


def is_large(kind: str, start: date, end: date, countries) -> bool:
    return exports.estimate(kind, start, end, countries) > stream_max_rows()


def request_export(user, *, kind, fmt, start, end, country, language, now=None) -> Export:
    """Record an export for a worker to build; the task is queued once the
    row is committed (if the broker is down, nothing is lost but the file:
    the organiser asks again)."""
    countries_for(user, country)  # refuse before recording anything
    now = now or timezone.now()
    export = Export.objects.create(
        owner=user,
        kind=kind,
        format=fmt,
        start=start,
        end=end,
        country=country.upper(),
        language=language,
        token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + EXPORT_KEPT_FOR,
    )
    transaction.on_commit(lambda: queue.publish(BUILD_TASK, export.pk))
    return export


def file_path(export: Export) -> Path:
    return Path(settings.MEDIA_ROOT) / export.path


def build_export(export_id: int, now: datetime | None = None) -> bool:
    """Write the export's file and email its link to the owner; safe to run twice."""
    now = now or timezone.now()
    export = Export.objects.filter(pk=export_id, built_at__isnull=True).first()
    if export is None or export.expires_at <= now:
        return False
    try:
        # The owner's scope now, not when they asked: a role may have gone since.
        countries = countries_for(export.owner, export.country)
    except PermissionDenied:
        logger.info("export %s not built: its owner may no longer export it", export.pk)
        export.delete()
        return False
    relative = f"{EXPORT_DIR}/{export.token}.{export.format}"
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".part")
    data = exports.rows(export.kind, export.start, export.end, countries)
    try:
        exports.write_file(export.kind, export.format, data, str(partial))
        partial.replace(target)  # whole or absent: never half a file behind the link
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    with transaction.atomic():
        claimed = Export.objects.filter(pk=export.pk, built_at__isnull=True).update(
            path=relative, built_at=now
        )
        if claimed:
            export.refresh_from_db()
            queue_email(emails.export_ready(export), own=True)
    return bool(claimed)


def purge_exports(now: datetime | None = None) -> int:
    """Delete expired exports and their files, and any file older than
    EXPORT_KEPT_FOR that no export row names (its owner's account deleted, a
    worker killed mid-build). Returns how many exports expired."""
    now = now or timezone.now()
    expired = list(Export.objects.filter(expires_at__lte=now))
    for export in expired:
        delete_file(export)
    Export.objects.filter(pk__in=[export.pk for export in expired]).delete()
    folder = Path(settings.MEDIA_ROOT) / EXPORT_DIR
    if folder.is_dir():
        old = (now - EXPORT_KEPT_FOR).timestamp()
        files = [file for file in folder.iterdir() if file.stat().st_mtime < old]
        # A token never holds a dot (token_urlsafe): the name up to the first is it.
        tokens = {file.name.split(".", 1)[0] for file in files}
        known = set(Export.objects.filter(token__in=tokens).values_list("token", flat=True))
        for file in files:
            if file.name.split(".", 1)[0] not in known:
                file.unlink(missing_ok=True)
    return len(expired)


def delete_file(export: Export) -> None:
    if export.path:
        file_path(export).unlink(missing_ok=True)


def week_key(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def last_week(now: datetime) -> tuple[date, date]:
    """Monday to Sunday of the UTC week before the one `now` is in."""
    monday = now.date() - timedelta(days=now.weekday())
    return monday - timedelta(days=7), monday - timedelta(days=1)


def weekly_exports(now: datetime | None = None) -> int:
    """Build and email each active weekly export once for last week, however
    often the beat calls. Returns how many were built."""
    now = now or timezone.now()
    week = week_key(now)
    start, end = last_week(now)
    built = 0
    for subscription in WeeklyExport.objects.filter(active=True).exclude(last_week=week):
        # Claimed first, so a second beat (or a rerun) builds nothing twice.
        if (
            not WeeklyExport.objects.filter(pk=subscription.pk)
            .exclude(last_week=week)
            .update(last_week=week)
        ):
            continue
        if not can(subscription.owner, "export"):
            continue
        export = Export.objects.create(
            owner=subscription.owner,
            kind=subscription.kind,
            format=subscription.format,
            start=start,
            end=end,
            language=subscription.language,
            token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + EXPORT_KEPT_FOR,
        )
        built += build_export(export.pk, now)
    return built
