"""The supporters' wall: the latest confirmed supporters who chose to appear, on
the home page, each campaign country's page and the full wall, a page at a time.

Ana (Portugal) and Bruno (Spain) chose to appear, Ana with her name, Bruno
without it; Carla confirmed and never chose to; Dora never confirmed; Erin
appeared, then erased her data."""

from html import escape

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.utils import timezone

from pledges import wall
from pledges.models import Pledge
from tests import published
from tests.conftest import make_pledge

pytestmark = pytest.mark.django_db


def appear(email, country, name, *, show_name=True):
    pledge = make_pledge(email, country, display_name=name)
    assert pledge.choose_wall(on_wall=True, show_publicly=show_name, now=timezone.now())
    return pledge


def fresh(client, path):
    """The page as it is now: the wall's cache and the page copies emptied first."""
    cache.clear()
    caches["local"].clear()
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


@pytest.fixture
def supporters():
    published.spain()
    appear("ana@example.org", "PT", "Ana Silva")
    appear("bruno@example.org", "ES", "Bruno García", show_name=False)
    make_pledge("carla@example.org", "PT", display_name="Carla Nunes")
    dora = make_pledge("dora@example.org", "PT", display_name="Dora Costa", confirmed=False)
    # Dora could not get there (only a confirmed pledge can choose), but even so:
    Pledge.objects.filter(pk=dora.pk).update(on_wall=True, show_publicly=True)
    erin = appear("erin@example.org", "ES", "Erin Walsh")
    erin.erase(timezone.now())


@pytest.mark.parametrize("path", ["/", "/wall/", "/pt/", "/pt/wall/"])
def test_it_shows_only_confirmed_supporters_who_chose_to_appear(client, supporters, path):
    html = fresh(client, path)
    assert "Ana Silva" in html
    assert html.count("wall-name") == 2  # Ana and Bruno
    for absent in ["Bruno García", "Carla Nunes", "Dora Costa", "Erin Walsh", "@example.org"]:
        assert absent not in html


def test_each_entry_shows_the_heart_the_name_shown_and_the_country(client, supporters):
    html = fresh(client, "/wall/")
    items = html.split('<ul class="wall">')[1].split("</ul>")[0]
    assert items.count('src="/static/img/blue-heart') == 2
    ana, bruno = items.split("</li>")[:2]  # the latest first: Bruno confirmed after Ana
    assert "A supporter" in ana and "Spain" in ana
    assert "<bdi>Ana Silva</bdi>" in bruno and "Portugal" in bruno
    assert "Espanha" in fresh(client, "/pt/wall/")  # in the page's language


def test_nobody_is_on_the_wall_by_default(client):
    make_pledge("carla@example.org", "PT", display_name="Carla Nunes")
    html = fresh(client, "/")
    assert "Nobody has chosen to appear on the wall yet." in html
    assert "Carla Nunes" not in html
    assert "Nobody has chosen to appear on the wall yet." in fresh(client, "/wall/")


def test_a_country_page_shows_its_own_supporters_and_links_to_its_wall(client, supporters):
    html = fresh(client, "/countries/es/")
    assert "A supporter" in html
    assert "Ana Silva" not in html
    assert 'href="/countries/es/wall/"' in html
    wall_page = fresh(client, "/countries/es/wall/")
    assert "The supporters' wall: Spain" in wall_page
    assert wall_page.count("wall-name") == 1
    assert "Ana Silva" not in wall_page


def test_the_home_page_shows_the_latest_few_and_links_to_the_whole_wall(client):
    for n in range(wall.LATEST_SIZE + 2):
        appear(f"s{n}@example.org", "PT", f"Supporter {n:02}")
    html = fresh(client, "/")
    assert html.count("wall-name") == wall.LATEST_SIZE
    assert "Supporter 13" in html and "Supporter 01" not in html  # the latest
    assert 'href="/wall/"' in html


def test_a_hidden_name_never_reaches_the_cache(client, supporters):
    fresh(client, "/")
    cached = cache.get(wall.LATEST_CACHE_KEY.format(scope="all"))
    assert [name for name, _country in cached] == [None, "Ana Silva"]


def test_it_is_served_from_the_cache_while_it_is_fresh(
    client, supporters, django_assert_max_num_queries
):
    fresh(client, "/")
    caches["local"].clear()  # the page is rendered again, the wall comes from the cache
    with django_assert_max_num_queries(3) as queries:
        assert "Ana Silva" in client.get("/").content.decode()
    assert not [q for q in queries.captured_queries if '"pledges_pledge"' in q["sql"]]


def test_a_choice_shows_within_the_wall_s_ttl(client, supporters):
    # Cached for COUNTS_TTL seconds, as the counts: the same lag, within the 5 s promise.
    assert wall.WALL_TTL <= 2


# The full wall, a page at a time.


@pytest.fixture
def two_pages():
    for n in range(wall.PAGE_SIZE + 3):
        appear(f"s{n}@example.org", "PT", f"Supporter {n:03}")


