"""Reading one email: its headers, bodies and attachments, and what kind of mail it is.

Pure: bytes in, a :class:`ParsedMail` out, nothing saved. Messages are read with the
standard library's ``email`` package and its modern policy, which decodes RFC 2047
headers (``=?iso-8859-1?q?...?=``) and every body's charset; a part in a charset it does
not know is read as Windows-1252, never refused. An Outlook ``.msg`` file is turned
into the same RFC 822 message first (:func:`msg_to_rfc822`).
"""

from __future__ import annotations

import datetime as dt
import email
import email.utils
import hashlib
import logging
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.policy import default as default_policy
from typing import Any

#: Outlook's .msg files are OLE2 compound files; this is how every one begins.
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: The most characters of a header kept (a Subject, a From).
HEADER_MAX_CHARS = 900

_NO_REPLY = re.compile(r"^(no[-_.]?reply|do[-_.]?not[-_.]?reply|donotreply)([-+_.].*)?$", re.I)
_DAEMON = re.compile(r"^(mailer-daemon|postmaster|mail-daemon)$", re.I)
_AUTO_SUBJECT = re.compile(
    r"^\s*(out of (the )?office|auto(matic)?[- ]?(reply|response)|autoreply|"
    r"away from (the )?office|abwesenheit|fuera de la oficina|respuesta autom[aá]tica)",
    re.I,
)
_BOUNCE_SUBJECT = re.compile(
    r"^\s*(undeliver(ed|able)|delivery (status notification|failure|has failed)|"
    r"returned mail|mail delivery (failed|failure|subsystem))",
    re.I,
)


class Kind:
    """What a message is, before it is matched to a request."""

    MAIL = "mail"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"


class MailParseError(ValueError):
    """The bytes are not an email message (or not an Outlook .msg file) we can read."""


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    content: bytes


@dataclass
class ParsedMail:
    message_id: str
    subject: str
    from_name: str
    from_address: str
    to: list[str]
    cc: list[str]
    #: Every address it was delivered to (To, Cc, Delivered-To, X-Original-To).
    delivered_to: list[str]
    #: Message-IDs it answers (In-Reply-To, then References).
    references: list[str]
    sent_at: dt.datetime | None
    text: str
    html: str
    attachments: list[ParsedAttachment] = field(default_factory=list)
    kind: str = Kind.MAIL
    #: Why it is an auto-reply or a bounce, for the inbox.
    kind_reason: str = ""


def raw_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # a header too broken for the policy's parser: read it raw
        value = message.get_all(name, failobj=[""])[0] if hasattr(message, "get_all") else ""
    text = str(value or "")
    # Headers folded over lines or carrying control characters are read as one line.
    return " ".join(text.replace("\x00", " ").split())[:HEADER_MAX_CHARS]


