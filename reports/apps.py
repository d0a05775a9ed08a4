from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self):
        # Registers the tasks with Celery in the web process too, where work is
        # queued by task name (core.queue) without importing the tasks module.
        from reports import tasks  # noqa: F401
