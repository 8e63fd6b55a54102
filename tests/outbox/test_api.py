"""``/api/v1/drafts/``: draft, list, read and send letters by email."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from outbox import services
from outbox.models import Draft, LetterTemplate
from tests.outbox.conftest import Case, Mailbox
from tracker.models import Letter

pytestmark = pytest.mark.django_db


def test_the_two_notices_are_drafted_through_the_api(api: APIClient, case: Case) -> None:
    response = api.post("/api/v1/drafts/notices/", {"request": case.request.pk}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert [d["recipient_agency"] for d in body] == [case.program_office.pk, case.sib.pk]
    assert all(d["status"] == "draft" for d in body)
    assert body[0]["recipient_contacts"] == [case.venturella.pk]


def test_one_letter_is_drafted_from_a_template(api: APIClient, case: Case) -> None:
    follow_up = LetterTemplate.objects.get(kind=LetterTemplate.Kind.FOLLOW_UP)
    response = api.post(
        "/api/v1/drafts/",
        {"request": case.request.pk, "recipient_agency": case.sib.pk, "template": follow_up.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["subject"].startswith(f"[OOT-{case.request.pk}] Follow-up")
    assert response["Location"].endswith(f"/api/v1/drafts/{response.json()['id']}/")


def test_bad_input_is_a_400_naming_the_fields(api: APIClient, case: Case) -> None:
    response = api.post(
        "/api/v1/drafts/",
        {"request": 999999, "recipient_agency": "x", "colour": "red"},
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) >= {"colour"}
    response = api.post(
        "/api/v1/drafts/",
        {"request": 999999, "recipient_agency": case.sib.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "request" in response.json()["errors"]
    # Neither a template nor a subject and body: the service's error, on its field.
    response = api.post(
        "/api/v1/drafts/",
        {"request": case.request.pk, "recipient_agency": case.sib.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "template" in response.json()["errors"]


def test_sending_through_the_api_sends_once_and_logs_the_letter(
    api: APIClient,
    case: Case,
    editor: Any,
    smtp_server: Mailbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    draft = services.drafts_create_notices(request=case.request, by=editor)[1]
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/drafts/{draft.pk}/send/")
    assert response.status_code == 202
    with django_capture_on_commit_callbacks(execute=True):
        again = api.post(f"/api/v1/drafts/{draft.pk}/send/")
    assert again.status_code == 202
    assert len(smtp_server.received) == 1
    read = api.get(f"/api/v1/drafts/{draft.pk}/").json()
    assert read["status"] == "sent"
    letter = Letter.objects.get(pk=read["letter"])
    assert letter.method == Letter.Method.EMAIL
    assert read["message_id"] == smtp_server.received[0]["Message-ID"]


def test_sending_a_draft_to_nobody_is_a_400(api: APIClient, case: Case, editor: Any) -> None:
    draft = services.drafts_create_notices(request=case.request, by=editor)[0]
    draft.recipient_contacts.clear()
    response = api.post(f"/api/v1/drafts/{draft.pk}/send/")
    assert response.status_code == 400
    assert "recipient_contacts" in response.json()["errors"]


def test_a_viewer_reads_drafts_but_cannot_draft_or_send(
    reader: APIClient, case: Case, editor: Any
) -> None:
    draft = services.drafts_create_notices(request=case.request, by=editor)[0]
    assert reader.get("/api/v1/drafts/").status_code == 200
    assert reader.post(f"/api/v1/drafts/{draft.pk}/send/").status_code == 403
    denied = reader.post("/api/v1/drafts/notices/", {"request": case.request.pk}, format="json")
    assert denied.status_code == 403
    assert Draft.objects.get(pk=draft.pk).status == Draft.Status.DRAFT


@pytest.mark.parametrize("rows", [2, 20])
def test_the_list_costs_the_same_however_many_drafts(
    api: APIClient, case: Case, editor: Any, rows: int, django_assert_num_queries: Any
) -> None:
    for _ in range(rows // 2):
        services.drafts_create_notices(request=case.request, by=editor)
    # Session, user, the user's and the group's permissions, the filter's request, the
    # count, the drafts (with request, jurisdiction, agency, template and letter), their
    # recipients.
    with django_assert_num_queries(8):
        response = api.get(f"/api/v1/drafts/?request={case.request.pk}")
    assert response.status_code == 200
    assert response.json()["count"] == rows
