"""Milestones already passed when milestone emails arrived are recorded as
passed, without an email: nobody is told today about a count passed long ago.
And the one welcome mailing, always sending, to which each confirmation adds
its supporter."""

from django.conf import settings
from django.db import migrations
from django.db.models import Sum
from django.utils import timezone


def record(apps, schema_editor):
    Mailing = apps.get_model("mailings", "Mailing")
    CountShard = apps.get_model("pledges", "CountShard")
    db = schema_editor.connection.alias
    now = timezone.now()
    totals = {
        row["country"]: row["total"] or 0
        for row in CountShard.objects.using(db).values("country").annotate(total=Sum("count"))
    }
    passed = [("world", "", sum(totals.values()))]
    passed += [(code, code, total) for code, total in totals.items()]
    rows = [
        Mailing(
            kind="milestone", key=f"{scope}:{value}", country=country, state="passed",
            created_at=now,
        )
        for scope, country, total in passed
        for value in settings.MILESTONES
        if total >= value
    ]
    rows.append(
        Mailing(kind="welcome", key="welcome", state="sending", created_at=now, fanned_out_at=now)
    )
    Mailing.objects.using(db).bulk_create(rows, ignore_conflicts=True)


def unrecord(apps, schema_editor):
    Mailing = apps.get_model("mailings", "Mailing")
    Mailing.objects.using(schema_editor.connection.alias).filter(
        kind__in=["milestone", "welcome"], deliveries__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("mailings", "0001_initial"),
        ("pledges", "0008_country_news"),
    ]

    operations = [migrations.RunPython(record, unrecord)]
