"""Celery tasks: they take ids, call the mailings' services, and are safe to
run twice."""

from celery import shared_task

from mailings import digests, milestones, sending


@shared_task
def fan_out(mailing_id: int) -> int:
    return sending.fan_out(mailing_id)


@shared_task
def send_batch(mailing_id: int) -> dict[str, int]:
    return sending.send_batch(mailing_id)


@shared_task
def sweep() -> dict[str, int]:
    return sending.sweep()


@shared_task
def check_milestones() -> list[str]:
    return milestones.check()


@shared_task
def weekly_digest() -> bool:
    return digests.queue_weekly_digest() is not None


@shared_task
def purge_deliveries() -> int:
    return sending.purge_deliveries()
