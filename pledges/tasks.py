"""Celery tasks: they take ids, call services, and are safe to run twice."""

from celery import shared_task

from pledges import counting, services


@shared_task
def apply_requests(request_ids: list[int]) -> int:
    """Apply received signatures and link requests, then send what they owe."""
    # An email that fails stays owed, marked queued now: the sweep hands it out again.
    return services.send_pledge_emails(services.apply_requests(request_ids))


@shared_task
def apply_waiting() -> int:
    """Apply every received request waiting, then send what they owe."""
    return services.apply_waiting()


@shared_task
def send_pledge_emails(pledge_ids: list[int]) -> int:
    return services.send_pledge_emails(pledge_ids)


@shared_task
def sweep() -> dict[str, int]:
    return services.sweep()


@shared_task
def reconcile_counts() -> dict[str, int]:
    return counting.reconcile_counts()


@shared_task
def purge_stale() -> dict[str, int]:
    return services.purge_stale()
