"""``/api/v1/inbox/``: sending a message in, listing, filing."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from inbox.services import message_receive
from tests.inbox.conftest import Case, mail

pytestmark = pytest.mark.django_db


def test_a_raw_message_body_is_received_and_filed(api: APIClient, case: Case) -> None:
    answer = api.post(
        "/api/v1/inbox/messages/",
        data=mail("multipart_with_pdf.eml", case.request),
        content_type="message/rfc822",
    )

    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["state"] == "matched"
    assert body["request"] == case.request.pk
    assert body["via"] == "api"
    assert body["attachments"][0]["filename"] == "ICE response 2010-10-20.pdf"
    again = api.post(
        "/api/v1/inbox/messages/",
        data=mail("multipart_with_pdf.eml", case.request),
        content_type="message/rfc822",
    )
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]


def test_a_multipart_file_is_received(api: APIClient, db: None) -> None:
    answer = api.post(
        "/api/v1/inbox/messages/",
        {"file": SimpleUploadedFile("question.eml", mail("unmatched.eml"))},
        format="multipart",
    )

    assert answer.status_code == 201, answer.content
    assert answer.json()["state"] == "unmatched"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"data": b"%PDF-1.4 a scan", "content_type": "message/rfc822"}, "file"),
        ({"data": {}, "format": "multipart"}, "file"),
    ],
)
def test_what_is_not_an_email_is_a_400_with_the_field(
    api: APIClient, db: None, kwargs: dict[str, Any], field: str
) -> None:
    answer = api.post("/api/v1/inbox/messages/", **kwargs)

    assert answer.status_code == 400
    assert field in answer.json()["errors"]


def test_the_list_filters_by_state(api: APIClient, case: Case) -> None:
    for name in ("unmatched.eml", "bounce.eml", "auto_reply.eml", "multipart_with_pdf.eml"):
        message_receive(raw=mail(name, case.request), via="pipe")

    states = {
        state: [
            row["subject"] for row in api.get(f"/api/v1/inbox/?state={state}").json()["results"]
        ]
        for state in ("matched", "unmatched", "auto_reply", "bounce")
    }

    assert states["unmatched"] == ["Question about the opt-out"]
    assert len(states["matched"]) == len(states["bounce"]) == len(states["auto_reply"]) == 1
    wrong = api.get("/api/v1/inbox/?state=exploded")
    assert wrong.status_code == 400
    assert "state" in wrong.json()["errors"]


def test_a_message_is_filed_through_the_api(api: APIClient, case: Case) -> None:
    message = message_receive(raw=mail("unmatched.eml"), via="pipe").message

    answer = api.post(
        f"/api/v1/inbox/{message.pk}/file/",
        {"request": case.request.pk, "agency": case.ice.pk},
        format="json",
    )

    assert answer.status_code == 200, answer.content
    assert answer.json()["state"] == "matched"
    assert answer.json()["letter"] is not None
    twice = api.post(
        f"/api/v1/inbox/{message.pk}/file/", {"request": case.request.pk}, format="json"
    )
    assert twice.status_code == 400
    assert "already filed" in twice.json()["detail"] + str(twice.json()["errors"])


def test_filing_with_a_missing_request_is_a_field_error(api: APIClient, db: None) -> None:
    message = message_receive(raw=mail("unmatched.eml"), via="pipe").message

    answer = api.post(f"/api/v1/inbox/{message.pk}/file/", {"request": 999}, format="json")

    assert answer.status_code == 400
    assert "request" in answer.json()["errors"]


def test_a_viewer_reads_but_neither_sends_nor_files(reader: APIClient, case: Case) -> None:
    message = message_receive(raw=mail("unmatched.eml"), via="pipe").message

    assert reader.get("/api/v1/inbox/").status_code == 200
    assert reader.get(f"/api/v1/inbox/{message.pk}/").json()["text"].startswith("Which")
    sent = reader.post(
        "/api/v1/inbox/messages/", data=mail("unmatched.eml"), content_type="message/rfc822"
    )
    assert sent.status_code == 403
    filed = reader.post(
        f"/api/v1/inbox/{message.pk}/file/", {"request": case.request.pk}, format="json"
    )
    assert filed.status_code == 403


def test_signed_out_callers_get_401(client: Any, db: None) -> None:
    assert APIClient().get("/api/v1/inbox/").status_code == 401


@pytest.mark.parametrize("rows", [3, 30])
def test_the_list_takes_the_same_queries_for_3_rows_or_30(
    api: APIClient, case: Case, rows: int, django_assert_num_queries: Any
) -> None:
    raw = mail("multipart_with_pdf.eml", case.request)
    for n in range(rows):
        message_receive(
            raw=raw.replace(b"<4CBF2A1B.7080301@ice.dhs.gov>", f"<m{n}@ice.dhs.gov>".encode()),
            via="pipe",
        )
    # Session, user, permissions (user's and groups'), the count, the page, its files.
    with django_assert_num_queries(7):
        answer = api.get("/api/v1/inbox/")
    assert len(answer.json()["results"]) == min(rows, 50)


def test_the_schema_documents_the_inbox(api: APIClient, db: None) -> None:
    schema = api.get("/api/schema/?format=json").json()
    receive = schema["paths"]["/api/v1/inbox/messages/"]["post"]

    assert receive["summary"] == "Receive a message"
    assert "multipart/form-data" in receive["requestBody"]["content"]
    assert "message/rfc822" in receive["description"]
    assert schema["paths"]["/api/v1/inbox/{id}/file/"]["post"]["tags"] == ["inbox"]
    states = schema["components"]["schemas"]["InboxMessageStateEnum"]["enum"]
    assert set(states) == {"matched", "unmatched", "auto_reply", "bounce", "quarantined"}
