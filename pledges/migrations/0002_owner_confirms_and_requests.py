import django_countries.fields
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pledges", "0001_initial"),
    ]

    operations = [
        migrations.RenameField("pledge", "pledged_at", "signed_at"),
        migrations.AlterField(
            model_name="pledge",
            name="signed_at",
            field=models.DateTimeField(verbose_name="signed at"),
        ),
        migrations.AlterField(
            model_name="pledge",
            name="wording_version",
            field=models.CharField(
                blank=True, max_length=20, verbose_name="pledge wording version"
            ),
        ),
        migrations.AlterField(
            model_name="pledge",
            name="email_due",
            field=models.CharField(blank=True, default="", max_length=30),
        ),
        migrations.AddField(
            model_name="pledge",
            name="email_queued_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="pledge",
            name="email_claimed_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name="PledgeRequest",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("sign", "Signature"), ("new_link", "New confirmation link")],
                        max_length=10,
                    ),
                ),
                ("email", models.EmailField(max_length=254)),
                ("display_name", models.CharField(blank=True, max_length=100)),
                ("country", django_countries.fields.CountryField(blank=True, max_length=2)),
                ("language", models.CharField(max_length=10)),
                ("received_at", models.DateTimeField()),
                ("queued_at", models.DateTimeField()),
            ],
            options={
                "indexes": [models.Index(fields=["queued_at"], name="pledges_request_queued_idx")],
            },
        ),
    ]
