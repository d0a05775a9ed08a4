"""Every supporter gets a number that never moves.

Until now a badge's number was the pledge's rank by (confirmed_at, id), and an
erasure (which keeps only the day of confirmed_at) could move an erased row
ahead of that day's later confirmations. Existing supporters keep the number
their badge shows today; new ones draw theirs when they confirm (Pledge.confirm).
"""

from django.db import migrations, models

SEQUENCE = "pledges_pledge_supporter_number_seq"
BATCH = 2000


def number_supporters(apps, schema_editor):
    Pledge = apps.get_model("pledges", "Pledge")
    confirmed = (
        Pledge.objects.using(schema_editor.connection.alias)
        .filter(confirmed_at__isnull=False)
        .order_by("confirmed_at", "id")
        .only("id")
    )
    batch = []
    for number, pledge in enumerate(confirmed.iterator(chunk_size=BATCH), start=1):
        pledge.supporter_number = number
        batch.append(pledge)
        if len(batch) == BATCH:
            Pledge.objects.bulk_update(batch, ["supporter_number"])
            batch = []
    Pledge.objects.bulk_update(batch, ["supporter_number"])


def create_sequence(apps, schema_editor):
    # PostgreSQL only: SQLite numbers by max + 1 under its single writer.
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE SEQUENCE {SEQUENCE} AS bigint MINVALUE 1 OWNED BY pledges_pledge.supporter_number"
    )
    schema_editor.execute(
        f"SELECT setval('{SEQUENCE}', COALESCE(MAX(supporter_number), 0) + 1, false)"
        " FROM pledges_pledge"
    )


def drop_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")


class Migration(migrations.Migration):
    dependencies = [
        ("pledges", "0006_wall_and_badge"),
    ]

    operations = [
        migrations.AddField(
            model_name="pledge",
            name="supporter_number",
            field=models.PositiveBigIntegerField(
                blank=True,
                editable=False,
                null=True,
                unique=True,
                verbose_name="supporter number",
            ),
        ),
        migrations.RunPython(number_supporters, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(create_sequence, drop_sequence, elidable=False),
    ]
