"""With the database unreachable, every surface says so with a 503 and Retry-After,
`/healthz` tells the load balancer, and nothing is half-written.

The database is made unreachable for real: the connection is closed and pointed at a
place where no database answers (a closed port on PostgreSQL, a missing folder on
SQLite), then restored.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import RequestFactory
from tracker.models import OptOutRequest

pytestmark = pytest.mark.django_db(transaction=True)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # closed again when the probe closes


@contextmanager
def unreachable_database() -> Iterator[None]:
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "postgresql":
        connection.settings_dict["HOST"] = "127.0.0.1"
        connection.settings_dict["PORT"] = str(_closed_port())
        connection.settings_dict["OPTIONS"] = {**saved["OPTIONS"], "connect_timeout": 2}
    else:
        connection.settings_dict["NAME"] = "/nonexistent-folder/tracker.sqlite3"
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@pytest.fixture
def database_down() -> Iterator[None]:
    with unreachable_database():
        yield


def test_healthz_answers_ok_while_the_database_answers(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database:default": "ok"}}


def test_healthz_answers_503_when_the_database_does_not(
    client: Client, database_down: None
) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database:default"].startswith("unreachable")


@pytest.mark.parametrize("path", ["/api/v1/requests/", "/api/v1/letters/?overdue=true"])
def test_the_api_answers_503_in_its_error_shape(
    editor: Any, path: str, database_down: None
) -> None:
    api = APIClient()
    api.force_authenticate(editor)
    response = api.get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json() == {
        "code": "unavailable",
        "detail": "The service cannot reach its database right now. Try again shortly.",
        "errors": {},
    }


def test_an_api_write_during_the_outage_is_refused_and_nothing_is_written(
    editor: Any,
) -> None:
    optout: OptOutRequest = RequestFactory(by=editor)
    api = APIClient()
    api.force_authenticate(editor)
    with unreachable_database():
        response = api.patch(f"/api/v1/requests/{optout.pk}/", {"title": "Changed"}, format="json")
    assert response.status_code == 503
    assert OptOutRequest.objects.get(pk=optout.pk).title == optout.title


@pytest.mark.parametrize("path", ["/", "/requests/", "/public/", "/accounts/login/"])
def test_pages_answer_a_plain_try_again_page(
    editor_client: Client, path: str, database_down: None
) -> None:
    response = editor_client.get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert b"try again in a minute" in response.content


def test_the_site_answers_again_once_the_database_is_back(editor_client: Client) -> None:
    with unreachable_database():
        assert editor_client.get("/").status_code == 503
        assert client_health() == 503
    assert editor_client.get("/").status_code == 200
    assert client_health() == 200


def client_health() -> int:
    return Client().get("/healthz").status_code
