from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    name = "accounts"
    default = True


class BlueHeartAdminConfig(admin_apps.AdminConfig):
    """Django's admin with our site: administrators with MFA only."""

    default = False
    default_site = "accounts.admin_site.BlueHeartAdminSite"
