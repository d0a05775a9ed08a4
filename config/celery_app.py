import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
# Celery reads its configuration on every publish, and a key it does not find in
# Django's settings object costs a failed getattr with a traceback each time.
# A plain dict of the CELERY_ settings, taken once when Celery first needs it,
# answers both hits and misses at dict speed.
app.config_from_object("config.celery_app:DJANGO_CELERY_SETTINGS", namespace="CELERY")
app.autodiscover_tasks()


def __getattr__(name: str) -> dict:
    if name == "DJANGO_CELERY_SETTINGS":
        from django.conf import settings

        return {key: getattr(settings, key) for key in dir(settings) if key.startswith("CELERY_")}
    raise AttributeError(name)
