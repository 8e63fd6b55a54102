"""The staff pages: the case page's button, a request's drafts, reviewing and sending."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from outbox import services
from outbox.models import Draft
from tests.outbox.conftest import Case, Mailbox
from tracker.models import Letter

pytestmark = pytest.mark.django_db


def test_the_case_page_drafts_the_two_notices_in_one_step(
    editor_client: Client, case: Case
) -> None:
    page = editor_client.get(case.request.get_absolute_url()).text
    assert "Draft the two notices" in page

    response = editor_client.post(f"/requests/{case.request.pk}/drafts/notices/")

    assert response.status_code == 302
    assert response["Location"] == f"/requests/{case.request.pk}/drafts/"
    drafts = list(Draft.objects.filter(request=case.request).order_by("pk"))
    assert [d.recipient_agency for d in drafts] == [case.program_office, case.sib]
    listing = editor_client.get(response["Location"]).text
    assert listing.count('class="draft-status draft-status-draft"') == 2


def test_a_viewer_sees_the_drafts_but_no_button(
    viewer_client: Client, case: Case, editor: Any
) -> None:
    services.drafts_create_notices(request=case.request, by=editor)
    page = viewer_client.get(case.request.get_absolute_url()).text
    assert "Draft the two notices" not in page
    assert page.count("draft-status-draft") == 2
    assert viewer_client.post(f"/requests/{case.request.pk}/drafts/notices/").status_code == 403


def test_staff_edit_a_draft_then_send_it_and_it_is_logged(
    editor_client: Client,
    case: Case,
    editor: Any,
    smtp_server: Mailbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    draft = services.drafts_create_notices(request=case.request, by=editor)[0]
    url = f"/requests/{case.request.pk}/drafts/{draft.pk}/"
    assert "Send by email" in editor_client.get(url).text

    response = editor_client.post(
        url,
        {
            "recipient_contacts": [case.venturella.pk],
            "subject": "Second notice from San Francisco",
            "body": "We ask again not to be activated.",
            "version": draft.version,
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.subject == f"[OOT-{case.request.pk}] Second notice from San Francisco"

    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(f"{url}send/", {"version": draft.version})
    assert response.status_code == 302
    (message,) = smtp_server.received
    assert message["Subject"] == draft.subject
    draft.refresh_from_db()
    assert draft.status == Draft.Status.SENT
    letter = Letter.objects.get(request=case.request)
    assert letter.method == Letter.Method.EMAIL
    # A sent draft is read-only, and sending it again sends nothing.
    page = editor_client.get(url).text
    assert "Send by email" not in page
    assert "Logged as the letter" in page
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(f"{url}send/", {"version": draft.version})
    assert len(smtp_server.received) == 1


def test_sending_a_draft_to_nobody_shows_why_on_the_page(
    editor_client: Client, case: Case, editor: Any
) -> None:
    draft = services.drafts_create_notices(request=case.request, by=editor)[0]
    draft.recipient_contacts.clear()
    response = editor_client.post(
        f"/requests/{case.request.pk}/drafts/{draft.pk}/send/", {"version": draft.version}
    )
    assert response.status_code == 400
    assert "Nobody to send it to" in response.text
    draft.refresh_from_db()
    assert draft.status == Draft.Status.DRAFT


def test_an_empty_subject_is_a_form_error(editor_client: Client, case: Case, editor: Any) -> None:
    draft = services.drafts_create_notices(request=case.request, by=editor)[0]
    response = editor_client.post(
        f"/requests/{case.request.pk}/drafts/{draft.pk}/",
        {"subject": "", "body": "text", "version": draft.version},
    )
    assert response.status_code == 400
    assert "This field is required." in response.text


def test_a_follow_up_is_drafted_from_its_template(editor_client: Client, case: Case) -> None:
    from outbox.models import LetterTemplate

    follow_up = LetterTemplate.objects.get(kind=LetterTemplate.Kind.FOLLOW_UP)
    response = editor_client.post(
        f"/requests/{case.request.pk}/drafts/new/",
        {"template": follow_up.pk, "recipient_agency": case.sib.pk},
    )
    assert response.status_code == 302
    draft = Draft.objects.get(request=case.request)
    assert draft.template == follow_up
    assert "Follow-up" in draft.subject


def test_the_letter_prints_and_downloads_as_a_pdf(
    editor_client: Client, case: Case, editor: Any
) -> None:
    draft = services.drafts_create_notices(request=case.request, by=editor)[0]
    base = f"/requests/{case.request.pk}/drafts/{draft.pk}/"
    printable = editor_client.get(f"{base}letter/")
    assert printable.status_code == 200
    assert "Dear David Venturella," in printable.text
    pdf = editor_client.get(f"{base}letter.pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_a_draft_is_not_found_under_another_request(
    editor_client: Client, case: Case, editor: Any
) -> None:
    from tests.factories import RequestFactory

    draft = services.drafts_create_notices(request=case.request, by=editor)[0]
    other = RequestFactory()
    assert editor_client.get(f"/requests/{other.pk}/drafts/{draft.pk}/").status_code == 404


@pytest.mark.parametrize("rows", [2, 20])
def test_the_drafts_page_costs_the_same_however_many_drafts(
    editor_client: Client, case: Case, editor: Any, rows: int, django_assert_num_queries: Any
) -> None:
    for _ in range(rows // 2):
        services.drafts_create_notices(request=case.request, by=editor)
    # Session, user, the user's and the group's permissions, the request (with its
    # jurisdiction and requesting agency), the drafts (with agency and letter), the
    # agencies offered for a new draft, the templates offered.
    with django_assert_num_queries(8):
        response = editor_client.get(f"/requests/{case.request.pk}/drafts/")
    assert response.text.count("draft-status-draft") == rows
