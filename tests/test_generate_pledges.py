"""manage.py generate_pledges: made-up pledges that can never pass for real ones."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count
from django.test import override_settings

from pledges.counting import current_counts, reconcile_counts
from pledges.models import SUPPORTER_NUMBER_SEQUENCE, Pledge
from tests.conftest import make_pledge

pytestmark = pytest.mark.django_db


def generate(n, *args):
    out = StringIO()
    with override_settings(DEBUG=True):
        call_command("generate_pledges", str(n), *args, stdout=out)
    return out.getvalue()


def test_it_marks_every_row_synthetic_at_a_domain_that_never_exists():
    real = make_pledge("ana@example.org", "PT")
    generate(500, "--seed", "3")
    made = Pledge.objects.filter(is_synthetic=True)
    assert made.count() == 500
    assert not made.exclude(email__endswith="@synthetic.invalid").exists()
    assert list(Pledge.objects.filter(is_synthetic=False)) == [real]
    # Nothing is owed to a made-up address: no confirmation, no welcome.
    assert not made.with_email_due().exists()


def test_it_refuses_in_production_settings_without_the_flag():
    with override_settings(DEBUG=False), pytest.raises(CommandError, match="production"):
        call_command("generate_pledges", "10", stdout=StringIO())
    assert not Pledge.objects.exists()
    with override_settings(DEBUG=False):
        call_command("generate_pledges", "10", "--i-know-this-is-not-production", stdout=StringIO())
    assert Pledge.objects.filter(is_synthetic=True).count() == 10


def test_the_counts_agree_with_the_rows_at_once():
    make_pledge("ana@example.org", "PT")
    generate(2000, "--seed", "5")
    assert reconcile_counts() == {}
    rows = Pledge.objects.confirmed().values_list("country").annotate(n=Count("id")).order_by()
    assert current_counts()["countries"] == {str(code): n for code, n in rows}


def test_it_leaves_pending_ones_and_spreads_confirmations_over_the_years():
    generate(2000, "--seed", "7", "--years", "2")
    confirmed = Pledge.objects.confirmed()
    assert 1800 <= confirmed.count() < 2000  # 6% pending by default
    assert not Pledge.objects.pending().filter(supporter_number__isnull=False).exists()
    first, last = (
        confirmed.order_by(key).first().confirmed_at for key in ("confirmed_at", "-confirmed_at")
    )
    assert (last - first).days > 600
    # Growth: the later year has more confirmations than the earlier.
    middle = first + (last - first) / 2
    assert (
        confirmed.filter(confirmed_at__gte=middle).count()
        > confirmed.filter(confirmed_at__lt=middle).count()
    )
    assert confirmed.values("country").distinct().count() >= 25


def test_supporter_numbers_are_unique_follow_confirmation_and_the_sequence_moves_on():
    generate(1000, "--seed", "9")
    numbers = list(
        Pledge.objects.confirmed()
        .order_by("confirmed_at")
        .values_list("supporter_number", flat=True)
    )
    assert numbers == sorted(numbers)
    assert len(set(numbers)) == len(numbers)
    # A real confirmation afterwards takes the next number, not one of theirs.
    later = make_pledge("ana@example.org", "PT")
    assert later.supporter_number > max(numbers)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT last_value FROM {SUPPORTER_NUMBER_SEQUENCE}")  # noqa: S608 - constant
        assert cursor.fetchone()[0] == later.supporter_number


def test_a_seed_gives_the_same_set():
    generate(300, "--seed", "11")
    first = list(Pledge.objects.order_by("id").values_list("country", "language", "confirmed_at"))
    Pledge.objects.all().delete()
    generate(300, "--seed", "11")
    second = list(Pledge.objects.order_by("id").values_list("country", "language", "confirmed_at"))
    # The same countries and languages; times move with "now", by the same step.
    assert [row[:2] for row in first] == [row[:2] for row in second]


def test_no_mailing_ever_goes_to_a_made_up_pledge():
    from mailings.audiences import news_readers

    real = make_pledge("ana@example.org", "PT", wants_updates=True)
    generate(20)
    assert Pledge.objects.filter(is_synthetic=True, wants_updates=True).exists()
    assert list(news_readers().values_list("pk", flat=True)) == [real.pk]
