"""Reading the replies mailbox over IMAP (``INBOX_IMAP_*`` settings), on the worker's clock.

Each poll reads the unseen messages of ``INBOX_IMAP_FOLDER`` without marking them
(``BODY.PEEK[]``), receives each one through ``inbox.services.message_receive``, and
only once it is kept marks it done: flagged ``\\Seen``, or moved to
``INBOX_IMAP_DONE_FOLDER`` when one is set. A message whose receipt fails stays unseen
and is read again at the next poll; one marked twice (the poll stopped between keeping
and marking) is recognised by its Message-ID and filed once.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import ssl
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from inbox.models import Message
from inbox.services import message_receive

logger = logging.getLogger(__name__)

#: The most messages read in one poll; the rest wait for the next.
POLL_BATCH = 200


@dataclass
class PollResult:
    received: int = 0
    duplicates: int = 0
    failed: int = 0
    messages: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "duplicates": self.duplicates,
            "failed": self.failed,
            "messages": self.messages,
        }


def is_configured() -> bool:
    return bool(settings.INBOX_IMAP_HOST)


def _connect() -> imaplib.IMAP4:
    host, port = settings.INBOX_IMAP_HOST, settings.INBOX_IMAP_PORT
    timeout = settings.INBOX_IMAP_TIMEOUT_SECONDS
    if settings.INBOX_IMAP_SSL:
        return imaplib.IMAP4_SSL(
            host, port, ssl_context=ssl.create_default_context(), timeout=timeout
        )
    return imaplib.IMAP4(host, port, timeout=timeout)


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check(answer: tuple[str, Any], doing: str) -> Any:
    kind, data = answer
    if kind != "OK":
        raise imaplib.IMAP4.error(f"{doing}: {kind} {data!r}")
    return data


def _raw_of(fetched: list[Any]) -> bytes | None:
    for item in fetched:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None


def _mark_done(imap: imaplib.IMAP4, uid: str, *, can_move: bool) -> None:
    done_folder = settings.INBOX_IMAP_DONE_FOLDER
    if not done_folder:
        _check(imap.uid("STORE", uid, "+FLAGS", "(\\Seen)"), "marking as seen")
        return
    if can_move:
        _check(imap.uid("MOVE", uid, _quoted(done_folder)), "moving")
        return
    _check(imap.uid("COPY", uid, _quoted(done_folder)), "copying")
    _check(imap.uid("STORE", uid, "+FLAGS", "(\\Deleted \\Seen)"), "marking as moved")
    _check(imap.expunge(), "expunging")


def poll_mailbox() -> PollResult:
    """Receive every unseen message of the mailbox, marking each one done once kept."""
    result = PollResult()
    if not is_configured():
        return result
    imap = _connect()
    try:
        _check(imap.login(settings.INBOX_IMAP_USER, settings.INBOX_IMAP_PASSWORD), "signing in")
        _check(imap.select(_quoted(settings.INBOX_IMAP_FOLDER)), "opening the folder")
        # Servers tell more once signed in (MOVE among them): asked again.
        answer = _check(imap.capability(), "asking its capabilities")
        capabilities = {c.upper() for c in b" ".join(answer).decode(errors="replace").split()}
        can_move = "MOVE" in capabilities
        if settings.INBOX_IMAP_DONE_FOLDER:
            imap.create(_quoted(settings.INBOX_IMAP_DONE_FOLDER))  # "already exists" is fine
        found = _check(imap.uid("SEARCH", "UNSEEN"), "searching")[0] or b""
        uids = found.decode().split()
        for uid in uids[:POLL_BATCH]:
            fetched = _check(imap.uid("FETCH", uid, "(BODY.PEEK[])"), "reading")
            raw = _raw_of(fetched)
            if raw is None:
                continue  # deleted meanwhile by another client
            try:
                received = message_receive(raw=raw, via=Message.Via.IMAP, keep_unreadable=True)
            except Exception:
                # Left unseen, so the next poll reads it again; nothing is lost.
                logger.exception("Could not receive message UID %s from the mailbox", uid)
                result.failed += 1
                continue
            if received.created:
                result.received += 1
                result.messages.append(received.message.pk)
            else:
                result.duplicates += 1
            _mark_done(imap, uid, can_move=can_move)
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            imap.logout()
    return result
