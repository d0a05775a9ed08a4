from django.apps import AppConfig


class AbuseConfig(AppConfig):
    """Abuse resistance: who is asking (behind trusted proxies only), how often
    they may ask, and the signals that hold a pledge back from the count until
    an administrator has looked."""

    name = "abuse"
    verbose_name = "Abuse resistance"
