from django.apps import AppConfig


class MailingsConfig(AppConfig):
    name = "mailings"
    verbose_name = "Mailings"

    def ready(self) -> None:
        # Registers the tasks with Celery in the web process too, where work is
        # queued by task name (core.queue) without importing the tasks module.
        from mailings import tasks, webhooks  # noqa: F401

        # Bounces and complaints from the mail provider's tracking webhook.
        webhooks.connect()
