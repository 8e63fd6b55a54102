"""Attachments shown in the browser: PDFs and images only, with safe headers.

A preview is served inline with the type read from the file's bytes, never sniffed
by the browser, under a sandboxing Content-Security-Policy. Anything else (a Word
document, text, HTML uploaded under a PDF's name) has no preview and stays a
download.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.attachment_files import PNG, text_pdf
from tests.factories import AgencyFactory, RequestFactory, StatementFactory
from tracker.domain import services

pytestmark = pytest.mark.django_db


def _letter(editor: Any, name: str, content: bytes) -> Any:
    return services.letter_log(
        request=RequestFactory(),
        by=editor,
        sender=AgencyFactory(),
        subject="The sheriff's letter",
        attachment=SimpleUploadedFile(name, content),
    )


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [("scan.pdf", text_pdf("Hello"), "application/pdf"), ("photo.png", PNG, "image/png")],
)
def test_a_pdf_or_an_image_is_shown_inline_with_safe_headers(
    client: Client, editor: Any, viewer: Any, name: str, content: bytes, kind: str
) -> None:
    letter = _letter(editor, name, content)
    client.force_login(viewer)
    response = client.get(f"/letters/{letter.pk}/attachment/preview/")
    assert response.status_code == 200
    assert response["Content-Type"] == kind
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    csp = response["Content-Security-Policy"]
    assert csp.startswith("sandbox;") and "default-src 'none'" in csp and "script" not in csp
    assert b"".join(response.streaming_content) == content
    # The download stays a download.
    download = client.get(f"/letters/{letter.pk}/attachment/")
    assert download["Content-Disposition"].startswith("attachment;")


def test_html_uploaded_as_a_pdf_has_no_preview(client: Client, editor: Any, viewer: Any) -> None:
    letter = _letter(editor, "letter.pdf", b"<html><script>alert(1)</script></html>")
    client.force_login(viewer)
    assert client.get(f"/letters/{letter.pk}/attachment/preview/").status_code == 404
    download = client.get(f"/letters/{letter.pk}/attachment/")
    assert download["Content-Type"] == "text/plain"
    assert download["Content-Disposition"].startswith("attachment;")


def test_a_stored_file_whose_bytes_are_not_what_its_name_says_is_not_shown(
    client: Client, editor: Any, viewer: Any
) -> None:
    letter = _letter(editor, "scan.pdf", text_pdf("Hello"))
    with letter.attachment.storage.open(letter.attachment.name, "wb") as handle:
        handle.write(b"<svg onload=alert(1)>")  # replaced behind the app's back
    client.force_login(viewer)
    assert client.get(f"/letters/{letter.pk}/attachment/preview/").status_code == 404


def test_a_replys_pdf_is_previewed_and_the_timeline_links_previews(
    client: Client, editor: Any, viewer: Any
) -> None:
    request = RequestFactory()
    reply = services.response_record(
        request=request,
        by=editor,
        agency=AgencyFactory(name="ICE"),
        kind="acknowledged",
        attachment=SimpleUploadedFile("reply.pdf", text_pdf("Received")),
    )
    text_letter = services.letter_log(
        request=request,
        by=editor,
        sender=AgencyFactory(),
        subject="Plain text",
        attachment=SimpleUploadedFile("letter.txt", b"Just words."),
    )
    client.force_login(viewer)
    assert client.get(f"/replies/{reply.pk}/attachment/preview/").status_code == 200
    page = client.get(request.get_absolute_url()).text
    assert f"/replies/{reply.pk}/attachment/preview/" in page
    assert f"/letters/{text_letter.pk}/attachment/" in page
    assert f"/letters/{text_letter.pk}/attachment/preview/" not in page


def test_a_preview_needs_the_right_to_read(
    client: Client, editor: Any, django_user_model: Any
) -> None:
    letter = _letter(editor, "scan.pdf", text_pdf("Hello"))
    url = f"/letters/{letter.pk}/attachment/preview/"
    assert client.get(url).status_code == 302  # to the sign-in page
    client.force_login(django_user_model.objects.create_user("nobody", password="x"))
    assert client.get(url).status_code == 403


def test_a_statements_document_is_downloaded_and_previewed_from_the_statements_page(
    client: Client, editor: Any, viewer: Any, django_user_model: Any
) -> None:
    # Documents come with statements through the admin and the API.
    pdf, text = StatementFactory(), StatementFactory()
    pdf.document = SimpleUploadedFile("statement.pdf", text_pdf("Obfuscation"))
    text.document = SimpleUploadedFile("notes.txt", b"Plain notes.")
    for statement in (pdf, text):
        statement.save()
    client.force_login(viewer)
    page = client.get("/statements/").text
    assert f"/statements/{pdf.pk}/document/preview/" in page
    assert f"/statements/{text.pk}/document/" in page
    assert f"/statements/{text.pk}/document/preview/" not in page
    preview = client.get(f"/statements/{pdf.pk}/document/preview/")
    assert preview["Content-Disposition"].startswith("inline;")
    assert preview["Content-Security-Policy"].startswith("sandbox;")
    assert client.get(f"/statements/{text.pk}/document/preview/").status_code == 404
    download = client.get(f"/statements/{text.pk}/document/")
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content) == b"Plain notes."
    client.force_login(django_user_model.objects.create_user("nobody", password="x"))
    assert client.get(f"/statements/{pdf.pk}/document/").status_code == 403
