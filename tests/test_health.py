"""/healthz (alive) and /readyz (database, cache and broker answer)."""

import pytest

from tests.conftest import broker_down

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_touching_anything(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_readyz_reports_each_dependency(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok", "queue": "ok"}


def test_readyz_fails_when_the_broker_is_down(client):
    with broker_down():
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["queue"] == "down"
    assert response.json()["database"] == "ok"
