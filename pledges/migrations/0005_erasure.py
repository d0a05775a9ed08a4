# Erasure: an erased pledge keeps no address (NULLs never collide in the unique
# index on lower(email)) and says when it was erased.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('pledges', '0004_preferences'),
    ]

    operations = [
        migrations.AddField(
            model_name='pledge',
            name='erased_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='erased on'),
        ),
        migrations.AlterField(
            model_name='pledge',
            name='email',
            field=models.EmailField(max_length=254, null=True, verbose_name='email'),
        ),
    ]
