"""The organisers' weekly digest: once per ISO week however often the beat
asks, and its email gives each country's total and the week's new supporters.

Olga organises. Ana and Paulo confirmed in Portugal this week, Bruno in Spain
ten days ago; Sara, a supporter, never hears of the digest."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from mailings import digests, emails
from mailings.models import Delivery, Mailing
from pledges.models import Pledge
from tests.conftest import confirm_as_owner
from tests.mailing import wait_until_sent
from tests.staff import make_persona

# The beat's Monday 07:00 in 2026-W49, reporting 2026-W48; a second beat that
# Sunday night; the next Monday, reporting 2026-W49.
MONDAY = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
SUNDAY_NIGHT = datetime(2026, 12, 6, 23, 59, 59, tzinfo=UTC)
NEXT_MONDAY = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)


def confirmed(name: str, country: str, at: datetime) -> Pledge:
    pledge = Pledge.objects.create(
        display_name=name.title(),
        email=f"{name}@example.org",
        country=country,
        language="en",
        signed_at=at - timedelta(minutes=5),
    )
    confirm_as_owner(pledge, wants_updates=True, now=at)
    return pledge


@pytest.mark.django_db
def test_the_beat_asking_twice_in_one_iso_week_makes_one_digest():
    first = digests.queue_weekly_digest(MONDAY)
    assert first is not None
    assert first.key == "2026-W48"  # the week it reports, not the one just begun
    reported = digests.context(first)
    assert (reported["since"], reported["until"]) == (MONDAY - timedelta(days=7), MONDAY)
    assert digests.queue_weekly_digest(MONDAY + timedelta(minutes=1)) is None
    assert digests.queue_weekly_digest(SUNDAY_NIGHT) is None
    assert list(Mailing.objects.filter(kind=Mailing.Kind.DIGEST).values_list("key", flat=True)) == [
        "2026-W48"
    ]

    assert digests.queue_weekly_digest(NEXT_MONDAY).key == "2026-W49"
    assert Mailing.objects.filter(kind=Mailing.Kind.DIGEST).count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_digest_gives_organisers_each_countrys_total_and_the_weeks_new_supporters(
    celery_worker, smtp_inbox
):
    make_persona("organiser")
    make_persona("supporter")
    now = timezone.now()
    confirmed("ana", "PT", now - timedelta(days=2))
    confirmed("paulo", "PT", now - timedelta(hours=3))
    confirmed("bruno", "ES", now - timedelta(days=10))

    mailing = digests.queue_weekly_digest(now)
    assert digests.queue_weekly_digest(now) is None
    wait_until_sent(mailing, timeout=20)

    ((recipients, message),) = smtp_inbox.wait_for(1)
    assert recipients == ["olga@example.org"]
    week = digests.week_key(now - timedelta(days=7))
    assert message["Subject"] == f"Blue Heart weekly digest {week}: 3 supporters, 2 new"
    text = message.get_body(("plain",)).get_content()
    assert "3 confirmed supporters in all, 2 new this week." in text
    assert "Portugal (PT): 2, +2" in text
    assert "Spain (ES): 1, +0" in text
    assert text.index("Portugal (PT)") < text.index("Spain (ES)")  # the largest first
    html = message.get_body(("html",)).get_content()
    assert "Portugal" in html
    assert "Spain" in html
    assert Delivery.objects.filter(mailing=mailing).count() == 1


@pytest.mark.django_db
def test_an_organiser_reads_it_in_the_language_she_chose_for_her_own_pledge():
    # Staff accounts have no language of their own: Olga signed the pledge too
    # and asked for our emails in Arabic; Adam never signed, and reads English.
    olga = make_persona("organiser")
    adam = make_persona("administrator")
    now = timezone.now()
    long_ago = now - timedelta(days=30)
    Pledge.objects.create(
        display_name="Olga",
        email="olga@example.org",
        country="PT",
        language="en",
        signed_at=long_ago,
    )
    confirm_as_owner(Pledge.objects.get(email="olga@example.org"), language="ar", now=long_ago)
    confirmed("ana", "PT", now - timedelta(days=2))
    mailing = digests.queue_weekly_digest(now)

    arabic = emails.digest(mailing, olga)
    week = digests.week_key(now - timedelta(days=7))
    assert arabic.subject == f"الملخص الأسبوعي لحملة القلب الأزرق {week}: 2 من المؤيدين، 1 جدد"
    assert "البرتغال (PT): 2, +1" in arabic.body
    html, _type = arabic.alternatives[0]
    assert 'lang="ar" dir="rtl"' in html
    assert "text-align: right" in html  # the country column starts on the right

    english = emails.digest(mailing, adam)
    assert english.subject == f"Blue Heart weekly digest {week}: 2 supporters, 1 new"
    assert "Portugal (PT): 2, +1" in english.body
