from django.apps import AppConfig


class CampaignConfig(AppConfig):
    name = "campaign"

    def ready(self) -> None:
        # Registers the tasks with Celery in the web process too, where work is
        # queued by task name (core.queue) without importing the tasks module.
        from campaign import tasks  # noqa: F401
