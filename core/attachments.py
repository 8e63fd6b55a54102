"""Uploaded documents: checked by their content, stored under generated names."""

from __future__ import annotations

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
