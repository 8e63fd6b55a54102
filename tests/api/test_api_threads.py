"""Correspondence threads and their letters through the API; contradictions across agencies."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from jurisdictions.models import Agency, Jurisdiction
from tests.api.conftest import ids
from tests.correspondence import (
    LOFGREN_THREAD,
    WEICH_NAPOLITANO,
    WEICH_NAPOLITANO_LABEL,
)
from tests.factories import AgencyFactory, JurisdictionFactory
from tracker.domain import services
from tracker.models import CorrespondenceThread, ThreadLetter

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(editor: Any) -> CorrespondenceThread:
    return services.thread_open(by=editor, title="Rep. Lofgren asks DHS and DOJ")


def test_an_editor_opens_a_thread_linked_to_two_requests(api: APIClient, editor: Any) -> None:
    first = services.request_open(jurisdiction=JurisdictionFactory(), title="A", by=editor)
    second = services.request_open(jurisdiction=JurisdictionFactory(), title="B", by=editor)
    answer = api.post(
        "/api/v1/threads/",
        {"title": "Lofgren", "requests": [first.pk, second.pk]},
        format="json",
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert sorted(body["requests"]) == sorted([first.pk, second.pk])
    assert body["letters"] == []
    assert answer["ETag"] == '"1"'
    assert CorrespondenceThread.objects.get().history.first().history_user == editor


def test_a_thread_with_no_request_is_fine_and_a_bad_one_is_refused_by_field(
    api: APIClient,
) -> None:
    assert api.post("/api/v1/threads/", {"title": "Unlinked"}, format="json").status_code == 201
    refused = api.post(
        "/api/v1/threads/", {"title": "", "requests": [999999], "colour": "red"}, format="json"
    )
    assert refused.status_code == 400
    errors = refused.json()["errors"]
    assert {"colour"} <= set(errors)
    assert CorrespondenceThread.objects.count() == 1


def test_a_letter_is_logged_then_edited_with_if_match(
    api: APIClient, thread: CorrespondenceThread
) -> None:
    dhs = AgencyFactory(abbreviation="DHS")
    created = api.post(
        "/api/v1/thread-letters/",
        {
            "thread": thread.pk,
            "sender": "Secretary Janet Napolitano",
            "sender_agency": dhs.pk,
            "recipients": "Rep. Zoe Lofgren",
            "sent_on": "2010-09",
            "subject": "The steps",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    letter = created.json()
    assert letter["sent_on"] == "2010-09"
    url = f"/api/v1/thread-letters/{letter['id']}/"
    assert api.patch(url, {"sent_on": "2010-09-07"}, format="json").status_code == 428
    assert (
        api.patch(url, {"sent_on": "2010-09-07"}, format="json", HTTP_IF_MATCH='"9"').status_code
        == 412
    )
    edited = api.patch(url, {"sent_on": "2010-09-07"}, format="json", HTTP_IF_MATCH='"1"')
    assert edited.status_code == 200, edited.content
    assert edited.json()["sent_on"] == "2010-09-07"
    moved = api.patch(url, {"thread": 999}, format="json", HTTP_IF_MATCH='"2"')
    assert moved.status_code == 400
    shown = api.get(f"/api/v1/threads/{thread.pk}/").json()
    assert [row["subject"] for row in shown["letters"]] == ["The steps"]


def test_a_letter_from_the_future_is_refused(api: APIClient, thread: CorrespondenceThread) -> None:
    answer = api.post(
        "/api/v1/thread-letters/",
        {"thread": thread.pk, "sender": "x", "recipients": "y", "subject": "z", "sent_on": "2999"},
        format="json",
    )
    assert answer.status_code == 400
    assert "sent_on" in answer.json()["errors"]
    assert not ThreadLetter.objects.exists()


def test_a_thread_edit_relinks_its_requests(
    api: APIClient, editor: Any, thread: CorrespondenceThread
) -> None:
    optout = services.request_open(jurisdiction=JurisdictionFactory(), title="A", by=editor)
    url = f"/api/v1/threads/{thread.pk}/"
    edited = api.patch(url, {"requests": [optout.pk]}, format="json", HTTP_IF_MATCH='"1"')
    assert edited.status_code == 200, edited.content
    assert ids(api.get("/api/v1/threads/", {"request": optout.pk})) == [thread.pk]
    assert ids(api.get("/api/v1/threads/", {"jurisdiction": optout.jurisdiction_id})) == [thread.pk]


def test_viewers_read_but_do_not_write_and_editors_do_not_delete(
    reader: APIClient, api: APIClient, thread: CorrespondenceThread
) -> None:
    assert reader.get("/api/v1/threads/").status_code == 200
    assert reader.post("/api/v1/threads/", {"title": "x"}, format="json").status_code == 403
    assert reader.get("/api/v1/thread-letters/").status_code == 200
    refused = api.delete(f"/api/v1/threads/{thread.pk}/", HTTP_IF_MATCH='"1"')
    assert refused.status_code == 403
    me = reader.get("/api/v1/me/").json()["resources"]
    assert me["threads"] == {"view": True, "add": False, "change": False, "delete": False}


def test_the_public_reads_published_threads_in_the_public_shape(record_2010: None) -> None:
    anonymous = APIClient()
    listed = anonymous.get("/api/v1/threads/")
    assert listed.status_code == 200
    (row,) = listed.json()["results"]
    assert row["reference"] == LOFGREN_THREAD
    assert "notes" not in row and "notes" not in row["letters"][0]
    assert [letter["sent"]["date"] for letter in row["letters"]] == [
        "2010-07-27",
        "2010-09-07",
        "2010-09-08",
    ]
    assert row["letters"][2]["statement"] == "2010-09-08-weich"
    assert len(row["requests"]) == 4
    assert anonymous.get("/api/v1/thread-letters/").status_code == 401
    assert anonymous.post("/api/v1/threads/", {"title": "x"}, format="json").status_code == 401
    assert anonymous.get("/api/v1/threads/", {"is_public": "false"}).status_code == 400


def test_an_unpublished_thread_is_not_found_by_the_public(
    editor: Any, thread: CorrespondenceThread
) -> None:
    answer = APIClient().get(f"/api/v1/threads/{thread.pk}/")
    assert answer.status_code == 404


def _threads(n: int, editor: Any) -> None:
    jurisdiction: Jurisdiction = JurisdictionFactory()
    optout = services.request_open(jurisdiction=jurisdiction, title="R", by=editor, is_public=True)
    agency: Agency = AgencyFactory()
    for i in range(n):
        thread = services.thread_open(
            by=editor,
            title=f"Thread {i}",
            requests=[optout],
            jurisdictions=[jurisdiction],
            is_public=True,
        )
        services.thread_letter_log(
            by=editor,
            thread=thread,
            sender="Rep. Lofgren",
            sender_agency=agency,
            recipients="DHS",
            recipient_agencies=[agency],
            subject="Opting out",
            is_public=True,
        )


@pytest.mark.parametrize("rows", [5, 50])
def test_the_thread_list_costs_the_same_for_5_and_50_threads(
    rows: int, reader: APIClient, editor: Any, django_assert_num_queries: Any
) -> None:
    _threads(rows, editor)
    reader.get("/api/v1/threads/")
    # Expect 12 queries: session, user, the user's and the groups' permissions, count,
    # page, letters, their recipient agencies, their sources, requests, jurisdictions,
    # sources.
    with django_assert_num_queries(12):
        answer = reader.get("/api/v1/threads/", {"page_size": 50})
    assert len(answer.json()["results"]) == rows


@pytest.mark.parametrize("rows", [5, 50])
def test_the_public_thread_list_costs_the_same_for_5_and_50_threads(
    rows: int, editor: Any, django_assert_num_queries: Any
) -> None:
    _threads(rows, editor)
    anonymous = APIClient()
    anonymous.get("/api/v1/threads/")
    # Expect 7 queries: count, page, the sources, letters (sender agencies and statements
    # joined), their recipient agencies, their sources, the published requests
    # (jurisdictions joined).
    with django_assert_num_queries(7):
        answer = anonymous.get("/api/v1/threads/", {"page_size": 50})
    assert len(answer.json()["results"]) == rows


@pytest.mark.parametrize("rows", [5, 50])
def test_the_thread_letter_list_costs_the_same_for_5_and_50_letters(
    rows: int, reader: APIClient, editor: Any, django_assert_num_queries: Any
) -> None:
    thread = services.thread_open(by=editor, title="T")
    agency: Agency = AgencyFactory()
    for i in range(rows):
        services.thread_letter_log(
            by=editor,
            thread=thread,
            sender="s",
            recipients="r",
            recipient_agencies=[agency],
            subject=f"Letter {i}",
        )
    reader.get("/api/v1/thread-letters/")
    # Expect 8 queries: session, user, the user's and the groups' permissions, count,
    # page, recipient agencies, sources.
    with django_assert_num_queries(8):
        answer = reader.get("/api/v1/thread-letters/", {"page_size": 50})
    assert len(answer.json()["results"]) == rows


def test_the_contradictions_endpoint_pairs_weich_with_the_reversal(
    record_2010: None, reader: APIClient
) -> None:
    for client in (reader, APIClient()):
        answer = client.get("/api/v1/statements/contradictions/", {"page_size": 100})
        assert answer.status_code == 200
        pairs = {row["key"]: row for row in answer.json()["results"]}
        pair = pairs[WEICH_NAPOLITANO]
        assert pair["label"] == WEICH_NAPOLITANO_LABEL
        assert pair["across_agencies"] is True
        assert pairs["2010-09-07-napolitano--2010-10-06-napolitano"]["across_agencies"] is False
    # The filter by agency keeps the pair, from either side.
    by_doj = reader.get(
        "/api/v1/statements/contradictions/", {"agency": Agency.objects.get(reference="doj").pk}
    )
    assert WEICH_NAPOLITANO in {row["key"] for row in by_doj.json()["results"]}
