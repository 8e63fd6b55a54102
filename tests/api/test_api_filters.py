"""Filtering, searching, ordering and paging the lists."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import ids
from tracker.models import OptOutRequest

pytestmark = pytest.mark.django_db


def test_requests_filter_by_several_statuses_at_once(
    reader: APIClient, cases: dict[str, Any]
) -> None:
    assert sorted(ids(reader.get("/api/v1/requests/?status=draft&status=notice_sent"))) == sorted(
        OptOutRequest.objects.values_list("pk", flat=True)
    )
    assert ids(reader.get("/api/v1/requests/?status=draft")) == [cases["arlington"].pk]


def test_requests_filter_by_state_jurisdiction_and_owner(
    reader: APIClient, cases: dict[str, Any]
) -> None:
    assert ids(reader.get("/api/v1/requests/?state=VA")) == [cases["arlington"].pk]
    sf = cases["sf"]
    assert ids(reader.get(f"/api/v1/requests/?jurisdiction={sf.jurisdiction_id}")) == [sf.pk]
    assert ids(reader.get("/api/v1/requests/?owner=editor")) == [cases["arlington"].pk]


def test_requests_filter_by_opening_date_range(reader: APIClient, cases: dict[str, Any]) -> None:
    found = ids(
        reader.get("/api/v1/requests/?opened_on_after=2010-09-01&opened_on_before=2010-12-31")
    )
    assert found == [cases["arlington"].pk]


def test_overdue_finds_only_unanswered_letters_past_their_due_date(
    reader: APIClient, cases: dict[str, Any]
) -> None:
    assert ids(reader.get("/api/v1/letters/?overdue=true")) == [cases["sf_letter"].pk]
    assert ids(reader.get("/api/v1/letters/?overdue=false")) == [cases["sc_letter"].pk]
    assert ids(reader.get("/api/v1/requests/?overdue=true")) == [cases["sf"].pk]


def test_awaiting_reply_finds_outgoing_letters_without_an_answer(
    reader: APIClient, cases: dict[str, Any]
) -> None:
    assert ids(reader.get("/api/v1/letters/?awaiting_reply=true")) == [cases["sf_letter"].pk]
    assert sorted(ids(reader.get("/api/v1/requests/?awaiting_reply=false"))) == sorted(
        [cases["arlington"].pk, cases["sc"].pk]
    )


def test_letters_filter_by_method_direction_agency_and_date(
    reader: APIClient, cases: dict[str, Any]
) -> None:
    assert ids(reader.get("/api/v1/letters/?method=fax")) == [cases["sf_letter"].pk]
    assert ids(reader.get("/api/v1/letters/?direction=incoming")) == []
    both = sorted([cases["sf_letter"].pk, cases["sc_letter"].pk])
    assert sorted(ids(reader.get(f"/api/v1/letters/?agency={cases['ice'].pk}"))) == both
    assert sorted(ids(reader.get(f"/api/v1/letters/?agency={cases['sheriff'].pk}"))) == both
    assert ids(reader.get("/api/v1/letters/?sent_on_after=2010-10-01")) == []
    assert ids(reader.get("/api/v1/letters/?state=CA&method=mail")) == [cases["sc_letter"].pk]


def test_search_looks_in_titles_and_summaries(reader: APIClient, cases: dict[str, Any]) -> None:
    assert ids(reader.get("/api/v1/requests/?search=arlington")) == [cases["arlington"].pk]
    assert sorted(ids(reader.get("/api/v1/requests/?search=sheriff activated"))) == sorted(
        [cases["sf"].pk, cases["sc"].pk]
    )
    assert ids(reader.get("/api/v1/letters/?search=clara notice")) == [cases["sc_letter"].pk]


def test_ordering_sorts_either_way(reader: APIClient, cases: dict[str, Any]) -> None:
    ascending = ids(reader.get("/api/v1/requests/?ordering=opened_on,id"))
    assert ascending[-1] == cases["arlington"].pk
    assert ids(reader.get("/api/v1/requests/?ordering=-opened_on,id"))[0] == cases["arlington"].pk


def test_page_size_picks_how_many_rows_a_page_holds(
    reader: APIClient, cases: dict[str, Any]
) -> None:
    first = reader.get("/api/v1/requests/?page_size=2").json()
    assert (first["count"], len(first["results"])) == (3, 2)
    second = reader.get(first["next"]).json()
    assert len(second["results"]) == 1


def test_a_jurisdictions_requests_are_listed_under_it(
    reader: APIClient, cases: dict[str, Any]
) -> None:
    sf = cases["sf"]
    body = reader.get(f"/api/v1/jurisdictions/{sf.jurisdiction_id}/requests/").json()
    assert [row["id"] for row in body["results"]] == [sf.pk]


def test_the_timeline_merges_everything_in_date_order(
    reader: APIClient, cases: dict[str, Any]
) -> None:
    entries = reader.get(f"/api/v1/requests/{cases['sc'].pk}/timeline/").json()
    kinds = [entry["kind"] for entry in entries]
    # The opening (May 2010, when the request was opened), the letter (September 2010),
    # the move made today; the undated response is last.
    assert kinds == ["transition", "letter", "transition", "response"]
    assert entries[0]["date"] == "2010-05"
    assert entries[1]["date"] == "2010-09-07"
    assert entries[-1]["date"] is None
