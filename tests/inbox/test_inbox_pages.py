"""The inbox's staff pages: the list, a message, uploading, and filing in two clicks."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from inbox.models import Message
from inbox.services import message_receive
from tests.inbox.conftest import Case, mail
from tracker.models import Letter

pytestmark = pytest.mark.django_db


def upload(client: Client, raw: bytes, name: str = "reply.eml", **extra: Any) -> Any:
    return client.post("/inbox/upload/", {"file": SimpleUploadedFile(name, raw), **extra})


def test_an_uploaded_reply_is_filed_and_the_case_page_shows_it(
    editor_client: Client, case: Case
) -> None:
    answer = upload(editor_client, mail("multipart_with_pdf.eml", case.request))

    letter = Letter.objects.get(direction=Letter.Direction.INCOMING)
    assert answer.status_code == 302
    assert answer["Location"].endswith(
        f"/requests/{case.request.pk}/?new=letter-{letter.pk}#letter-{letter.pk}"
    )
    page = editor_client.get(answer["Location"]).content.decode()
    assert "RE: Secure Communities: request not to be activated" in page
    assert Message.objects.get().received_by.username == "editor"


def test_an_email_uploaded_on_a_case_page_is_filed_on_that_case(
    editor_client: Client, case: Case
) -> None:
    page = editor_client.get(f"/requests/{case.request.pk}/").content.decode()
    assert 'action="/inbox/upload/"' in page

    answer = upload(editor_client, mail("unmatched.eml"), request=case.request.pk)

    message = Message.objects.get()
    assert answer.status_code == 302
    assert message.state == Message.State.MATCHED
    assert message.matched_by == Message.MatchedBy.STAFF
    assert message.letter.request == case.request
    assert message.letter.sender == case.ice  # the one agency the request waits on


def test_an_email_with_no_known_sender_asks_for_it_on_its_page(
    editor_client: Client, case: Case
) -> None:
    from tests.factories import RequestFactory

    other = RequestFactory()
    answer = upload(editor_client, mail("unmatched.eml"), request=other.pk)

    message = Message.objects.get()
    assert answer["Location"] == f"/inbox/{message.pk}/?request={other.pk}"
    page = editor_client.get(answer["Location"]).content.decode()
    assert f'<option value="{other.pk}" selected>' in page


def test_an_upload_that_is_not_an_email_gets_a_form_error(editor_client: Client) -> None:
    answer = upload(editor_client, b"%PDF-1.4 a scan", name="scan.pdf")

    assert answer.status_code == 400
    assert "not an email message" in answer.content.decode()
    assert Message.objects.count() == 0


def test_a_waiting_message_is_filed_in_two_clicks(editor_client: Client, case: Case) -> None:
    message = message_receive(raw=mail("unmatched.eml"), via=Message.Via.PIPE).message

    # Click one: open it from the inbox; click two: choose the request and file.
    inbox = editor_client.get("/inbox/?state=unmatched").content.decode()
    assert f'href="/inbox/{message.pk}/"' in inbox
    assert editor_client.get(f"/inbox/{message.pk}/").status_code == 200
    answer = editor_client.post(f"/inbox/{message.pk}/", {"request": case.request.pk})

    message.refresh_from_db()
    assert answer.status_code == 302
    assert message.letter.request == case.request
    assert message.filed_by.username == "editor"


def test_filing_an_auto_reply_is_refused_on_the_page(editor_client: Client, case: Case) -> None:
    message = message_receive(raw=mail("auto_reply.eml", case.request), via="pipe").message

    answer = editor_client.post(f"/inbox/{message.pk}/", {"request": case.request.pk})

    assert answer.status_code == 400
    assert "not an agency&#x27;s answer" in answer.content.decode()


def test_a_message_page_shows_the_html_cleaned_and_its_files(
    editor_client: Client, case: Case
) -> None:
    html = message_receive(raw=mail("html_only.eml", case.request), via="pipe").message
    hostile = message_receive(raw=mail("hostile_exe_as_pdf.eml", case.request), via="pipe").message

    page = editor_client.get(f"/inbox/{html.pk}/").content.decode()
    assert "Your request is under review." in page
    assert "<script>alert" not in page and "javascript:" not in page
    held = editor_client.get(f"/inbox/{hostile.pk}/").content.decode()
    assert "decision.pdf" in held and "refused" in held
    assert editor_client.get(f"/inbox/{hostile.pk}/original/").status_code == 404


def test_the_original_and_a_kept_file_download(editor_client: Client, case: Case) -> None:
    message = message_receive(raw=mail("multipart_with_pdf.eml", case.request), via="pipe").message
    pdf = message.attachments.get()

    original = editor_client.get(f"/inbox/{message.pk}/original/")
    download = editor_client.get(f"/inbox/attachments/{pdf.pk}/")

    assert original.status_code == 200
    assert b"".join(original.streaming_content).startswith(b"Return-Path:")
    assert download["Content-Type"] == "application/pdf"


def test_a_viewer_reads_the_inbox_but_neither_uploads_nor_files(
    viewer_client: Client, case: Case
) -> None:
    message = message_receive(raw=mail("unmatched.eml"), via="pipe").message

    assert viewer_client.get("/inbox/").status_code == 200
    assert "Upload an email" not in viewer_client.get("/inbox/").content.decode()
    assert upload(viewer_client, mail("unmatched.eml")).status_code == 403
    page = viewer_client.get(f"/inbox/{message.pk}/").content.decode()
    assert "File it on a request" not in page
    refused = viewer_client.post(f"/inbox/{message.pk}/", {"request": case.request.pk})
    assert refused.status_code == 403


def test_someone_signed_out_is_sent_to_sign_in(client: Client) -> None:
    assert client.get("/inbox/")["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("rows", [3, 30])
def test_the_inbox_takes_the_same_queries_for_3_rows_or_30(
    editor_client: Client, case: Case, rows: int, django_assert_num_queries: Any
) -> None:
    raw = mail("multipart_with_pdf.eml", case.request)
    for n in range(rows):
        message_receive(
            raw=raw.replace(b"<4CBF2A1B.7080301@ice.dhs.gov>", f"<m{n}@ice.dhs.gov>".encode()),
            via="pipe",
        )
    # Session, user, the user's and groups' permissions, the count, the page of messages
    # (with each one's request, jurisdiction and number of files).
    with django_assert_num_queries(6):
        answer = editor_client.get("/inbox/")
    assert answer.content.decode().count("<tr>") == 1 + min(rows, 50)
