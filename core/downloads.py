"""Attachment downloads: one response for the staff pages, the admin and the API.

Every surface that hands out a stored file (a letter's scan, a reply, a
statement's document) answers with :func:`attachment_response`, so a file
downloads under the same name, with the same type, and a missing file is the
same 404 wherever it is asked for. Who may download is checked by the caller.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.text import slugify

from core.attachments import ALLOWED_TYPES, PREVIEW_TYPES, SNIFF_BYTES, detect_type

#: Longest name (before the extension) a download gets.
NAME_MAX_LENGTH = 80
#: The name of a download whose record's title has no letter or digit.
FALLBACK_NAME = "attachment"


def download_name(record: models.Model, file: FieldFile) -> str:
    """The name a file downloads under: the record's title as a slug plus the
    stored file's extension, e.g. ``sheriffs-letter-please-dont-activate.pdf``.

    The title is what the record is called everywhere (``str(record)``: a
    letter's subject, "ICE: Acknowledged receipt" for a reply), so a reader can
    tell downloads apart; it is never the name the file was uploaded under (which
    may carry a path or a client's private naming). The extension is the stored
    one, which the upload checks chose from the file's content.
    """
    extension = PurePath(file.name or "").suffix.lower()
    name = slugify(str(record))[:NAME_MAX_LENGTH] or FALLBACK_NAME
    return f"{name}{extension}"


def _opened(file: FieldFile) -> tuple[Any, bytes]:
    """The stored file open for reading at its start, and its first bytes (what the
    type checks read); 404 when there is no file or storage lost it."""
    if not file:
        raise Http404("This record has no attachment.")
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404("The attachment's file is missing from storage.") from None
    head = handle.read(SNIFF_BYTES)
    handle.seek(0)
    return handle, head


def attachment_response(record: models.Model, field_name: str = "attachment") -> FileResponse:
    """The file in ``record``'s ``field_name`` as a download.

    Named by :func:`download_name`; its type is read from the file's bytes, as
    the upload checks read it (``application/octet-stream`` when unrecognised).
    Raises :class:`~django.http.Http404` when the record has no file or the
    stored file is missing from storage. The caller checks the reader's rights.
    """
    file = getattr(record, field_name)
    handle, head = _opened(file)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=download_name(record, file),
        content_type=detect_type(head) or "application/octet-stream",
    )


#: The Content-Security-Policy of a preview: a sandbox (no script of the file's runs, no
#: form posts, no cookies of this site are sent from it), nothing loaded but the file.
PREVIEW_CSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"


def previewable(record: models.Model, field_name: str = "attachment") -> bool:
    """Whether a record's file may be shown in the browser: the stored name says a PDF or
    an image browsers show (checked again against the bytes when it is served)."""
    file = getattr(record, field_name)
    suffix = PurePath(file.name or "").suffix.lower().lstrip(".") if file else ""
    return suffix in {ALLOWED_TYPES[kind] for kind in PREVIEW_TYPES}


def attachment_preview(record: models.Model, field_name: str = "attachment") -> FileResponse:
    """The file in ``record``'s ``field_name`` shown in the browser (``inline``), for a
    PDF or an image whose bytes say so (:data:`~core.attachments.PREVIEW_TYPES`); any
    other file answers 404 and stays a download (:func:`attachment_response`).

    Served with its detected type, never the stored name's; ``X-Content-Type-Options:
    nosniff`` so the browser never takes it for something else, and a sandboxing
    Content-Security-Policy (:data:`PREVIEW_CSP`). The caller checks the reader's rights.
    """
    file = getattr(record, field_name)
    handle, head = _opened(file)
    kind = detect_type(head)
    if kind not in PREVIEW_TYPES:
        handle.close()
        raise Http404("This attachment cannot be shown in the browser; download it.")
    response = FileResponse(
        handle, as_attachment=False, filename=download_name(record, file), content_type=kind
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = PREVIEW_CSP
    response["Cache-Control"] = "private, no-store"
    return response