def test_it_pages_the_whole_wall_newest_first(client, two_pages):
    first = fresh(client, "/wall/")
    assert first.count("wall-name") == wall.PAGE_SIZE
    assert "Supporter 050" in first and "Supporter 002" not in first
    assert 'href="/wall/2/" rel="next"' in first
    assert 'rel="prev"' not in first
    second = fresh(client, "/wall/2/")
    assert second.count("wall-name") == 3
    assert "Supporter 000" in second and "Supporter 050" not in second
    assert 'href="/wall/" rel="prev"' in second
    assert 'rel="next"' not in second


@pytest.mark.parametrize(
    "path",
    ["/wall/3/", "/wall/0/", f"/wall/{wall.MAX_PAGES + 1}/", "/wall/99999999999999999999/"],
)
def test_a_page_that_is_not_there_is_404(client, two_pages, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "path", ["/wall/abc/", "/wall/-1/", "/wall/2.5/", "/countries/zz/wall/", "/countries/es1/wall/"]
)
def test_bad_addresses_are_404(client, path):
    published.spain()
    assert client.get(path).status_code == 404


def test_a_country_wall_needs_a_published_campaign_country(client):
    appear("ana@example.org", "FR", "Ana Silva")  # France is no campaign country
    assert client.get("/countries/fr/wall/").status_code == 404


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/wall/1/", "/wall/"),
        ("/pt/wall/1/", "/pt/wall/"),
        ("/countries/ES/wall/", "/countries/es/wall/"),
        ("/countries/es/wall/1/", "/countries/es/wall/"),
        ("/countries/Es/wall/2/", "/countries/es/wall/2/"),
    ],
)
def test_each_page_has_one_address(client, path, location):
    published.spain()
    response = client.get(path)
    assert response.status_code == 301
    assert response.headers["Location"] == location


def test_the_empty_wall_has_one_page(client):
    assert client.get("/wall/").status_code == 200
    assert client.get("/wall/2/").status_code == 404


def test_it_takes_only_get_and_head(client):
    assert client.post("/wall/").status_code == 405


@pytest.mark.parametrize("path", ["/wall/", "/wall/2/", "/countries/es/wall/", "/pt/wall/"])
def test_it_answers_head(client, two_pages, path):
    published.spain()
    get = client.get(path)
    head = client.head(path)
    assert head.status_code == get.status_code == 200
    assert head.content == b""


@pytest.mark.parametrize("path", ["/wall/", "/wall/2/", "/countries/es/wall/"])
def test_its_queries_do_not_grow_with_the_supporters(client, path, django_assert_max_num_queries):
    published.spain()
    for many in (False, True):
        if many:
            for n in range(wall.PAGE_SIZE * 3):
                appear(f"s{n}@example.org", "ES", f"Supporter {n}")
        else:
            for n in range(wall.PAGE_SIZE + 1):
                appear(f"t{n}@example.org", "ES", f"Few {n}")
        cache.clear()
        caches["local"].clear()
        # One for the page; the country's lookup on a country wall.
        with django_assert_max_num_queries(2):
            assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", ["/", "/countries/es/"])
def test_the_pages_that_show_it_do_not_grow_with_the_supporters(
    client, path, django_assert_max_num_queries
):
    published.spain()
    client.get(path)  # the starter content and the shards, once
    caches["local"].clear()
    cache.clear()
    with django_assert_max_num_queries(10) as few:
        client.get(path)
    for n in range(wall.LATEST_SIZE * 3):
        appear(f"s{n}@example.org", "ES", f"Supporter {n}")
    caches["local"].clear()
    cache.clear()
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(path)


# The query walks the partial index and stops early.


def explain(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_it_reads_the_partial_index_newest_first_without_sorting():
    now = timezone.now()
    rows = [
        Pledge(
            display_name=f"Supporter {n}",
            email=f"s{n}@example.org",
            country="PT" if n % 3 else "ES",
            language="en",
            signed_at=now,
            confirmed_at=now - timezone.timedelta(seconds=n),
            on_wall=n % 2 == 0,  # half chose to appear
        )
        for n in range(12000)
    ]
    Pledge.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE pledges_pledge")
    # The home page's latest few, a country page's, and the deepest page of the full wall.
    plans = [
        explain(Pledge.objects.on_wall().values_list("display_name")[: wall.LATEST_SIZE]),
        explain(
            Pledge.objects.on_wall()
            .filter(country="ES")
            .values_list("display_name")[: wall.LATEST_SIZE]
        ),
        explain(
            Pledge.objects.on_wall().values_list("display_name")[
                (wall.MAX_PAGES - 1) * wall.PAGE_SIZE : wall.MAX_PAGES * wall.PAGE_SIZE + 1
            ]
        ),
    ]
    for plan in plans:
        assert "pledges_pledge_wall_idx" in plan, plan
        assert "Sort" not in plan, plan
        assert "Limit" in plan, plan


@pytest.mark.parametrize("name", ["<script>alert(1)</script>", "]]>", "&entity;"])
def test_a_name_is_shown_literally(client, name):
    appear("mallory@example.org", "PT", name)
    html = fresh(client, "/wall/")
    assert name not in html
    assert f"<bdi>{escape(name)}</bdi>" in html
