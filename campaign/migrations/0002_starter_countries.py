"""Starter content: the two countries the campaign source names.

Spain joined in June 2010, during its EU Presidency, the first in Europe;
Portugal's launch was announced for April 2021. Their pages are filled in by
moderators; this only makes sure every fresh database has them.
"""

import datetime

from django.db import migrations

STARTER_COUNTRIES = [
    ("ES", "launched", datetime.date(2010, 6, 1)),
    ("PT", "announced", datetime.date(2021, 4, 1)),
]


def add_countries(apps, schema_editor):
    Country = apps.get_model("campaign", "Country")
    for code, status, launch_month in STARTER_COUNTRIES:
        Country.objects.get_or_create(
            code=code, defaults={"status": status, "launch_month": launch_month}
        )


def remove_countries(apps, schema_editor):
    Country = apps.get_model("campaign", "Country")
    Country.objects.filter(code__in=[code for code, _s, _m in STARTER_COUNTRIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("campaign", "0001_initial")]

    operations = [migrations.RunPython(add_countries, remove_countries)]