def _addresses(message: Message, *names: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for name in names:
        for value in message.get_all(name, failobj=[]):
            header: Any = value
            try:
                pairs = [(a.display_name, a.addr_spec) for a in header.addresses]
            except Exception:  # a header the policy cannot read as addresses
                pairs = email.utils.getaddresses([str(value)])
            for display, address in pairs:
                address = address.strip().lower()
                if "@" in address:
                    found.append((" ".join(display.split()), address))
    return found


def _decode_part(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        text = payload.decode(charset)
    except (LookupError, UnicodeDecodeError):
        # An unknown or wrong charset label: every byte reads in Windows-1252 (a
        # superset of ISO-8859-1 for the letters in use), so nothing is lost.
        text = payload.decode("cp1252", errors="replace")
    # No database text holds a NUL (PostgreSQL refuses it), and no letter needs one.
    return text.replace("\x00", "")


def _bodies_and_attachments(message: Message) -> tuple[str, str, list[ParsedAttachment]]:
    texts: list[str] = []
    htmls: list[str] = []
    attachments: list[ParsedAttachment] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower()
        filename = part.get_filename() or ""
        if content_type in ("message/delivery-status", "text/rfc822-headers"):
            continue  # the machine-readable parts of a bounce
        if disposition != "attachment" and not filename:
            if content_type == "text/plain":
                texts.append(_decode_part(part))
                continue
            if content_type == "text/html":
                htmls.append(_decode_part(part))
                continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        attachments.append(
            ParsedAttachment(
                filename=_safe_filename(filename, content_type),
                content_type=content_type,
                content=payload,
            )
        )
    text = "\n\n".join(texts).replace("\r\n", "\n").strip()
    return text, "\n".join(htmls).replace("\r\n", "\n").strip(), attachments


def _safe_filename(filename: str, content_type: str) -> str:
    # Only the last part of a path, no control characters: the name is shown, never used.
    name = re.split(r"[\\/]", filename)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()[:200]
    return name or content_type.replace("/", ".")


def _forwarded(message: Message) -> list[Any]:
    """Messages attached whole (a forward as attachment): read for their parts too."""
    return [
        part.get_payload(0)
        for part in message.walk()
        if part.get_content_type() == "message/rfc822" and part.is_multipart()
    ]


def _sent_at(message: Message) -> dt.datetime | None:
    value = _header(message, "Date")
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def _classify(message: Message, from_address: str, subject: str) -> tuple[str, str]:
    """An auto-reply or a bounce, with the reason; anything else is mail."""
    content_type = message.get_content_type()
    report_type = str(message.get_param("report-type", "", header="content-type") or "")
    local = from_address.partition("@")[0]
    if content_type == "multipart/report" and report_type.lower() == "delivery-status":
        return Kind.BOUNCE, "a delivery-status report (multipart/report)"
    if _DAEMON.match(local) or (not from_address and _header(message, "Return-Path") == "<>"):
        return Kind.BOUNCE, f"sent by the mail system ({from_address or 'empty sender'})"
    if _BOUNCE_SUBJECT.match(subject):
        return Kind.BOUNCE, "a delivery failure notice (subject)"
    auto_submitted = _header(message, "Auto-Submitted").lower()
    if auto_submitted and auto_submitted != "no":
        return Kind.AUTO_REPLY, f"Auto-Submitted: {auto_submitted}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"):
        value = _header(message, name)
        if value and (name != "X-Auto-Response-Suppress" or "oof" in value.lower()):
            return Kind.AUTO_REPLY, f"{name}: {value}"
    precedence = _header(message, "Precedence").lower()
    if precedence in {"auto_reply", "bulk", "junk", "list"}:
        return Kind.AUTO_REPLY, f"Precedence: {precedence}"
    if _AUTO_SUBJECT.match(subject):
        return Kind.AUTO_REPLY, "an automatic reply (subject)"
    if _NO_REPLY.match(local):
        return Kind.AUTO_REPLY, f"sent from a no-reply address ({from_address})"
    return Kind.MAIL, ""


def parse(raw: bytes) -> ParsedMail:
    """Read one RFC 822 message; :class:`MailParseError` when it is not one.

    Whatever the bytes, the answer is a message or that error, never another one: a
    hostile message that trips the standard library is refused with its reason.
    """
    try:
        return _parse(raw)
    except MailParseError:
        raise
    except Exception as error:  # e.g. a header or a part the email package chokes on
        raise MailParseError(f"The message cannot be read ({type(error).__name__}).") from None


def _parse(raw: bytes) -> ParsedMail:
    if not raw or not raw.strip():
        raise MailParseError("The message is empty.")
    if raw.startswith(OLE_SIGNATURE):
        raise MailParseError("This is an Outlook .msg file: convert it with msg_to_rfc822.")
    message = email.message_from_bytes(raw, policy=default_policy)
    header_names = {name.lower() for name in message}
    if not header_names & {"from", "to", "subject", "date", "message-id"}:
        raise MailParseError(
            "This is not an email message: it has none of the headers From, To, Subject, "
            "Date or Message-ID."
        )
    subject = _header(message, "Subject")
    senders = _addresses(message, "From") or _addresses(message, "Sender")
    from_name, from_address = senders[0] if senders else ("", "")
    text, html, attachments = _bodies_and_attachments(message)
    for forwarded in _forwarded(message):
        # A forward as attachment keeps the original whole (as a .eml attachment);
        # its text is added to the body so that it can be read and searched.
        inner_text, _inner_html, _inner = _bodies_and_attachments(forwarded)
        if inner_text:
            text = f"{text}\n\n---------- Forwarded message ----------\n{inner_text}".strip()
        attachments.append(
            ParsedAttachment(
                filename=_safe_filename(_header(forwarded, "Subject") + ".eml", "message/rfc822"),
                content_type="message/rfc822",
                content=forwarded.as_bytes(),
            )
        )
    kind, reason = _classify(message, from_address, subject)
    message_id = _header(message, "Message-ID")[:500]
    return ParsedMail(
        message_id=message_id or f"sha256:{raw_hash(raw)}",
        subject=subject,
        from_name=from_name[:200],
        from_address=from_address[:254],
        to=[address for _name, address in _addresses(message, "To")],
        cc=[address for _name, address in _addresses(message, "Cc")],
        delivered_to=[
            address
            for _name, address in _addresses(
                message, "To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To"
            )
        ],
        references=[
            value
            for value in [_header(message, "In-Reply-To"), *_header(message, "References").split()]
            if value
        ],
        sent_at=_sent_at(message),
        text=text,
        html=html,
        attachments=attachments,
        kind=kind,
        kind_reason=reason,
    )


def is_outlook_msg(raw: bytes) -> bool:
    return raw.startswith(OLE_SIGNATURE)


def msg_to_rfc822(raw: bytes) -> bytes:
    """An Outlook .msg file as the RFC 822 message it holds (headers, bodies, files).

    Read with ``extract-msg``; a file it cannot read is a :class:`MailParseError`.
    """
    import extract_msg

    # The library reports every property a file lacks at INFO: not news to our logs.
    logging.getLogger("extract_msg").setLevel(logging.WARNING)
    try:
        opened: Any = extract_msg.openMsg(raw, delayAttachments=False)
    except Exception as error:  # the library raises many kinds for a damaged file
        raise MailParseError(f"This Outlook .msg file cannot be read ({error}).") from None
    try:
        converted: EmailMessage = opened.asEmailMessage()
        # Outlook keeps the sender's headers when the message came from the internet;
        # a message written in Outlook has none, so they are rebuilt from its fields.
        for name, value in (
            ("Subject", opened.subject),
            ("From", opened.sender),
            ("To", opened.to),
            ("Cc", opened.cc),
            ("Message-ID", getattr(opened, "messageId", None)),
            ("Date", _format_date(getattr(opened, "date", None))),
        ):
            if value and name not in converted:
                converted[name] = str(value)
        return bytes(converted.as_bytes(policy=default_policy))
    except MailParseError:
        raise
    except Exception as error:
        raise MailParseError(f"This Outlook .msg file cannot be read ({error}).") from None
    finally:
        opened.close()


def _format_date(value: Any) -> str | None:
    if isinstance(value, dt.datetime):
        return email.utils.format_datetime(value if value.tzinfo else value.replace(tzinfo=dt.UTC))
    return None
