"""A mailing counts what it sent, batch by batch, so the figure outlives the
Delivery rows (deleted 90 days after they finish). Mailings already sent are
counted from their rows."""

from django.db import migrations, models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce


def count_sent(apps, schema_editor):
    Mailing = apps.get_model("mailings", "Mailing")
    Delivery = apps.get_model("mailings", "Delivery")
    sent = (
        Delivery.objects.filter(mailing=OuterRef("pk"))
        .order_by()
        .values("mailing")
        .annotate(n=Count("pk", filter=Q(state="sent")))
        .values("n")
    )
    Mailing.objects.using(schema_editor.connection.alias).filter(
        pk__in=Delivery.objects.values("mailing")
    ).update(sent=Coalesce(Subquery(sent), 0))


class Migration(migrations.Migration):
    dependencies = [
        ("mailings", "0002_passed_milestones_and_welcome"),
    ]

    operations = [
        migrations.AddField(
            model_name="mailing",
            name="sent",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(count_sent, migrations.RunPython.noop),
    ]
