"""The staff dashboard (/staff/dashboard/): its figures are the rows', a
moderator sees their own countries' and nothing else (not the world's), the
table sorts through plain links, a bad range is a 400, and the number of
queries does not grow with the number of countries."""

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from accounts.models import Role, RoleGrant
from campaign.models import Country
from pledges.counting import COUNTS_CACHE_KEY, current_counts
from pledges.models import Pledge
from reports import dashboard
from tests.conftest import make_pledge
from tests.staff import make_persona, sign_in_as

pytestmark = pytest.mark.django_db

URL = "/staff/dashboard/"
NOW = "2026-11-28T00:00:00Z"


@pytest.fixture
def generated():
    with override_settings(DEBUG=True):
        call_command("generate_pledges", "1500", "--seed", "11", "--years", "1", stdout=StringIO())
    # Portugal and Spain are campaign countries from the start (a migration).
    Country.objects.update_or_create(code="PT", defaults={"supporter_goal": 500})
    Country.objects.update_or_create(code="ES", defaults={"supporter_goal": 400})


def confirmed_by_country() -> Counter:
    return Counter(str(p.country) for p in Pledge.objects.confirmed().only("country"))


def confirmed_since(days: int) -> Counter:
    """Confirmations in the last `days` UTC days, today included, from the rows."""
    today = datetime.now(UTC).date()
    first = datetime.combine(today - timedelta(days=days - 1), datetime.min.time(), tzinfo=UTC)
    pledges = Pledge.objects.confirmed().filter(confirmed_at__gte=first).only("country")
    return Counter(str(p.country) for p in pledges)


def test_a_moderator_s_bad_range_shows_no_figures_either(client, generated):
    sign_in_as(client, "moderator_pt")
    response = client.get(URL, {"from": "nonsense"})
    assert response.status_code == 400
    assert "in all the world" not in response.content.decode()


def test_the_url_is_the_staff_dashboard():
    assert reverse("staff:dashboard") == URL


def test_the_figures_are_the_rows(client, generated):
    sign_in_as(client, "organiser")
    response = client.get(URL)
    assert response.status_code == 200
    rows = {row.code: row for row in response.context["rows"]}
    confirmed = confirmed_by_country()
    pending = Counter(str(p.country) for p in Pledge.objects.pending().only("country"))
    week, month = confirmed_since(7), confirmed_since(30)
    assert set(rows) == set(confirmed) | set(pending) | {"PT", "ES"}
    for code, row in rows.items():
        assert (row.confirmed, row.pending) == (confirmed[code], pending[code]), code
        assert (row.growth_7, row.growth_30) == (week[code], month[code]), code
    assert rows["PT"].goal == 500
    assert rows["PT"].progress == round(confirmed["PT"] / 500 * 100, 1)
    assert rows["BR"].goal is None and rows["BR"].progress is None
    assert response.context["world_total"] == sum(confirmed.values())
    html = response.content.decode()
    assert f"{sum(confirmed.values())} confirmed supporters in all the world" in html
    # The form shows the range it used: the last 90 days by default.
    today = datetime.now(UTC).date()
    assert f'value="{(today - timedelta(days=89)).isoformat()}"' in html
    assert f'value="{today.isoformat()}"' in html


