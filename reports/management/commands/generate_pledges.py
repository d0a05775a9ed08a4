"""manage.py generate_pledges N [--years 2] [--seed S] [--pending 0.06]

Made-up pledges for trying and measuring (the organisers' figures, benches):
confirmed ones spread over the last --years with growth, pending ones signed in
the last two weeks, across 30 countries weighted as a campaign's would be (a few
large), in the interface's languages. Every row is marked is_synthetic and has
an address at synthetic.invalid (a domain reserved never to exist, RFC 2606),
so it can never be taken for, or mailed as, a real supporter.

On PostgreSQL the rows go in with COPY; elsewhere (SQLite) with bulk_create.
Supporter numbers are drawn from the same sequence as real confirmations, in
order of confirmation, and the count shards get the new confirmations in the
same transaction, so /api/v1/counts agrees with the rows at once; then the
rollup of closed days (reports/rollup.py) is rebuilt and the pending pledges
counted, so the organisers' figures read the rollup at once too.

Refuses to run with DEBUG off unless --i-know-this-is-not-production is given.
"""

import math
import random
import secrets
import time
import uuid
from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from pledges.counting import COUNTS_CACHE_KEY
from pledges.forms import WORDING_VERSION
from pledges.models import SUPPORTER_NUMBER_SEQUENCE, CountShard, Pledge
from reports import rollup

SYNTHETIC_DOMAIN = "synthetic.invalid"

# Relative weights: a campaign's supporters gather in a few countries.
COUNTRY_WEIGHTS = {
    "BR": 14, "PT": 10, "ES": 9, "US": 8, "FR": 7, "DE": 7, "GB": 6, "IT": 5, "MX": 5,
    "AR": 3, "CO": 2, "CL": 2, "NL": 2, "PL": 2, "CA": 2, "IN": 2, "BE": 1.5, "AU": 1.5,
    "IE": 1, "SE": 1, "AT": 1, "CH": 1, "GR": 1, "ZA": 1, "JP": 1, "DK": 0.8, "NO": 0.8,
    "FI": 0.6, "NZ": 0.5, "MA": 0.5,
}  # fmt: skip
COUNTRY_LANGUAGE = {"BR": "pt", "PT": "pt", "ES": "es", "MX": "es", "AR": "es", "CO": "es"}
COUNTRY_LANGUAGE |= {"CL": "es"}
# Confirmations per day grow about e^GROWTH-fold (7x) from the first day to the last.
GROWTH = 2.0
# Rows generated and written per batch: bounds the memory whatever N is.
BATCH = 20_000

COLUMNS = (
    "public_id", "display_name", "email", "country", "language", "signed_at",
    "confirmed_at", "supporter_number", "wording_version", "wants_updates",
    "news_changed_at", "news_wording_version", "country_news", "show_publicly",
    "on_wall", "on_wall_changed_at", "is_synthetic", "email_due", "email_attempts",
)  # fmt: skip


class Command(BaseCommand):
    help = "Insert N synthetic pledges (never real supporters) for trying and measuring."

    def add_arguments(self, parser):
        parser.add_argument("count", type=int, help="pledges to insert, confirmed and pending")
        parser.add_argument("--years", type=float, default=2.0, help="spread over [2]")
        parser.add_argument("--seed", type=int, default=None, help="for a repeatable set")
        parser.add_argument("--pending", type=float, default=0.06, help="share left pending [0.06]")
        parser.add_argument(
            "--i-know-this-is-not-production",
            action="store_true",
            dest="not_production",
            help="run although DEBUG is off",
        )

    def handle(self, *args, count, years, seed, pending, not_production, **options):
        if not settings.DEBUG and not not_production:
            raise CommandError(
                "DEBUG is off, so this may be production: synthetic pledges would sit "
                "among real supporters. Add --i-know-this-is-not-production if it is not."
            )
        if count < 1 or years <= 0 or not 0 <= pending < 1:
            raise CommandError("N and --years must be positive, --pending in [0, 1)")
        started = time.monotonic()
        now = timezone.now()
        confirmed = generate(count, years=years, seed=seed, pending=pending, now=now)
        seconds = time.monotonic() - started
        # Counts only: nothing about any row, real or made up.
        self.stdout.write(
            f"inserted {count} synthetic pledges ({confirmed.total()} confirmed) "
            f"in {seconds:.1f} s, {count / max(seconds, 1e-9):.0f} a second"
        )
        # The rows went onto closed days, which the organisers' figures read from
        # the rollup: rebuilt now, as the beat would within a minute, so the first
        # read takes the path every later one takes. Marked stale first, so that
        # if a beat's rebuild holds the lease, the next one reads these rows.
        started = time.monotonic()
        rollup.mark_stale()
        rebuilt = rollup.rebuild_daily_counts()
        rollup.snapshot_pending()
        self.stdout.write(
            f"rollup of closed days {'rebuilt' if rebuilt else 'left to the beat'} "
            f"in {time.monotonic() - started:.1f} s"
        )


