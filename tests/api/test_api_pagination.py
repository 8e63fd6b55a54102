"""Pages by number and by cursor: every row once, in the list's order, at any depth."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core.dates import DatePrecision, PartialDate
from tests.api.conftest import ids, open_requests
from tests.factories import AgencyFactory, JurisdictionFactory, LetterFactory, MeetingFactory
from tracker.api.pagination import cursor_after
from tracker.domain import services
from tracker.models import Letter

pytestmark = pytest.mark.django_db


@pytest.fixture
def letters(editor: Any, reader: APIClient) -> list[int]:
    """Letters with ties on the sending date and undated ones, in the list's order."""
    optout = services.request_open(jurisdiction=JurisdictionFactory(), title="R", by=editor)
    days = [dt.date(2010, 9, 1 + i % 4) for i in range(11)]
    for i, day in enumerate(days):
        precision = DatePrecision.MONTH if i % 5 == 0 else DatePrecision.DAY
        LetterFactory(request=optout, sent_on=PartialDate(day, precision))
    for _ in range(3):
        LetterFactory(
            request=optout,
            direction=Letter.Direction.INCOMING,
            sent_on=None,
            received_on=PartialDate(dt.date(2010, 10, 1), DatePrecision.DAY),
        )
    return ids(reader.get("/api/v1/letters/", {"page_size": 200}))


def _walk(client: APIClient, url: str, params: dict[str, Any]) -> tuple[list[int], list[int]]:
    """Every row by ``next`` links from the first cursor page, then every row by
    ``previous`` links back from the last page."""
    forward: list[int] = []
    answer = client.get(url, {**params, "cursor": ""}).json()
    assert answer["previous"] is None
    assert "count" not in answer
    pages = 0
    while True:
        forward += [row["id"] for row in answer["results"]]
        pages += 1
        assert pages < 100
        if answer["next"] is None:
            break
        answer = client.get(answer["next"]).json()
    backward: list[int] = [row["id"] for row in answer["results"]]
    while answer["previous"] is not None:
        answer = client.get(answer["previous"]).json()
        backward = [row["id"] for row in answer["results"]] + backward
    return forward, backward


def test_cursor_pages_give_every_letter_once_in_the_lists_order(
    reader: APIClient, letters: list[int]
) -> None:
    forward, backward = _walk(reader, "/api/v1/letters/", {"page_size": 3})
    assert forward == letters
    assert backward == letters
    assert len(set(forward)) == 14


@pytest.mark.parametrize("ordering", ["-sent_on", "due_on", "-received_on", "subject", "-id"])
def test_cursor_pages_follow_any_order_the_list_offers(
    reader: APIClient, letters: list[int], ordering: str
) -> None:
    by_number = ids(reader.get("/api/v1/letters/", {"ordering": ordering, "page_size": 200}))
    forward, backward = _walk(reader, "/api/v1/letters/", {"ordering": ordering, "page_size": 4})
    assert forward == by_number == backward
    assert sorted(forward) == sorted(letters)


def test_cursor_pages_keep_the_filters(reader: APIClient, letters: list[int]) -> None:
    by_number = ids(reader.get("/api/v1/letters/", {"direction": "outgoing", "page_size": 200}))
    forward, backward = _walk(reader, "/api/v1/letters/", {"direction": "outgoing", "page_size": 2})
    assert forward == by_number == backward
    assert len(forward) == 11


def test_cursor_pages_of_requests_follow_their_jurisdictions(
    reader: APIClient, editor: Any
) -> None:
    for state in ("WA", "AL", "CA"):
        jurisdiction = JurisdictionFactory(state=state)
        for i in range(3):
            services.request_open(jurisdiction=jurisdiction, title=f"{state} {i}", by=editor)
    by_number = ids(reader.get("/api/v1/requests/", {"page_size": 200}))
    forward, backward = _walk(reader, "/api/v1/requests/", {"page_size": 2})
    assert forward == by_number == backward
    assert len(forward) == 9


def test_a_cursor_starts_right_after_the_row_it_names(
    reader: APIClient, letters: list[int]
) -> None:
    cursor = cursor_after(Letter.objects.all(), letters[5])
    answer = reader.get("/api/v1/letters/", {"cursor": cursor, "page_size": 4}).json()
    assert [row["id"] for row in answer["results"]] == letters[6:10]


