from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Machinery every app may use (shared pages, the task queue seam, owed
    emails, job leases). It imports no app of ours."""

    name = "core"

    def ready(self) -> None:
        # Registers the tasks with Celery in the web process too, where work is
        # queued by task name (core.queue) without importing the tasks module.
        from core import tasks  # noqa: F401