def generate(count, *, years, seed, pending, now) -> Counter:
    """Insert `count` synthetic pledges, a share `pending` of them pending;
    returns the confirmations inserted, by country."""
    # Made-up data, repeatable from its seed: no secret comes from this generator.
    rng = random.Random(seed)  # noqa: S311
    # Addresses must be unique across runs too, seeded or not.
    run = secrets.token_hex(4)
    n_pending = round(count * pending)
    n_confirmed = count - n_pending
    span = timedelta(days=365.25 * years).total_seconds()
    start = now - timedelta(seconds=span)
    # Confirmation times first, sorted, so that supporter numbers follow them.
    # Inverse transform of a density growing as e^(GROWTH t) on [0, 1).
    scale = math.expm1(GROWTH)
    offsets = sorted(math.log1p(rng.random() * scale) / GROWTH * span for _ in range(n_confirmed))
    countries = list(COUNTRY_WEIGHTS)
    weights = list(COUNTRY_WEIGHTS.values())
    inserted = Counter()
    with transaction.atomic():
        writer = _copy_rows if connection.vendor == "postgresql" else _create_rows
        for first in range(0, count, BATCH):
            last = min(first + BATCH, count)
            picks = rng.choices(countries, weights, k=last - first)
            rows = []
            confirmed_here = [i for i in range(first, last) if i < n_confirmed]
            numbers = _supporter_numbers(len(confirmed_here))
            for i, country in zip(range(first, last), picks, strict=True):
                if i < n_confirmed:
                    confirmed_at = start + timedelta(seconds=offsets[i])
                    row = _row(rng, run, i, country, confirmed_at, numbers[i - first])
                    inserted[country] += 1
                else:
                    signed_at = now - timedelta(seconds=rng.random() * 14 * 86400)
                    row = _row(rng, run, i, country, None, None, signed_at=signed_at)
                rows.append(row)
            writer(rows)
        # The shards, in the same transaction: the counts agree with the rows.
        for country, n in sorted(inserted.items()):
            CountShard.objects.add(country, n)
    cache.delete(COUNTS_CACHE_KEY)
    return inserted


def _row(rng, run, i, country, confirmed_at, number, signed_at=None):
    language = COUNTRY_LANGUAGE.get(country, "en") if rng.random() < 0.85 else "en"
    wants_updates = confirmed_at is not None and rng.random() < 0.6
    on_wall = confirmed_at is not None and rng.random() < 0.2
    if signed_at is None:
        # Most confirm within minutes of signing, some after days.
        signed_at = confirmed_at - timedelta(seconds=rng.expovariate(1 / 3600))
    return (
        uuid.UUID(int=rng.getrandbits(128), version=4),
        f"Synthetic supporter {i + 1}",
        f"{run}-{i + 1}@{SYNTHETIC_DOMAIN}",
        country,
        language,
        signed_at,
        confirmed_at,
        number,
        WORDING_VERSION if confirmed_at else "",
        wants_updates,
        confirmed_at,
        WORDING_VERSION if confirmed_at else "",
        True,
        on_wall and rng.random() < 0.5,
        on_wall,
        confirmed_at if on_wall else None,
        True,
        "",
        0,
    )


def _supporter_numbers(n) -> list[int]:
    """n numbers from the supporters' sequence, ascending; on SQLite the ones
    after the highest (it writes one transaction at a time)."""
    if not n:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Constant SQL; drawn as confirmations draw them, so real confirmations
            # landing meanwhile take other numbers, never the same.
            cursor.execute(
                f"SELECT nextval('{SUPPORTER_NUMBER_SEQUENCE}') "  # noqa: S608
                "FROM generate_series(1, %s) ORDER BY 1",
                [n],
            )
            return [number for (number,) in cursor.fetchall()]
        cursor.execute("SELECT COALESCE(MAX(supporter_number), 0) FROM pledges_pledge")
        (highest,) = cursor.fetchone()
        return list(range(highest + 1, highest + n + 1))


def _copy_rows(rows) -> None:
    table = Pledge._meta.db_table
    # The psycopg 3 cursor beneath Django's wrapper speaks COPY; the names are ours.
    statement = f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _create_rows(rows) -> None:
    Pledge.objects.bulk_create(Pledge(**dict(zip(COLUMNS, row, strict=True))) for row in rows)