def test_public_lists_have_cursor_pages_too(editor: Any) -> None:
    open_requests(3, editor)
    answer = APIClient().get("/api/v1/agencies/", {"cursor": ""})
    assert answer.status_code == 200
    assert set(answer.json()) == {"next", "previous", "results"}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"cursor": "not-a-cursor"}, "Not a cursor this list gave"),
        ({"cursor": "e30"}, "Not a cursor this list gave"),  # {}
        ({"cursor": "", "page": "2"}, "not both"),
    ],
)
def test_a_bad_cursor_is_a_400_that_says_why(
    reader: APIClient, letters: list[int], params: dict[str, str], message: str
) -> None:
    answer = reader.get("/api/v1/letters/", params)
    assert answer.status_code == 400
    assert message in answer.json()["errors"]["cursor"][0]


def test_a_cursor_of_another_order_is_refused(reader: APIClient, letters: list[int]) -> None:
    cursor = reader.get("/api/v1/letters/", {"cursor": "", "page_size": 2}).json()["next"]
    token = cursor.split("cursor=")[1].split("&")[0]
    answer = reader.get("/api/v1/letters/", {"cursor": token, "ordering": "subject"})
    assert answer.status_code == 400
    assert "cursor" in answer.json()["errors"]


def test_a_list_that_is_not_a_query_has_no_cursor_pages(reader: APIClient) -> None:
    answer = reader.get("/api/v1/statements/contradictions/", {"cursor": ""})
    assert answer.status_code == 400
    assert "no cursor pages" in answer.json()["errors"]["cursor"][0]


# --- Pages by number ----------------------------------------------------------------------


def test_every_numbered_page_holds_the_rows_of_the_lists_order(
    reader: APIClient, letters: list[int]
) -> None:
    pages = [ids(reader.get("/api/v1/letters/", {"page": n, "page_size": 4})) for n in (1, 2, 3, 4)]
    assert pages == [letters[0:4], letters[4:8], letters[8:12], letters[12:14]]


def test_rows_that_tie_in_the_order_keep_one_order_across_pages(reader: APIClient) -> None:
    states = ["WA", "CA", "OR", "NV", "AZ", "TX"]
    twins = [AgencyFactory(name="Sheriff's Office", state=state) for state in states]
    pages = [
        ids(reader.get("/api/v1/agencies/", {"search": "Sheriff", "page": n, "page_size": 2}))
        for n in (1, 2, 3)
    ]
    assert [pk for page in pages for pk in page] == [agency.pk for agency in twins]


def test_a_deep_page_reads_its_ids_first_in_the_same_query(
    reader: APIClient, letters: list[int]
) -> None:
    with CaptureQueriesContext(connection) as queries:
        answer = reader.get("/api/v1/letters/", {"page": 3, "page_size": 4})
    assert ids(answer) == letters[8:12]
    page = [q["sql"] for q in queries.captured_queries if '"tracker_letter"."summary"' in q["sql"]]
    assert len(page) == 1
    assert "IN (SELECT" in page[0]


# --- The filters and the count ----------------------------------------------------------------


def _letter_queries(client: APIClient, params: dict[str, Any]) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/letters/", params).status_code == 200
    return [q["sql"] for q in queries.captured_queries if "tracker_letter" in q["sql"]]


@pytest.mark.parametrize(
    "params",
    [
        {"status": ["notice_sent", "draft"]},
        {"state": "CA", "method": ["mail", "email"]},
        {"recipient": "RECIPIENT"},
        {"agency": "RECIPIENT"},
    ],
)
def test_filters_never_make_the_database_compare_whole_rows(
    reader: APIClient, letters: list[int], params: dict[str, Any]
) -> None:
    office = AgencyFactory()
    LetterFactory(recipients=[office])
    params = {k: office.pk if v == "RECIPIENT" else v for k, v in params.items()}
    queries = _letter_queries(reader, params)
    assert queries
    assert not any("DISTINCT" in sql for sql in queries)


def test_a_recipient_filter_lists_each_letter_once(reader: APIClient, editor: Any) -> None:
    office, sib = AgencyFactory(), AgencyFactory()
    letter = LetterFactory(recipients=[office, sib])
    LetterFactory(recipients=[sib])
    assert ids(reader.get("/api/v1/letters/", {"recipient": office.pk})) == [letter.pk]
    meeting = MeetingFactory()
    meeting.agencies.set([office, sib])
    assert ids(reader.get("/api/v1/meetings/", {"agency": office.pk})) == [meeting.pk]


def test_the_count_is_a_plain_count_of_the_filtered_rows(
    reader: APIClient, letters: list[int]
) -> None:
    queries = _letter_queries(reader, {"overdue": "true", "status": "draft"})
    counts = [sql for sql in queries if "COUNT(" in sql]
    assert len(counts) == 1
    assert "ORDER BY" not in counts[0]
    assert "flag_" not in counts[0]
    assert "DISTINCT" not in counts[0]
