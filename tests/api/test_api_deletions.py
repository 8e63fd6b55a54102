"""The feed of deletions: what a copy must delete too."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from tests.api.helpers import if_match
from tests.factories import AgencyFactory, ContactFactory

pytestmark = pytest.mark.django_db


def _delete(client: APIClient, url: str, record: Any) -> None:
    response = client.delete(url, **if_match(record))
    assert response.status_code == 204, response.content


def test_a_deleted_record_is_in_the_feed(
    client: Any, admin_user: Any, cases: dict[str, Any]
) -> None:
    api = APIClient()
    api.force_authenticate(admin_user)
    before = timezone.now()
    contact = ContactFactory()
    agency = AgencyFactory()
    _delete(api, f"/api/v1/contacts/{contact.pk}/", contact)
    _delete(api, f"/api/v1/agencies/{agency.pk}/", agency)
    rows = api.get("/api/v1/deletions/", {"since": before.isoformat()}).json()["results"]
    assert [(row["resource"], row["id"]) for row in rows] == [
        ("contacts", contact.pk),
        ("agencies", agency.pk),
    ]
    later = api.get("/api/v1/deletions/", {"since": "2100-01-01T00:00:00Z"}).json()
    assert later["results"] == []
    everything = api.get("/api/v1/deletions/").json()
    assert everything["count"] == 2


def test_since_must_be_a_full_moment(reader: APIClient) -> None:
    response = reader.get("/api/v1/deletions/", {"since": "2010-09-28"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["since"]
    assert list(reader.get("/api/v1/deletions/?snce=x").json()["errors"]) == ["snce"]


def test_the_feed_needs_a_signed_in_user(client: Any) -> None:
    assert client.get("/api/v1/deletions/").status_code == 401


def test_the_feed_costs_the_same_whatever_the_page_size(
    admin_user: Any, cases: dict[str, Any]
) -> None:
    api = APIClient()
    api.force_authenticate(admin_user)
    for _ in range(3):
        contact = ContactFactory()
        _delete(api, f"/api/v1/contacts/{contact.pk}/", contact)
    counts = []
    for size in (1, 3):
        with CaptureQueriesContext(connection) as queries:
            body = api.get(f"/api/v1/deletions/?page_size={size}").json()
        assert len(body["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert dt.datetime.fromisoformat(body["results"][0]["deleted_at"])
