"""Every list endpoint costs the same number of queries for 5 rows as for 50."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from core.dates import PartialDate
from jurisdictions.models import Agency
from tests.api.conftest import open_requests
from tests.factories import (
    AgencyFactory,
    ContactFactory,
    EventFactory,
    JurisdictionFactory,
    LetterFactory,
    MeetingFactory,
    ResponseFactory,
    SourceFactory,
    StatementFactory,
)
from tracker.domain import services

pytestmark = pytest.mark.django_db


def _letters(n: int, editor: Any) -> None:
    office = AgencyFactory(kind=Agency.Kind.PROGRAM_OFFICE)
    contact = ContactFactory(agency=office)
    optout = services.request_open(jurisdiction=JurisdictionFactory(), title="R", by=editor)
    for i in range(n):
        letter = LetterFactory(request=optout, subject=f"Letter {i}", recipients=[office])
        letter.recipient_contacts.set([contact])


def _meetings(n: int, editor: Any) -> None:
    agency = AgencyFactory()
    contact = ContactFactory(agency=agency)
    optout = services.request_open(jurisdiction=JurisdictionFactory(), title="R", by=editor)
    for _ in range(n):
        meeting = MeetingFactory(request=optout)
        meeting.agencies.set([agency])
        meeting.attendees.set([contact])


def _transitions(n: int, editor: Any) -> None:
    # Each opened request logs one transition, by a user.
    open_requests(n, editor)


def _events(n: int, editor: Any) -> None:
    place, agency = JurisdictionFactory(), AgencyFactory()
    optout = services.request_open(jurisdiction=place, title="R", by=editor)
    for _ in range(n):
        EventFactory(jurisdictions=[place], agencies=[agency], requests=[optout])


# (endpoint, builder, expected queries). Every count starts with the same four:
# the session, the user, the user's own permissions, the permissions of the user's groups.
CASES: list[tuple[str, Callable[[int, Any], object], int]] = [
    # + count, page
    ("/api/v1/jurisdictions/", lambda n, _e: [JurisdictionFactory() for _ in range(n)], 6),
    # + count, page
    ("/api/v1/agencies/", lambda n, _e: [AgencyFactory() for _ in range(n)], 6),
    # + count, page
    ("/api/v1/contacts/", lambda n, _e: [ContactFactory() for _ in range(n)], 6),
    # + count, page (workflow facts and the owner are joined/annotated into it), sources
    ("/api/v1/requests/", open_requests, 7),
    # + count, page (awaiting reply, overdue, very overdue annotated), recipients (with
    # their reply windows), recipient contacts, sources, the holiday list (once, for the
    # due-date explanations)
    ("/api/v1/letters/", _letters, 10),
    # + count, page, sources
    ("/api/v1/responses/", lambda n, _e: [ResponseFactory() for _ in range(n)], 7),
    # + count, page, agencies, attendees, sources
    ("/api/v1/meetings/", _meetings, 9),
    # + count, page, sources
    ("/api/v1/statements/", lambda n, _e: [StatementFactory() for _ in range(n)], 7),
    # + count, page, jurisdictions, agencies, requests, sources
    ("/api/v1/events/", _events, 10),
    # + count, page
    ("/api/v1/sources/", lambda n, _e: [SourceFactory() for _ in range(n)], 6),
    # + count, page (with the user who made each move joined)
    ("/api/v1/transitions/", _transitions, 6),
]


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize(("url", "build", "queries"), CASES, ids=[c[0] for c in CASES])
def test_a_list_endpoint_costs_a_fixed_number_of_queries(
    reader: APIClient,
    editor: Any,
    django_assert_num_queries: Any,
    url: str,
    build: Callable[[int, Any], object],
    queries: int,
    rows: int,
) -> None:
    build(rows, editor)
    with django_assert_num_queries(queries):
        response = reader.get(url, {"page_size": 200})
    assert response.status_code == 200
    assert len(response.json()["results"]) >= rows


@pytest.mark.parametrize("rows", [5, 50])
def test_a_jurisdictions_requests_cost_a_fixed_number_of_queries(
    reader: APIClient, editor: Any, django_assert_num_queries: Any, rows: int
) -> None:
    jurisdiction = JurisdictionFactory()
    for i in range(rows):
        services.request_open(jurisdiction=jurisdiction, title=f"R{i}", by=editor)
    # session, user, user permissions, group permissions, the jurisdiction, count, page,
    # the requests' sources
    with django_assert_num_queries(8):
        response = reader.get(f"/api/v1/jurisdictions/{jurisdiction.pk}/requests/")
    assert response.json()["count"] == rows


@pytest.mark.parametrize("rows", [5, 50])
def test_a_timeline_costs_a_fixed_number_of_queries(
    reader: APIClient, editor: Any, django_assert_num_queries: Any, rows: int
) -> None:
    sheriff = AgencyFactory()
    optout = services.request_open(jurisdiction=JurisdictionFactory(), title="R", by=editor)
    for i in range(rows):
        services.letter_log(
            request=optout,
            by=editor,
            sender=sheriff,
            subject=f"L{i}",
            sent_on=PartialDate.parse("2010-09"),
        )
        services.response_record(request=optout, by=editor, agency=sheriff, kind="acknowledged")
        services.meeting_record(request=optout, by=editor)
    # session, user, user permissions, group permissions, the request (with its facts),
    # its sources, the request again for the timeline, letters, responses (with
    # agencies), meetings, transitions, events
    with django_assert_num_queries(12):
        response = reader.get(f"/api/v1/requests/{optout.pk}/timeline/")
    assert len(response.json()) == 3 * rows + 1


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize(("url", "build", "queries"), CASES, ids=[c[0] for c in CASES])
def test_a_later_page_by_number_or_by_cursor_costs_what_the_first_costs(
    reader: APIClient,
    editor: Any,
    django_assert_num_queries: Any,
    url: str,
    build: Callable[[int, Any], object],
    queries: int,
    rows: int,
) -> None:
    build(3 * rows, editor)
    # A numbered page finds its ids inside the query that reads its rows.
    with django_assert_num_queries(queries):
        second = reader.get(url, {"page": 2, "page_size": rows})
    assert len(second.json()["results"]) == rows
    # A cursor page: its ids, then its rows (instead of the count, then the rows).
    first = reader.get(url, {"cursor": "", "page_size": rows}).json()
    with django_assert_num_queries(queries):
        following = reader.get(first["next"])
    assert len(following.json()["results"]) == rows
