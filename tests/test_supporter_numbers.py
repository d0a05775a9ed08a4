"""Supporter numbers: drawn once when a supporter confirms, never reused and
never moved, on PostgreSQL (a sequence) and on the embedded SQLite default."""

import os
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from psycopg import sql

from pledges.models import Pledge
from tests.conftest import confirm_as_owner, make_pledge
from tests.subprocess_django import run_script as run_in_fresh_interpreter
from tests.test_race import at_once

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_it_numbers_supporters_in_order_of_confirmation():
    first = make_pledge("ana@example.org", "PT")
    pending = make_pledge("bruno@example.org", "ES", confirmed=False)
    second = make_pledge("carla@example.org", "PT")
    # The sequence is shared with other tests: only the step is known.
    assert second.supporter_number == first.supporter_number + 1
    confirm_as_owner(pending)
    pending.refresh_from_db()
    assert pending.supporter_number == second.supporter_number + 1


@pytest.mark.django_db
def test_it_never_moves_a_number_when_a_supporter_erases_their_data():
    # An erased row keeps only the day it confirmed, which would rank it ahead
    # of that day's earlier confirmations: numbers are stored, not ranked.
    early = make_pledge("ana@example.org", "PT")
    late = make_pledge("bruno@example.org", "ES")
    numbers = {early.pk: early.supporter_number, late.pk: late.supporter_number}
    late.erase(now=timezone.now())
    # The erased row keeps its place, so nobody after it can take it.
    assert dict(Pledge.objects.values_list("pk", "supporter_number")) == numbers
    after = make_pledge("carla@example.org", "PT")
    assert after.supporter_number > numbers[late.pk]


@pytest.mark.django_db
def test_it_never_gives_two_supporters_the_same_number():
    first = make_pledge("ana@example.org", "PT")
    second = make_pledge("bruno@example.org", "ES", confirmed=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        Pledge.objects.filter(pk=second.pk).update(supporter_number=first.supporter_number)


@pytest.mark.django_db(transaction=True)
def test_it_gives_twenty_concurrent_confirmations_twenty_numbers_in_a_row():
    pledges = [make_pledge(f"s{n}@example.org", "PT", confirmed=False) for n in range(20)]
    assert at_once(20, lambda n: confirm_as_owner(pledges[n])) == []
    numbers = sorted(Pledge.objects.values_list("supporter_number", flat=True))
    assert numbers == list(range(numbers[0], numbers[0] + 20))


# Runs in a fresh database: the migration numbers the supporters confirmed
# before it in order of confirmation (not of signing), then confirmations and an
# erasure carry on from there.
SCRIPT = """
import json
from datetime import UTC, datetime, timedelta

import django

django.setup()
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

call_command("migrate", "pledges", "0006", verbosity=0)
state = MigrationExecutor(connection).loader.project_state(("pledges", "0006_wall_and_badge"))
Old = state.apps.get_model("pledges", "Pledge")
start = datetime(2026, 1, 1, tzinfo=UTC)
for name, minutes in [("c", 30), ("a", 10), ("pending", None), ("b", 20)]:
    Old.objects.create(
        email=f"{name}@example.org", display_name=name, country="PT", language="en",
        signed_at=start,
        confirmed_at=None if minutes is None else start + timedelta(minutes=minutes),
    )
call_command("migrate", verbosity=0)

from django.utils import timezone
from pledges.models import Pledge

def confirm(pledge):
    pledge.confirm(display_name=pledge.display_name, country="PT", wants_updates=False,
                   language="en", wording_version="1", now=timezone.now())

confirm(Pledge.objects.get(display_name="pending"))
Pledge.objects.get(display_name="b").erase(now=timezone.now())
confirm(Pledge.objects.create(email="d@example.org", display_name="d", country="PT",
                              language="en", signed_at=timezone.now()))
print(json.dumps(dict(Pledge.objects.values_list("email", "supporter_number"))))
"""


@pytest.fixture
def fresh_postgres():
    name = f"blueheart_numbers_{uuid.uuid4().hex[:8]}"
    base = urlsplit(os.environ["DATABASE_URL"])
    admin = base._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield base._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def run_script(database_url: str) -> dict:
    return run_in_fresh_interpreter(SCRIPT, DATABASE_URL=database_url)


# a, b and c confirmed in that order, though they signed c, a, b. The erased b
# keeps its number (its address is gone: JSON's "null"); the pending one and d
# take the next ones.
EXPECTED = {
    "a@example.org": 1,
    "null": 2,
    "c@example.org": 3,
    "pending@example.org": 4,
    "d@example.org": 5,
}


def test_it_numbers_existing_supporters_then_carries_on_in_sqlite(tmp_path):
    assert run_script(f"sqlite:///{tmp_path / 'numbers.sqlite3'}") == EXPECTED


def test_it_numbers_existing_supporters_then_carries_on_in_postgresql(fresh_postgres):
    # The sequence starts after the highest number the migration gave.
    assert run_script(fresh_postgres) == EXPECTED
