"""Files on letters and responses: checked by content, stored under generated names,
downloaded only through the authenticated API."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from jurisdictions.models import Agency
from tests.api.helpers import if_match
from tests.conftest import PDF
from tests.factories import AgencyFactory
from tracker.domain import services
from tracker.models import AgencyResponse, Letter, OptOutRequest

pytestmark = pytest.mark.django_db

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def upload_letter(
    api: APIClient, optout: OptOutRequest, sheriff: Agency, name: str, data: bytes
) -> Any:
    return api.post(
        "/api/v1/letters/",
        {
            "request": optout.pk,
            "sender": sheriff.pk,
            "subject": "Scanned notice",
            "sent_on": "2010-09",
            "attachment": SimpleUploadedFile(name, data, content_type="application/pdf"),
        },
        format="multipart",
    )


def test_a_pdf_is_accepted_and_stored_under_a_generated_name(
    api: APIClient, optout: OptOutRequest, sheriff: Agency
) -> None:
    response = upload_letter(api, optout, sheriff, "../../etc/sheriff letter.pdf", PDF)
    assert response.status_code == 201, response.content
    letter = Letter.objects.get()
    stored = PurePath(letter.attachment.name)
    assert stored.parent == PurePath("attachments/letter")
    assert "sheriff" not in stored.name and stored.suffix == ".pdf"
    assert response.json()["attachment_url"].endswith(f"/api/v1/letters/{letter.pk}/attachment/")
    assert response.json()["sent_on"] == "2010-09"


def test_the_file_downloads_through_the_api_for_readers_only(
    api: APIClient, optout: OptOutRequest, sheriff: Agency, viewer: Any
) -> None:
    url = upload_letter(api, optout, sheriff, "notice.pdf", PDF).json()["attachment_url"]
    reader = APIClient()
    reader.force_login(viewer)
    download = reader.get(url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "attachment;" in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == PDF
    assert APIClient().get(url).status_code == 401


def test_a_record_without_a_file_has_no_download(
    api: APIClient, optout: OptOutRequest, sheriff: Agency, editor: Any
) -> None:
    letter = services.letter_log(request=optout, by=editor, sender=sheriff, subject="No scan")
    assert api.get(f"/api/v1/letters/{letter.pk}/").json()["attachment_url"] is None
    assert api.get(f"/api/v1/letters/{letter.pk}/attachment/").status_code == 404


def test_a_program_named_like_a_pdf_is_refused_by_its_content(
    api: APIClient, optout: OptOutRequest, sheriff: Agency
) -> None:
    response = upload_letter(api, optout, sheriff, "notice.pdf", EXE)
    assert response.status_code == 400
    assert "attachment" in response.json()["errors"]
    assert not Letter.objects.exists()


def test_an_empty_file_is_refused(api: APIClient, optout: OptOutRequest, sheriff: Agency) -> None:
    response = upload_letter(api, optout, sheriff, "notice.pdf", b"")
    assert response.status_code == 400
    assert not Letter.objects.exists()


def test_a_file_over_the_size_limit_is_refused(
    api: APIClient, optout: OptOutRequest, sheriff: Agency, settings: Any
) -> None:
    settings.TRACKER_ATTACHMENT_MAX_BYTES = 1024
    response = upload_letter(api, optout, sheriff, "notice.pdf", PDF + b"%" * 2048)
    assert response.status_code == 400
    assert "at most" in response.json()["errors"]["attachment"][0]
    assert not Letter.objects.exists()


def test_a_reply_accepts_an_image_and_serves_it_with_its_detected_type(
    api: APIClient, optout: OptOutRequest, editor: Any
) -> None:
    ice = AgencyFactory(kind=Agency.Kind.PROGRAM_OFFICE)
    response = api.post(
        "/api/v1/responses/",
        {
            "request": optout.pk,
            "agency": ice.pk,
            "kind": "acknowledged",
            "attachment": SimpleUploadedFile("reply.txt", PNG, content_type="text/plain"),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    reply = AgencyResponse.objects.get()
    download = api.get(f"/api/v1/responses/{reply.pk}/attachment/")
    assert download["Content-Type"] == "image/png"


def test_a_file_can_be_attached_later_with_patch(
    api: APIClient, optout: OptOutRequest, sheriff: Agency, editor: Any
) -> None:
    letter = services.letter_log(request=optout, by=editor, sender=sheriff, subject="Notice")
    response = api.patch(
        f"/api/v1/letters/{letter.pk}/",
        {"attachment": SimpleUploadedFile("scan.pdf", PDF)},
        format="multipart",
        **if_match(letter),
    )
    assert response.status_code == 200, response.content
    assert Letter.objects.get(pk=letter.pk).attachment.name.startswith("attachments/letter/")


def test_media_files_have_no_public_url(
    api: APIClient, optout: OptOutRequest, sheriff: Agency
) -> None:
    upload_letter(api, optout, sheriff, "notice.pdf", PDF)
    stored = Letter.objects.get().attachment
    assert APIClient().get(stored.url).status_code == 404


def test_a_multipart_letter_takes_several_recipients(
    api: APIClient, optout: OptOutRequest, sheriff: Agency
) -> None:
    ice = AgencyFactory(kind=Agency.Kind.PROGRAM_OFFICE)
    sib = AgencyFactory(kind=Agency.Kind.SIB, level=Agency.Level.STATE)
    response = api.post(
        "/api/v1/letters/",
        {
            "request": optout.pk,
            "sender": sheriff.pk,
            "recipients": [ice.pk, sib.pk],
            "subject": "Notice",
            "attachment": SimpleUploadedFile("notice.pdf", PDF),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert sorted(response.json()["recipients"]) == sorted([ice.pk, sib.pk])
