"""Fixtures and helpers for the API's tests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import JurisdictionFactory
from tracker.domain import services
from tracker.models import OptOutRequest


@pytest.fixture
def optout(editor: Any) -> OptOutRequest:
    """A draft request opened by the editor."""
    return services.request_open(jurisdiction=JurisdictionFactory(), title="Opt out", by=editor)


def ids(response: Any) -> list[int]:
    """The ids of one page of a list endpoint, in the order given; the answer must be a 200."""
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def open_requests(n: int, editor: Any) -> None:
    """Open ``n`` draft requests of one jurisdiction (a list endpoint's rows)."""
    jurisdiction = JurisdictionFactory()
    for i in range(n):
        services.request_open(jurisdiction=jurisdiction, title=f"Request {i}", by=editor)
