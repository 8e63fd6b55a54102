"""Receiving email: the one way a message enters the tracker, and filing it on a request.

Every way in (an upload on a staff page or the API, the mailbox poll, the mail
server's pipe) calls :func:`message_receive`. A message that names its request and
comes from someone who can answer for an agency is filed at once as an incoming
letter (``tracker.domain.services.letter_log``), with the original message attached;
anything else waits in the inbox, labelled, until a staff member files it with
:func:`message_file`. Receiving the same message twice files it once.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import logging
from dataclasses import dataclass

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext

from core.attachments import validate_attachment
from core.dates import MAX_YEAR, MIN_YEAR, PartialDate, latest_past_date
from core.records import User, user_or_none
from inbox import parsing, selectors
from inbox.models import Attachment, Message
from inbox.parsing import Kind, MailParseError, ParsedMail
from jurisdictions.models import Agency, Contact
from tracker.domain import services as tracker_services
from tracker.models import Letter, OptOutRequest

logger = logging.getLogger(__name__)

#: Letters' subjects and summaries are at most this long.
_SUBJECT_MAX = 300
_SUMMARY_MAX = 20_000
#: The most files kept of one message; one with more is held back.
MAX_ATTACHMENTS = 50


class MessageRefused(ValidationError):
    """Not an email message (or Outlook file) that can be read: nothing was kept."""


@dataclass
class Received:
    message: Message
    #: False when the same message had been received before (nothing new was kept).
    created: bool


def message_max_bytes() -> int:
    limit: int = settings.INBOX_MESSAGE_MAX_BYTES
    return limit


def message_receive(
    *, raw: bytes, via: str, by: User = None, keep_unreadable: bool = False
) -> Received:
    """Keep one message received ``via`` a way in, and file it on its request if it names
    one unambiguously (see ``selectors.match_request``).

    Bytes that are not an email raise :class:`MessageRefused`, unless
    ``keep_unreadable`` (the mailbox poll: a message taken from a mailbox is never
    lost), which keeps them held back with the reason.
    """
    if len(raw) > message_max_bytes():
        return _keep_too_large(raw, via=via, by=by)
    if parsing.is_outlook_msg(raw):
        try:
            raw = parsing.msg_to_rfc822(raw)
        except MailParseError as error:
            return _refuse_or_keep(raw, via=via, by=by, error=error, keep=keep_unreadable)
    try:
        parsed = parsing.parse(raw)
    except MailParseError as error:
        return _refuse_or_keep(raw, via=via, by=by, error=error, keep=keep_unreadable)
    existing = Message.objects.filter(message_id=parsed.message_id).first()
    if existing is not None:
        return Received(existing, created=False)
    try:
        with transaction.atomic():
            return Received(_keep_and_file(raw, parsed, via=via, by=by), created=True)
    except IntegrityError:
        # The same message received at the same moment by another way in.
        existing = Message.objects.filter(message_id=parsed.message_id).first()
        if existing is None:
            raise
        return Received(existing, created=False)


def _refuse_or_keep(
    raw: bytes, *, via: str, by: User, error: MailParseError, keep: bool
) -> Received:
    if not keep:
        raise MessageRefused(str(error), code="not_email")
    message_id = f"sha256:{parsing.raw_hash(raw)}"
    existing = Message.objects.filter(message_id=message_id).first()
    if existing is not None:
        return Received(existing, created=False)
    message = Message(
        message_id=message_id,
        via=via,
        received_by=user_or_none(by),
        raw_size=len(raw),
        state=Message.State.QUARANTINED,
        reason=gettext("It could not be read as an email: %(error)s") % {"error": error},
    )
    message.raw.save("message.eml", ContentFile(raw), save=False)
    message.save()
    return Received(message, created=True)


def _keep_too_large(raw: bytes, *, via: str, by: User) -> Received:
    """Kept by its headers alone: the reason says so, the original stays with its sender
    (or in the mailbox)."""
    headers = email.message_from_bytes(
        raw[: 256 * 1024], policy=email.policy.default, _class=email.message.EmailMessage
    )
    message_id = str(headers.get("Message-ID") or "")[:500] or f"sha256:{parsing.raw_hash(raw)}"
    existing = Message.objects.filter(message_id=message_id).first()
    if existing is not None:
        return Received(existing, created=False)
    message = Message.objects.create(
        message_id=message_id,
        via=via,
        received_by=user_or_none(by),
        raw_size=len(raw),
        from_address=str(headers.get("From") or "")[:254],
        subject=str(headers.get("Subject") or "")[:1000],
        state=Message.State.QUARANTINED,
        reason=gettext(
            "The message is %(size)s; messages of at most %(limit)s are read. Only its "
            "headers were kept: ask the sender to send the files separately."
        )
        % {"size": filesizeformat(len(raw)), "limit": filesizeformat(message_max_bytes())},
    )
    return Received(message, created=True)


def _keep_and_file(raw: bytes, parsed: ParsedMail, *, via: str, by: User) -> Message:
    message = Message(
        message_id=parsed.message_id,
        via=via,
        received_by=user_or_none(by),
        raw_size=len(raw),
        from_name=parsed.from_name,
        from_address=parsed.from_address,
        to=", ".join(parsed.to + parsed.cc)[:5000],
        subject=parsed.subject[:1000],
        sent_at=parsed.sent_at if parsed.sent_at and _plausible(parsed.sent_at) else None,
        text=parsed.text,
        html=parsed.html,
    )
    message.raw.save("message.eml", ContentFile(raw), save=False)
    message.state = Message.State.UNMATCHED
    message.save()
    refused = _keep_attachments(message, parsed)
    match = selectors.match_request(parsed)
    if match is not None:
        message.request, message.matched_by = match.request, match.matched_by
    if refused:
        message.state = Message.State.QUARANTINED
        message.reason = gettext("Held back: %(files)s") % {"files": "; ".join(refused)}
    elif parsed.kind != Kind.MAIL:
        message.state = (
            Message.State.BOUNCE if parsed.kind == Kind.BOUNCE else Message.State.AUTO_REPLY
        )
        message.reason = parsed.kind_reason
    elif match is None:
        message.reason = gettext(
            "No reply address, case reference or thread names a request, and the sender "
            "is not the contact of exactly one open request."
        )
    else:
        sender = selectors.sender_of(message, match.request)
        if sender.agency is None:
            message.reason = gettext(
                "It concerns request %(request)s (by %(how)s), but who sent it is not "
                "known: choose the sending agency and file it."
            ) % {"request": match.request.pk, "how": match.get_matched_by_display()}
        else:
            _file(message, request=match.request, agency=sender.agency, contact=sender.contact)
            message.reason = gettext("Filed automatically: matched by %(how)s.") % {
                "how": match.get_matched_by_display()
            }
    message.save()
    return message


def _plausible(moment: dt.datetime) -> bool:
    return MIN_YEAR <= moment.year <= MAX_YEAR


def _keep_attachments(message: Message, parsed: ParsedMail) -> list[str]:
    """Keep each file checked like every upload; the reasons of those refused."""
    refused: list[str] = []
    if len(parsed.attachments) > MAX_ATTACHMENTS:
        refused.append(
            gettext("%(count)s files; a message may bring at most %(limit)s.")
            % {"count": len(parsed.attachments), "limit": MAX_ATTACHMENTS}
        )
    for found in parsed.attachments[:MAX_ATTACHMENTS]:
        upload = ContentFile(found.content, name=found.filename)
        attachment = Attachment(
            message=message,
            filename=found.filename,
            content_type=found.content_type[:100],
            size=len(found.content),
        )
        try:
            validate_attachment(upload)
        except ValidationError as error:
            attachment.refused = " ".join(error.messages)
            refused.append(f"{found.filename}: {attachment.refused}")
        else:
            attachment.file = upload
        attachment.save()
    return refused


def _day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def _file(
    message: Message,
    *,
    request: OptOutRequest,
    agency: Agency,
    contact: Contact | None,
    by: User = None,
) -> Letter:
    """Log the message as a letter received on the request, the original attached."""
    today = min(_day(message.received_at or timezone.now()), latest_past_date())
    sent_day = _day(message.sent_at) if message.sent_at else None
    if sent_day is not None and sent_day > today:
        sent_day = today  # a sender's clock ahead of ours
    # Email arrives the day it is sent: an old message uploaded today (a 2010 reply
    # saved from someone's mailbox) was received then, not today.
    received_day = sent_day or today
    original: ContentFile[bytes] | None = None
    if message.state != Message.State.QUARANTINED and message.raw:
        with message.raw.open("rb") as stored:
            candidate = ContentFile(stored.read(), name="message.eml")
        try:
            validate_attachment(candidate)
            original = candidate
        except ValidationError:
            pass  # too large for a letter: it stays on the inbox's record
    summary = message.text or nh3.clean(message.html, tags=set())
    letter = tracker_services.letter_log(
        request=request,
        by=by,
        sender=agency,
        sender_contact=contact,
        subject=(message.subject or gettext("(no subject)"))[:_SUBJECT_MAX],
        direction=Letter.Direction.INCOMING,
        method=Letter.Method.EMAIL,
        sent_on=PartialDate(sent_day) if sent_day else None,
        received_on=PartialDate(received_day),
        summary=summary.strip()[:_SUMMARY_MAX],
        attachment=original,
        in_reply_to=selectors.letter_answered(request, agency),
        notes=gettext(
            "Received by email from %(sender)s; Message-ID %(id)s. Awaiting classification: "
            "record the agency's response when its kind is known."
        )
        % {"sender": message.from_address or "?", "id": message.message_id},
        source=gettext("Email"),
    )
    message.letter = letter
    message.request = request
    message.state = Message.State.MATCHED
    message.filed_at = timezone.now()
    message.filed_by = user_or_none(by)
    return letter


@transaction.atomic
def message_file(
    *, message: Message, request: OptOutRequest, by: User, agency: Agency | None = None
) -> Letter:
    """File a message from the inbox on a request, as a staff member chose.

    Refused, with the reason, for a message already filed and for an automatic reply or
    a bounce (never an agency's answer). The sending agency is ``agency``, else the one
    the sender's address or the request's letters name.
    """
    locked = Message.objects.select_for_update().get(pk=message.pk)
    if locked.letter_id is not None:
        raise ValidationError(
            gettext("This message is already filed on request %(request)s.")
            % {"request": locked.request_id},
            code="already_filed",
        )
    if locked.state in (Message.State.AUTO_REPLY, Message.State.BOUNCE):
        raise ValidationError(
            gettext(
                "An automatic reply or a bounce is not an agency's answer: it stays in the inbox."
            ),
            code="not_an_answer",
        )
    if locked.raw_size > message_max_bytes() or (not locked.raw and not locked.text):
        raise ValidationError(
            gettext("Only the headers of this message were kept: there is nothing to file."),
            code="nothing_to_file",
        )
    sender = selectors.sender_of(locked, request)
    if agency is None:
        agency = sender.agency
    if agency is None:
        raise ValidationError(
            {"agency": gettext("Who sent it is not known: choose the sending agency.")}
        )
    contact = sender.contact if sender.contact and sender.contact.agency_id == agency.pk else None
    letter = _file(locked, request=request, agency=agency, contact=contact, by=by)
    locked.matched_by = Message.MatchedBy.STAFF
    locked.reason = gettext("Filed by a staff member.")
    locked.save()
    message.refresh_from_db()
    return letter
