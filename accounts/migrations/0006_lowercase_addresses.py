"""Addresses in lower case, as allauth keeps them (its migration
account.0006_emailaddress_lower did the same once): supporters' accounts made
before accounts.services.ensure_supporter_account lower-cased the address kept
its local part's case, and lookups are now on the lower-case address alone."""

from django.db import migrations
from django.db.models.functions import Lower


def lower_case(apps, schema_editor):
    db = schema_editor.connection.alias
    EmailAddress = apps.get_model("account", "EmailAddress")
    User = apps.get_model("accounts", "User")
    EmailAddress.objects.using(db).exclude(email=Lower("email")).update(email=Lower("email"))
    User.objects.using(db).exclude(email=Lower("email")).update(email=Lower("email"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_review_action"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    # Nothing to undo: the case of an address never told anything apart.
    operations = [migrations.RunPython(lower_case, migrations.RunPython.noop)]
