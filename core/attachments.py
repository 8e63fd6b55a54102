"""Uploaded documents: checked by their content, stored under generated names."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

#: MIME types accepted, detected from the file's bytes.
ALLOWED_TYPES: dict[str, str] = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/tiff": "tiff",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/rtf": "rtf",
    "message/rfc822": "eml",
    "text/plain": "txt",
}

_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: How much of a file is read to recognise its type (on upload and on download).
SNIFF_BYTES = 8192


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
        return True
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is still text.
        if error.start >= len(head) - 4:
            return True
    # Letters typed on older systems are often Windows-1252 or Latin-1: every
    # byte decodes, so accept them when there are no control characters.
    return not any(byte < 0x20 and byte not in b"\t\n\r\f" for byte in head)


def _looks_like_email(head: bytes) -> bool:
    first_lines = head.split(b"\n", 20)[:20]
    headers = {line.split(b":", 1)[0].strip().lower() for line in first_lines if b":" in line}
    return bool({b"from", b"date"} <= headers and headers & {b"subject", b"to", b"message-id"})


def detect_type(head: bytes) -> str | None:
    """The MIME type of a file from its first bytes, or None when it is not allowed."""
    kind = filetype.guess(head)
    if kind is not None:
        mime = str(kind.mime)
        if mime == "application/x-ole-storage" or head.startswith(_OLE_SIGNATURE):
            return "application/msword"
        return mime if mime in ALLOWED_TYPES else None
    if head.startswith(_OLE_SIGNATURE):
        return "application/msword"
    if head.startswith(b"{\\rtf"):
        return "application/rtf"
    if _looks_like_text(head):
        return "message/rfc822" if _looks_like_email(head) else "text/plain"
    return None


def validate_attachment(upload: File[Any]) -> None:
    """Refuse files over the size limit or of a type not on the allowlist."""
    limit = settings.TRACKER_ATTACHMENT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s; attachments may be at most %(limit)s."),
            code="file_too_large",
            params={"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
        )
    head = _read_head(upload)
    if not head:
        raise ValidationError(_("The file is empty."), code="file_empty")
    if detect_type(head) is None:
        raise ValidationError(
            _(
                "This kind of file is not accepted. Attach a PDF, an image, plain text, "
                "an email (.eml) or a Word document."
            ),
            code="file_type_not_allowed",
        )


def attachment_path(instance: Any, filename: str) -> str:
    """A generated name whose extension follows the file's content, never the
    name the client sent (HTML named "letter.pdf" is stored as .txt)."""
    extension = "bin"
    for field in instance._meta.get_fields():
        upload = getattr(instance, field.name, None) if hasattr(field, "upload_to") else None
        if upload and not getattr(upload, "_committed", True) and upload.name == filename:
            detected = detect_type(_read_head(upload))
            extension = ALLOWED_TYPES.get(detected or "", "bin")
            break
    folder = instance._meta.model_name
    return f"attachments/{folder}/{uuid.uuid4().hex}.{extension}"


def _read_head(upload: Any) -> bytes:
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(position)
    return head.encode() if isinstance(head, str) else head


# --- Text of attachments, for the staff search ------------------------------------------

#: The most characters kept of one attachment's text: a few dozen pages, enough for a
#: letter and its enclosures, and well under what PostgreSQL indexes in one vector.
TEXT_MAX_CHARS = 100_000
#: The most pages of a PDF read for its text.
PDF_MAX_PAGES = 100
#: Types whose text is read: PDFs (their text layer) and plain text or email.
TEXT_TYPES = frozenset({"application/pdf", "text/plain", "message/rfc822"})
#: Types a browser shows by itself, previewed inline when their bytes say so.
PREVIEW_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"})

logger = logging.getLogger(__name__)


def _clean_text(text: str) -> str:
    # PostgreSQL text cannot hold NUL; runs of blanks say nothing to a search.
    text = text.replace("\x00", " ")
    return " ".join(text.split())[:TEXT_MAX_CHARS]


def _pdf_text(upload: Any) -> str:
    from pypdf import PdfReader

    upload.seek(0)
    reader = PdfReader(upload)
    parts: list[str] = []
    size = 0
    for page in reader.pages[:PDF_MAX_PAGES]:
        part = page.extract_text() or ""
        parts.append(part)
        size += len(part)
        if size >= TEXT_MAX_CHARS:
            break
    return "\n".join(parts)


def _plain_text(upload: Any) -> str:
    upload.seek(0)
    raw = upload.read(TEXT_MAX_CHARS * 4)
    if isinstance(raw, str):
        return raw
    try:
        return str(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return str(raw.decode("cp1252", errors="replace"))


def extract_text(upload: Any) -> str:
    """The searchable text of an uploaded file: a PDF's text layer, a text file's or an
    email's text, and "" for anything else (an image, a Word document) or a file that
    cannot be read (a damaged or encrypted PDF is still accepted, just not searchable).
    """
    if not upload:
        return ""
    position = upload.tell() if hasattr(upload, "tell") else 0
    try:
        kind = detect_type(_read_head(upload))
        if kind not in TEXT_TYPES:
            return ""
        text = _pdf_text(upload) if kind == "application/pdf" else _plain_text(upload)
        return _clean_text(text)
    except Exception:  # a file that cannot be read stays attached, unsearched
        logger.warning("Could not read the text of an attachment", exc_info=True)
        return ""
    finally:
        upload.seek(position)
