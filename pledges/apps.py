from django.apps import AppConfig


class PledgesConfig(AppConfig):
    name = "pledges"

    def ready(self) -> None:
        # Registers the tasks with Celery in the web process too, where work is
        # queued by task name (core.queue) without importing the tasks module.
        from pledges import tasks  # noqa: F401
