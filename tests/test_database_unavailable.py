"""While the database cannot be reached, a page that needs it answers a short,
translated 503 with Retry-After; any other database error is still a 500.

Ana signs in Portuguese while PostgreSQL is down; Bruno signs while a query of
the signing runs into a statement timeout, which is a bug or an overload to be
seen as such, not an outage. (tests/test_database_restart.py restarts a real
PostgreSQL under a stream of signatures.)"""

import pytest
from django.db import connection, transaction

from core.middleware import RETRY_AFTER
from pledges import services
from pledges.models import PledgeRequest
from tests.conftest import ANA, BRUNO, database_down


@pytest.mark.django_db(transaction=True)
def test_it_answers_a_translated_503_and_saves_nothing(client):
    with database_down():
        response = client.post("/pt/pledge/", ANA)

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER)
    assert "no-store" in response["Cache-Control"]  # never kept and served after the outage
    page = response.content.decode()
    assert '<html lang="pt"' in page
    assert "Tente novamente dentro de alguns minutos." in page
    assert PledgeRequest.objects.count() == 0


@pytest.mark.django_db
def test_any_other_database_error_is_still_a_500(client, monkeypatch):
    def times_out(**fields):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 1")
            cursor.execute("SELECT pg_sleep(1)")

    monkeypatch.setattr(services, "sign_pledge", times_out)
    client.raise_request_exception = False
    response = client.post("/pledge/", BRUNO)

    assert response.status_code == 500
    assert "Retry-After" not in response


@pytest.mark.django_db
def test_it_answers_the_503_when_a_library_needs_the_cache_and_it_is_down(client, settings):
    """Carla asks for a sign-in code while Redis is down: allauth's own rate
    limits need the cache and raise; she gets the 503 page, not the 500 page."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            **settings.CACHES["default"],
            "LOCATION": "redis://127.0.0.1:9/1",  # nothing listens there
        },
    }
    client.raise_request_exception = False
    response = client.post("/pt/accounts/login/code/", {"email": "carla@example.org"})

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER)
    assert '<html lang="pt"' in response.content.decode()
