"""Celery tasks: they take ids, call services, and are safe to run twice."""

from celery import shared_task

from pledges import counting, services


@shared_task(
    autoretry_for=(Exception,),
    retry_backoff=10,
    retry_backoff_max=300,
    max_retries=5,
)
def send_pledge_email(pledge_id: int) -> bool:
    return services.send_due_email(pledge_id)


@shared_task
def send_unsent_emails() -> int:
    return services.send_unsent_emails()


@shared_task
def reconcile_counts() -> dict[str, int]:
    return counting.reconcile_counts()
