from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Machinery every app may use (shared pages, the task queue seam, owed
    emails, job leases). It imports no app of ours."""

    name = "core"
