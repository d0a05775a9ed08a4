# The log of the emails each pledge was sent (kind and time), for the supporter's download.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('pledges', '0002_owner_confirms_and_requests'),
    ]

    operations = [
        migrations.CreateModel(
            name='PledgeEmail',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('', 'Nothing'), ('confirmation', 'Confirmation link'), ('already_pledged', 'Already pledged notice')], max_length=30)),
                ('sent_at', models.DateTimeField()),
                ('pledge', models.ForeignKey(on_delete=django.db.models.deletion.DB_CASCADE, related_name='emails_sent', to='pledges.pledge')),
            ],
        ),
    ]
