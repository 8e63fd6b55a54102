"""Reads for the inbox: which request a message concerns, who sent it, the lists."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from inbox.models import Message
from inbox.parsing import ParsedMail
from jurisdictions.models import Agency, Contact
from tracker.domain.mail_identity import (
    request_id_from_address,
    request_id_from_message_ids,
    request_id_from_subject,
)
from tracker.domain.workflow import CLOSED_STATES
from tracker.models import Letter, OptOutRequest


@dataclass(frozen=True)
class Match:
    request: OptOutRequest
    matched_by: str

    def get_matched_by_display(self) -> str:
        return str(Message.MatchedBy(self.matched_by).label)


@dataclass(frozen=True)
class Sender:
    agency: Agency | None
    contact: Contact | None


def _request(request_id: int | None) -> OptOutRequest | None:
    if request_id is None:
        return None
    return OptOutRequest.objects.filter(pk=request_id).first()


def _open_requests_of_contacts(contacts: list[Contact]) -> list[OptOutRequest]:
    """Open requests that a contact asked for, or whose letters went to them or their
    agency, or that their jurisdiction filed."""
    if not contacts:
        return []
    concerns = Q(requested_by__in=contacts) | Q(letters__recipient_contacts__in=contacts)
    agencies = [c.agency_id for c in contacts if c.agency_id is not None]
    jurisdictions = [c.jurisdiction_id for c in contacts if c.jurisdiction_id is not None]
    if agencies:
        concerns |= Q(letters__recipients__in=agencies) | Q(requesting_agency__in=agencies)
    if jurisdictions:
        concerns |= Q(jurisdiction__in=jurisdictions)
    return list(
        OptOutRequest.objects.filter(concerns)
        .exclude(status__in=CLOSED_STATES)
        .distinct()
        .order_by("pk")[:2]
    )


def contacts_with_address(address: str) -> list[Contact]:
    if not address:
        return []
    return list(Contact.objects.filter(email__iexact=address).order_by("pk"))


def match_request(parsed: ParsedMail) -> Match | None:
    """The request a message names, in this order: a reply address it was sent to, the
    reference in its subject, the message it answers, or, when its sender is a known
    contact of exactly one open request, that request."""
    for address in parsed.delivered_to:
        found = _request(request_id_from_address(address))
        if found is not None:
            return Match(found, Message.MatchedBy.ADDRESS)
    found = _request(request_id_from_subject(parsed.subject))
    if found is not None:
        return Match(found, Message.MatchedBy.SUBJECT)
    found = _request(request_id_from_message_ids(parsed.references))
    if found is not None:
        return Match(found, Message.MatchedBy.THREAD)
    if parsed.kind != "mail":
        return None  # an automatic message's sender is no one's address
    candidates = _open_requests_of_contacts(contacts_with_address(parsed.from_address))
    if len(candidates) == 1:
        return Match(candidates[0], Message.MatchedBy.CONTACT)
    return None


def _agencies_written_to(request: OptOutRequest) -> list[int]:
    return list(
        Agency.objects.filter(
            letters_received__request=request,
            letters_received__direction=Letter.Direction.OUTGOING,
            letters_received__awaiting_reply=True,
        )
        .values_list("pk", flat=True)
        .distinct()[:2]
    )


def sender_of(message: Message, request: OptOutRequest) -> Sender:
    """Who sent the message, for its letter: the known contact with its address and
    their agency; else, from an address nobody knows, when the request waits on one
    agency only, that agency (the message came back to the request's reply address,
    subject or thread)."""
    contacts = contacts_with_address(message.from_address)
    with_agency = [c for c in contacts if c.agency_id is not None]
    if with_agency:
        contact = with_agency[0]
        return Sender(contact.agency, contact)
    if contacts:
        # A known person who answers for no agency (a council member, a reporter).
        return Sender(None, contacts[0])
    waiting_on = _agencies_written_to(request)
    if len(waiting_on) == 1:
        return Sender(Agency.objects.get(pk=waiting_on[0]), None)
    return Sender(None, contacts[0] if contacts else None)


def letter_answered(request: OptOutRequest, agency: Agency) -> Letter | None:
    """The request's latest letter to the agency still awaiting a reply, if any."""
    return (
        Letter.objects.filter(
            request=request,
            direction=Letter.Direction.OUTGOING,
            awaiting_reply=True,
            recipients=agency,
        )
        .order_by("-sent_on", "-pk")
        .first()
    )


def inbox_messages(*, state: str | None = None) -> QuerySet[Message]:
    """The inbox, newest first, with each message's request and its files counted."""
    messages = (
        Message.objects.select_related("request__jurisdiction")
        .annotate(attachment_count=Count("attachments"))
        .defer("text", "html")
    )
    if state:
        messages = messages.filter(state=state)
    return messages.order_by("-received_at", "-pk")


def message_for_page(pk: int) -> Message | None:
    return (
        Message.objects.select_related("request__jurisdiction", "letter", "filed_by")
        .prefetch_related("attachments")
        .filter(pk=pk)
        .first()
    )


def requests_to_file_on() -> QuerySet[OptOutRequest]:
    """The requests a message may be filed on: open ones first, by jurisdiction."""
    return OptOutRequest.objects.select_related("jurisdiction").order_by("jurisdiction__name", "pk")
