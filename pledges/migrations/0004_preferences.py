# What the owner of a confirmed pledge sets on "My pledge": whether to show
# their name publicly, and when (and under which wording) they last chose news.

from django.db import migrations, models


def news_choice_made_on_confirming(apps, schema_editor):
    # Until now the news choice was made once, on the confirmation page, under
    # the pledge's wording version.
    Pledge = apps.get_model("pledges", "Pledge")
    Pledge.objects.filter(confirmed_at__isnull=False).update(
        news_changed_at=models.F("confirmed_at"),
        news_wording_version=models.F("wording_version"),
    )


class Migration(migrations.Migration):

    dependencies = [
        ('pledges', '0003_pledge_email'),
    ]

    operations = [
        migrations.AddField(
            model_name='pledge',
            name='news_changed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='news choice made at'),
        ),
        migrations.AddField(
            model_name='pledge',
            name='news_wording_version',
            field=models.CharField(blank=True, db_default='', default='', max_length=20, verbose_name='news wording version'),
        ),
        migrations.AddField(
            model_name='pledge',
            name='show_publicly',
            field=models.BooleanField(db_default=False, default=False, verbose_name='show name publicly'),
        ),
        migrations.RunPython(news_choice_made_on_confirming, migrations.RunPython.noop),
    ]
