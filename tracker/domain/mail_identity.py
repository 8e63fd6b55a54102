"""How an email names the request it belongs to.

A notice sent from the tracker carries three marks a reply can bring back: a reply
address of the request (``replies+r12-1a2b3c4d5e@example.org``, signed so nobody
can file mail on a case by guessing a number), the request's reference in the
subject (``[OOT-12]``) and a Message-ID that names the request
(``<oot.r12.9f...@example.org>``), which replies quote in ``In-Reply-To`` and
``References``. Sending writes them; receiving reads them; both use this module.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable

from django.conf import settings

_SIGNATURE_LENGTH = 10
_SUBJECT_REFERENCE = re.compile(r"\[OOT-(?P<id>[0-9]{1,12})\]", re.IGNORECASE)
_MESSAGE_ID = re.compile(r"<oot\.r(?P<id>[0-9]{1,12})\.[0-9a-f]+@[^>\s]+>", re.IGNORECASE)


def _reply_mailbox() -> tuple[str, str]:
    """The local part and domain of ``EMAIL_REPLY_ADDRESS`` (``replies``, ``example.org``)."""
    local, _at, domain = str(settings.EMAIL_REPLY_ADDRESS).rpartition("@")
    return local, domain


def _signature(request_id: int) -> str:
    key = f"opt-out-tracker.reply-address:{settings.SECRET_KEY}".encode()
    digest = hmac.new(key, str(request_id).encode(), hashlib.sha256).hexdigest()
    return digest[:_SIGNATURE_LENGTH]


def reply_address(request_id: int) -> str:
    """The address replies to the request's notices go to."""
    local, domain = _reply_mailbox()
    return f"{local}+r{request_id}-{_signature(request_id)}@{domain}"


def request_id_from_address(address: str) -> int | None:
    """The request a reply address names, if it is one of ours and its signature holds."""
    local, domain = _reply_mailbox()
    match = re.fullmatch(
        rf"{re.escape(local)}\+r(?P<id>[0-9]{{1,12}})-(?P<sig>[0-9a-f]{{{_SIGNATURE_LENGTH}}})"
        rf"@{re.escape(domain)}",
        address.strip().strip("<>"),
        re.IGNORECASE,
    )
    if match is None:
        return None
    request_id = int(match["id"])
    if not hmac.compare_digest(match["sig"].lower(), _signature(request_id)):
        return None
    return request_id


def subject_reference(request_id: int) -> str:
    """``[OOT-12]``: put in every subject sent about the request."""
    return f"[OOT-{request_id}]"


def request_id_from_subject(subject: str) -> int | None:
    match = _SUBJECT_REFERENCE.search(subject or "")
    return int(match["id"]) if match else None


def new_message_id(request_id: int) -> str:
    """A Message-ID for a message sent about the request; unique, and it names the request."""
    _local, domain = _reply_mailbox()
    return f"<oot.r{request_id}.{secrets.token_hex(8)}@{domain}>"


def request_id_from_message_ids(header_values: Iterable[str]) -> int | None:
    """The request named by the first of our Message-IDs in ``In-Reply-To``/``References``."""
    for value in header_values:
        match = _MESSAGE_ID.search(value or "")
        if match:
            return int(match["id"])
    return None