def test_the_charts_are_the_rows_by_day_and_cumulative(client, generated):
    sign_in_as(client, "organiser")
    end = datetime.now(UTC).date()
    start = end - timedelta(days=59)
    per_day, cumulative = dashboard.series(
        dashboard.history.daily_confirmed(start=start, end=end),
        start=start,
        end=end,
        country="PT",
        before=dashboard.confirmed_before(start, country="PT"),
    )
    days = Counter(
        p.confirmed_at.astimezone(UTC).date()
        for p in Pledge.objects.confirmed().filter(country="PT").only("confirmed_at")
    )
    assert len(per_day) == 60 and per_day[0][0] == start
    assert per_day == [(day, days[day]) for day, _n in per_day]
    # The last day's cumulative count is every confirmation up to its end.
    assert cumulative[-1][1] == sum(n for day, n in days.items() if day <= end)
    response = client.get(URL, {"from": start.isoformat(), "to": end.isoformat(), "country": "pt"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<svg") == 2 and "<polyline" in html
    assert "Supporters confirmed each day, Portugal" in html
    # The data tables hold every day, with the same numbers.
    assert html.count('<time datetime="') == 2 * 60
    assert f'<time datetime="{end.isoformat()}"' in html


def test_a_portugal_moderator_sees_portugal_only(client, generated):
    sign_in_as(client, "moderator_pt")
    response = client.get(URL)
    assert response.status_code == 200
    assert [row.code for row in response.context["rows"]] == ["PT"]
    assert response.context["world_total"] is None
    assert response.context["country"] == "PT"
    html = response.content.decode()
    assert "Spain" not in html and "Brazil" not in html
    assert "in all the world" not in html and "Show the world" not in html
    # No figure of Spain's or of the world's anywhere on the page.
    world = sum(confirmed_by_country().values())
    numbers = set(re.findall(r"\d+", re.sub(r"<[^>]*>", " ", html)))
    assert str(world) not in numbers
    assert client.get(URL, {"country": "ES"}).status_code == 403
    assert client.get(URL, {"country": "es", "from": "2026-01-01"}).status_code == 403


def test_an_organiser_and_an_administrator_see_every_country(client, generated):
    for persona in ("organiser", "administrator"):
        sign_in_as(client, persona)
        response = client.get(URL, {"country": "ES"})
        assert response.status_code == 200
        codes = {row.code for row in response.context["rows"]}
        assert {"PT", "ES", "BR"} <= codes
        assert response.context["world_total"] == current_counts()["total"]


def test_a_moderator_of_two_countries_sees_both_and_no_third(client, generated):
    paula, _secret = sign_in_as(client, "moderator_pt")
    RoleGrant.objects.create(user=paula, role=Role.MODERATOR, country="ES", granted_at=NOW)
    response = client.get(URL, {"sort": "country", "dir": "asc"})
    assert [row.code for row in response.context["rows"]] == ["PT", "ES"]  # by name
    assert response.context["world_total"] is None
    assert response.context["country"] == "ES"  # the first code: a chart, never the world's
    assert client.get(URL, {"country": "PT"}).status_code == 200
    assert client.get(URL, {"country": "BR"}).status_code == 403


def test_the_scoped_queries_read_only_the_countries_asked_for(generated):
    every = dashboard.history.daily_confirmed(start=date(2000, 1, 1), end=date(2100, 1, 1))
    both = dashboard.history.daily_confirmed(
        start=date(2000, 1, 1), end=date(2100, 1, 1), countries={"PT", "ES"}
    )
    assert both == [row for row in every if row["country"] in ("PT", "ES")]
    pending = dashboard.history.pending_by_country({"PT"})
    assert set(pending) == {"PT"}
    assert pending["PT"] == dashboard.history.pending_by_country()["PT"]


@pytest.mark.parametrize("persona", ["anonymous", "supporter"])
def test_a_supporter_or_nobody_cannot_learn_it_exists(client, persona):
    user = make_persona(persona)
    if user is not None:
        client.force_login(user)
    assert client.get(URL).status_code == 404


def test_it_sorts_by_each_column_through_plain_links(client, generated):
    sign_in_as(client, "organiser")
    response = client.get(URL)
    confirmed = [row.confirmed for row in response.context["rows"]]
    assert confirmed == sorted(confirmed, reverse=True)  # the default
    html = response.content.decode()
    sorted_header = '<th scope="col" aria-sort="descending"><a href="?sort=confirmed&amp;dir=asc"'
    assert sorted_header in html
    assert html.count("aria-sort=") == 1
    for key in dashboard.SORT_KEYS:
        for direction in ("asc", "desc"):
            rows = client.get(URL, {"sort": key, "dir": direction}).context["rows"]
            values = [getattr(row, "name" if key == "country" else key) for row in rows]
            known = [value for value in values if value is not None]
            assert known == sorted(known, reverse=direction == "desc"), (key, direction)
            # Countries without the figure (no goal) come last, either way.
            assert values == known + [None] * (len(values) - len(known))
    by_name = client.get(URL, {"sort": "country", "dir": "asc", "from": "2026-01-01"})
    assert 'aria-sort="ascending"' in by_name.content.decode()
    assert "from=2026-01-01&amp;sort=confirmed&amp;dir=desc" in by_name.content.decode()
    # An unknown column is the default order, not an error.
    assert client.get(URL, {"sort": "email"}).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        {"from": "2026-13-01"},
        {"to": "yesterday"},
        {"from": "2026-02-01", "to": "2026-01-01"},
        {"from": "2020-01-01", "to": "2022-01-03"},  # 734 days
        {"country": "XX"},
        {"country": "PRT"},
        {"to": "9999-12-31"},
        {"from": "0001-01-01", "to": "9999-12-31"},
        {"to": (datetime.now(UTC).date() + timedelta(days=1)).isoformat()},
    ],
)
def test_a_bad_range_is_a_400_with_a_message(client, query):
    sign_in_as(client, "organiser")
    response = client.get(URL, query)
    assert response.status_code == 400
    assert 'class="errorlist"' in response.content.decode()


def test_a_range_of_732_days_is_allowed_however_long_ago(client):
    sign_in_as(client, "organiser")
    assert client.get(URL, {"from": "2020-01-01", "to": "2022-01-01"}).status_code == 200
    assert client.get(URL, {"from": "0001-01-01", "to": "0001-01-31"}).status_code == 200
    # An unknown order is the default one, not an error.
    assert client.get(URL, {"sort": "name", "dir": "up"}).status_code == 200


def test_the_queries_do_not_grow_with_the_countries(client, django_assert_max_num_queries):
    sign_in_as(client, "organiser")
    make_pledge("ana@example.org", "PT")
    client.get(URL)  # sessions, roles and the like, once
    # Counted afresh each time (not the snapshot cached for a few seconds), so
    # that both requests read every country's count the same way.
    cache.delete(COUNTS_CACHE_KEY)
    with django_assert_max_num_queries(14) as few:
        client.get(URL, {"country": "PT"})
    for n, code in enumerate(["ES", "FR", "DE", "IT", "BR", "NL", "BE", "AT"]):
        make_pledge(f"s{n}@example.org", code)
        make_pledge(f"p{n}@example.org", code, confirmed=False)
        Country.objects.update_or_create(code=code, defaults={"supporter_goal": 10})
    cache.delete(COUNTS_CACHE_KEY)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL, {"country": "PT"})
    rows = {row.code: row for row in response.context["rows"]}
    assert {"PT", "ES", "FR", "AT"} <= set(rows)
    assert (rows["AT"].confirmed, rows["AT"].pending, rows["AT"].goal) == (1, 1, 10)


def test_the_staff_home_links_to_it(client):
    sign_in_as(client, "moderator_es")
    assert URL in client.get("/staff/").content.decode()
