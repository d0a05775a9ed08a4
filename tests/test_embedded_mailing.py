"""On the embedded default (SQLite, tasks in-process, no broker), a confirmed
supporter gets the welcome and an update reaches those who asked for news:
the fan-out's INSERT ... SELECT and the claims work on SQLite, and a chain of
batches runs as a loop, not a recursion (core.queue)."""

from pathlib import Path

from tests.subprocess_django import run_script

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import json

import django

django.setup()
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

call_command("migrate", verbosity=0)

from accounts.models import User
from mailings import services
from mailings.models import Delivery
from pledges.models import Pledge
from pledges.services import confirm_pledge

with override_settings(MAILING_BATCH_SIZE=2):  # several batches, chained
    for n, wants in enumerate([True, True, False, True, True]):
        pledge = Pledge.objects.create(
            email=f"s{n}@example.org", display_name=f"S{n}", country="PT", language="en",
            signed_at=timezone.now(),
        )
        confirm_pledge(pledge, display_name=f"S{n}", country="PT", wants_updates=wants,
                       language="pt" if n % 2 else "en", wording_version="1")
    organiser = User.objects.create_superuser("olga", "olga@example.org", None)
    update = services.save_update(
        organiser, mailing=None, country="", language="",
        texts={"en": ("News", "Hello."), "pt": ("Novidades", "Olá.")},
    )
    with transaction.atomic():
        services.send_update(organiser, update)

by_subject = {}
for message in mail.outbox:
    by_subject.setdefault(message.subject, []).append(message.to[0])
states = sorted(set(Delivery.objects.values_list("state", flat=True)))
update.refresh_from_db()
print(json.dumps({"subjects": by_subject, "states": states, "update": update.state}))
"""


def test_the_welcome_and_an_update_go_out_on_the_embedded_default(tmp_path):
    result = run_script(
        SCRIPT, DATABASE_URL=f"sqlite:///{tmp_path / 'embedded.sqlite3'}", EMAIL_URL="memory://"
    )
    subjects = result["subjects"]
    welcomes = subjects.pop("Welcome to the Blue Heart Campaign") + subjects.pop(
        "Boas-vindas à Campanha Coração Azul"
    )
    assert sorted(welcomes) == [f"s{n}@example.org" for n in range(5)]
    # s2 did not ask for news; the others get it once, in their language.
    assert subjects == {
        "News": ["s0@example.org", "s4@example.org"],
        "Novidades": ["s1@example.org", "s3@example.org"],
    }
    assert result["states"] == ["sent"]
    assert result["update"] == "sent"
