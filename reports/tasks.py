"""Celery tasks: they take ids and call reports.services; safe to run twice."""

from celery import shared_task

from reports import rollup, services


@shared_task
def build_export(export_id: int) -> bool:
    return services.build_export(export_id)


@shared_task
def purge_exports() -> int:
    return services.purge_exports()


@shared_task
def weekly_exports() -> int:
    return services.weekly_exports()


@shared_task
def refresh_daily_counts() -> dict:
    return rollup.refresh()


@shared_task
def daily_counts_changed() -> None:
    """Queued by pledges after a change to a closed day commits."""
    rollup.mark_stale()
