"""Celery tasks of the shared machinery: they take ids, and are safe to run twice."""

from celery import shared_task

from core import mail


@shared_task
def send_outgoing_emails(ids: list[int]) -> int:
    return mail.send_outgoing_emails(ids)


@shared_task
def sweep_outgoing() -> int:
    return mail.sweep_outgoing()
