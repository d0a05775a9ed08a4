from django.apps import AppConfig


class ReportsConfig(AppConfig):
    # No verbose name yet: nothing of this app is shown to anyone so far.
    name = "reports"
