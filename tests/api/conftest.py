"""Fixtures and helpers for the API's tests."""

from __future__ import annotations

from typing import Any

import pytest

from core.dates import PartialDate
from jurisdictions.models import Agency
from tests.factories import AgencyFactory, JurisdictionFactory
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


@pytest.fixture
def cases(editor: Any) -> dict[str, Any]:
    """Arlington (VA, draft), San Francisco (CA, notice sent, letter overdue) and
    Santa Clara (CA, notice sent, letter answered)."""
    sheriff = AgencyFactory(name="Sheriff", kind=Agency.Kind.SHERIFF, level=Agency.Level.LOCAL)
    ice = AgencyFactory(name="Secure Communities", kind=Agency.Kind.PROGRAM_OFFICE)
    arlington = services.request_open(
        jurisdiction=JurisdictionFactory(name="Arlington", state="VA", fips="51013"),
        title="Arlington opts out",
        by=editor,
        owner=editor,
        opened_on=PartialDate.parse("2010-09-28"),
    )
    made: dict[str, Any] = {"arlington": arlington, "sheriff": sheriff, "ice": ice}
    for key, name, method in (("sf", "San Francisco", "fax"), ("sc", "Santa Clara", "mail")):
        optout = services.request_open(
            jurisdiction=JurisdictionFactory(name=name, state="CA"),
            title=f"{name} opts out",
            summary="The sheriff asked not to be activated.",
            by=editor,
            opened_on=PartialDate.parse("2010-05"),
        )
        letter = services.letter_log(
            request=optout,
            by=editor,
            sender=sheriff,
            recipients=[ice],  # type: ignore[list-item]
            subject=f"{name} notice",
            method=method,
            sent_on=PartialDate.parse("2010-09-07"),
        )
        services.request_transition(request=optout, to="notice_sent", by=editor)
        made[key], made[f"{key}_letter"] = optout, letter
    services.response_record(
        request=made["sc"], by=editor, agency=ice, kind="acknowledged", letter=made["sc_letter"]
    )
    return made
