"""Celery tasks: they take ids, call services, and are safe to run twice."""

from celery import shared_task

from campaign import services


@shared_task
def apply_launch_requests(request_ids: list[int]) -> int:
    """Apply received launch sign-ups, then send what they owe."""
    # An email that fails stays owed: the sweep hands it out again.
    return services.send_launch_signup_emails(services.apply_launch_requests(request_ids))


@shared_task
def send_launch_signup_emails(subscription_ids: list[int]) -> int:
    return services.send_launch_signup_emails(subscription_ids)


@shared_task
def send_launch_emails() -> dict[str, int]:
    return services.send_launch_emails()


@shared_task
def sweep() -> dict[str, int]:
    return services.sweep()


@shared_task
def purge_launch_signups() -> dict[str, int]:
    return services.purge_launch_signups()
