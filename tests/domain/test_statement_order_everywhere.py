"""Statements are listed in one order on every surface: by date, undated ones last."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import StatementFactory

pytestmark = pytest.mark.django_db

SPEAKERS = ["Speaker dated September", "Speaker dated October", "Speaker undated"]


def in_order_of(page: str) -> list[str]:
    """The speakers, in the order they appear on a page."""
    found = [(page.find(speaker), speaker) for speaker in SPEAKERS]
    assert all(position >= 0 for position, _speaker in found), found
    return [speaker for _position, speaker in sorted(found)]


def test_an_undated_statement_is_listed_last_on_every_surface(viewer: Any) -> None:
    # Logged in another order than their dates, the undated one first.
    StatementFactory(speaker="Speaker undated", stated_on=None, is_public=True)
    StatementFactory(
        speaker="Speaker dated October", stated_on=dt.date(2010, 10, 6), is_public=True
    )
    StatementFactory(
        speaker="Speaker dated September", stated_on=dt.date(2010, 9, 7), is_public=True
    )
    staff, api = Client(), APIClient()
    staff.force_login(viewer)
    api.force_login(viewer)

    def from_api(client: APIClient) -> list[str]:
        results = client.get("/api/v1/statements/").json()["results"]
        return [item["speaker"] for item in results]

    orders = {
        "staff statements page": in_order_of(staff.get("/statements/").text),
        "public statements page": in_order_of(Client().get("/public/statements/").text),
        "API, signed in": from_api(api),
        "API, anonymous": from_api(APIClient()),
    }
    assert orders == dict.fromkeys(orders, SPEAKERS)
