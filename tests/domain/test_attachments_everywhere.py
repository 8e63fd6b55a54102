"""An attachment downloads the same way from every surface that offers it.

The staff pages, the admin and the API all hand out a record's file. A reader
gets the same bytes under the same name (the record's title as a slug, with the
stored file's extension) and the same type wherever they ask, and a file that is
missing from storage, or was never attached, is a 404 everywhere; in the API, in
its JSON error shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.urls import reverse

from core.dates import PartialDate
from tests.factories import AgencyFactory, RequestFactory
from tracker.domain import services
from tracker.models import AgencyResponse, Letter, Statement

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")

Surface = Callable[[models.Model], str]


STAFF_PATHS: dict[type[models.Model], str] = {Letter: "letters", AgencyResponse: "replies"}
API_PATHS: dict[type[models.Model], str] = {
    Letter: "letters",
    AgencyResponse: "responses",
    Statement: "statements",
}


def staff_page(record: models.Model) -> str:
    kind = STAFF_PATHS[type(record)]
    return f"/{kind}/{record.pk}/attachment/"


def admin(record: models.Model) -> str:
    opts = record._meta
    field = "document" if isinstance(record, Statement) else "attachment"
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_attachment", args=[record.pk, field])


def api(record: models.Model) -> str:
    kind = API_PATHS[type(record)]
    return f"/api/v1/{kind}/{record.pk}/attachment/"


#: Every surface that downloads each kind of record's file (the staff pages
#: have no statement downloads).
SURFACES: dict[str, list[Surface]] = {
    "letter": [staff_page, admin, api],
    "reply": [staff_page, admin, api],
    "statement": [admin, api],
}
#: The name each download must carry, whichever surface serves it.
EXPECTED_NAMES = {
    "letter": "sheriffs-letter-please-dont-activate.pdf",
    "reply": "ice-acknowledged-receipt.png",
    "statement": "david-venturella-2-october-2010.pdf",
}


@pytest.fixture
def reader(client: Client, viewer: Any) -> Client:
    client.force_login(viewer)
    return client


def with_file(kind: str, editor: Any, *, file: bool = True) -> models.Model:
    request = RequestFactory()
    if kind == "letter":
        return services.letter_log(
            request=request,
            by=editor,
            sender=AgencyFactory(),
            subject="Sheriff's letter: please don't activate",
            attachment=SimpleUploadedFile("scan 01.PDF", PDF) if file else None,
        )
    if kind == "reply":
        # Uploaded under a misleading name: the stored extension follows the content.
        return services.response_record(
            request=request,
            by=editor,
            agency=AgencyFactory(name="ICE"),
            kind=AgencyResponse.Kind.ACKNOWLEDGED,
            attachment=SimpleUploadedFile("reply.txt", PNG) if file else None,
        )
    statement = services.statement_record(
        by=editor,
        speaker="David Venturella",
        stated_on=PartialDate.parse("2010-10-02"),
        agency=AgencyFactory(name="ICE"),
        medium=Statement.Medium.LETTER,
        quote="Opting out is not possible.",
        position=Statement.Position.IMPOSSIBLE,
    )
    if file:
        statement.document = SimpleUploadedFile("letter to Lofgren.pdf", PDF)
        services.record_save(statement, by=editor, expected_version=statement.version)
    return statement


def assert_not_found(response: Any, surface: Surface) -> None:
    assert response.status_code == 404, surface.__name__
    if surface is api:
        body = response.json()
        assert body["code"] == "not_found"
        assert body["errors"] == {}
        assert body["detail"]


@pytest.mark.parametrize("kind", sorted(SURFACES))
def test_a_file_downloads_with_the_same_name_type_and_bytes_everywhere(
    reader: Client, editor: Any, kind: str
) -> None:
    record = with_file(kind, editor)
    downloads = []
    for surface in SURFACES[kind]:
        response = reader.get(surface(record))
        assert response.status_code == 200, surface.__name__
        downloads.append(
            (
                response["Content-Disposition"],
                response["Content-Type"],
                b"".join(response.streaming_content),
            )
        )
    expected_type = "image/png" if kind == "reply" else "application/pdf"
    expected = (
        f'attachment; filename="{EXPECTED_NAMES[kind]}"',
        expected_type,
        PNG if kind == "reply" else PDF,
    )
    assert downloads == [expected] * len(SURFACES[kind])


@pytest.mark.parametrize("kind", sorted(SURFACES))
def test_a_file_missing_from_storage_is_a_404_everywhere(
    reader: Client, editor: Any, kind: str
) -> None:
    record = with_file(kind, editor)
    file = record.document if isinstance(record, Statement) else record.attachment
    file.storage.delete(file.name)
    assert not file.storage.exists(file.name)
    for surface in SURFACES[kind]:
        assert_not_found(reader.get(surface(record)), surface)


@pytest.mark.parametrize("kind", sorted(SURFACES))
def test_a_record_without_a_file_is_a_404_everywhere(
    reader: Client, editor: Any, kind: str
) -> None:
    record = with_file(kind, editor, file=False)
    for surface in SURFACES[kind]:
        assert_not_found(reader.get(surface(record)), surface)
