"""What the public may see: the one definition the public pages and anonymous API reads share.

An item is published when an editor marked it public **and**, for anything that
belongs to a request (letters, responses, meetings, status changes), that
request is public too: a published letter of an unpublished request stays
hidden.

Published items are shown through the ``public_*`` functions below, which
return plain JSON-ready dictionaries holding only the fields the public may
read. They never include:

- a contact's ways of reaching them or notes (``Contact.PRIVATE_FIELDS``):
  people appear by name and title only;
- any record's internal ``notes`` or ``source`` working notes, the staff owner
  of a request, or who on staff moved it (and the status log's ``note``, which
  is written for colleagues);
- attachments or documents (they are never served from a public URL);
- links to unpublished items: a published response to an unpublished letter
  shows the response without naming the letter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from core.dates import PartialDate
from jurisdictions.models import Agency, Contact, Jurisdiction
from tracker.domain.statements import Contradiction, Contradictions, contradictions
from tracker.domain.workflow import State
from tracker.models import AgencyResponse, Letter, Meeting, OptOutRequest, Statement, Transition

#: The only contact fields the public sees. Never any of Contact.PRIVATE_FIELDS.
PUBLIC_CONTACT_FIELDS: tuple[str, ...] = ("name", "title")

PublicData = dict[str, Any]


# --- Which records are published ---------------------------------------------------


def published_requests() -> QuerySet[OptOutRequest]:
    return OptOutRequest.objects.filter(is_public=True)


def _of_published_request() -> Q:
    return Q(is_public=True, request__is_public=True)


def published_letters() -> QuerySet[Letter]:
    return Letter.objects.filter(_of_published_request())


def published_responses() -> QuerySet[AgencyResponse]:
    return AgencyResponse.objects.filter(_of_published_request())


def published_meetings() -> QuerySet[Meeting]:
    return Meeting.objects.filter(_of_published_request())


def published_transitions() -> QuerySet[Transition]:
    # A status change has no flag of its own: it is public exactly when its request is.
    return Transition.objects.filter(request__is_public=True)


def published_statements() -> QuerySet[Statement]:
    """Public statements in date order, with their agencies (for the contradictions)."""
    return Statement.objects.filter(is_public=True).select_related("agency")


def published_jurisdictions() -> QuerySet[Jurisdiction]:
    """Jurisdictions with at least one published request, each with ``published_count``."""
    return (
        Jurisdiction.objects.annotate(
            published_count=Count("requests", filter=Q(requests__is_public=True))
        )
        .filter(published_count__gt=0)
        .order_by("state", "name")
    )


def published_jurisdiction_list() -> list[PublicData]:
    """The public index: each jurisdiction with a published request, and how many it has."""
    return [
        {**public_jurisdiction(j), "published_count": getattr(j, "published_count", 0)}
        for j in published_jurisdictions()
    ]


def published_contradictions() -> Contradictions:
    """The contradictions between published statements only."""
    return contradictions(published_statements())


def published_contradiction(first_reference: str, second_reference: str) -> Contradiction | None:
    """The contradiction between two published statements, given in either order, if any."""
    pair = published_statements().filter(reference__in=[first_reference, second_reference])
    found = contradictions(pair)
    return found[0] if found else None


def is_published(
    item: OptOutRequest | Letter | AgencyResponse | Meeting | Transition | Statement,
) -> bool:
    """Whether one already-loaded record may be shown to the public.

    A status change has no flag of its own: it is public exactly when its request is.
    """
    if isinstance(item, Transition):
        return item.request.is_public
    if not item.is_public:
        return False
    if isinstance(item, (Letter, AgencyResponse, Meeting)):
        return item.request.is_public
    return True


# --- How published records are shown -------------------------------------------------


def _date(value: PartialDate | None) -> PublicData:
    return {
        "date": value.isoformat() if value else None,
        "date_display": value.display() if value else "date unknown",
    }


def public_contact(contact: Contact | None) -> PublicData | None:
    if contact is None:
        return None
    return {name: getattr(contact, name) for name in PUBLIC_CONTACT_FIELDS}


def public_agency(agency: Agency | None) -> PublicData | None:
    if agency is None:
        return None
    return {
        "reference": agency.reference,
        "name": agency.name,
        "abbreviation": agency.abbreviation,
    }


def public_jurisdiction(jurisdiction: Jurisdiction) -> PublicData:
    return {
        "reference": jurisdiction.reference,
        "name": jurisdiction.name,
        "kind": str(jurisdiction.get_kind_display()),
        "state": jurisdiction.state,
        "deployment_status": jurisdiction.deployment_status,
        "deployment_status_display": str(jurisdiction.get_deployment_status_display()),
    }


def public_request(request: OptOutRequest) -> PublicData:
    closed = PartialDate(request.closed_on) if request.closed_on else None
    return {
        "reference": request.reference,
        "title": request.title,
        "seeks": request.seeks,
        "seeks_display": str(request.get_seeks_display()),
        "status": request.status,
        "status_display": str(request.get_status_display()),
        "summary": request.summary,
        "outcome": request.outcome,
        "opened": _date(request.opened),
        "closed": _date(closed) if closed else None,
        "requesting_agency": public_agency(request.requesting_agency),
        "requested_by": public_contact(request.requested_by),
    }


def public_letter(letter: Letter) -> PublicData:
    reply_to = letter.in_reply_to
    return {
        "reference": letter.reference,
        "request": letter.request.reference,
        "direction": letter.direction,
        "direction_display": str(letter.get_direction_display()),
        "sender": public_agency(letter.sender),
        "signed_by": public_contact(letter.sender_contact),
        "recipients": [public_agency(a) for a in letter.recipients.all()],
        "addressed_to": [public_contact(c) for c in letter.recipient_contacts.all()],
        "method": letter.method,
        "method_display": str(letter.get_method_display()),
        "sent": _date(letter.sent),
        "received": _date(letter.received) if letter.received else None,
        "subject": letter.subject,
        "summary": letter.summary,
        "in_reply_to": (
            {"reference": reply_to.reference, "subject": reply_to.subject}
            if reply_to is not None and reply_to.is_public
            else None
        ),
    }


def public_response(response: AgencyResponse) -> PublicData:
    letter = response.letter
    return {
        "reference": response.reference,
        "request": response.request.reference,
        "agency": public_agency(response.agency),
        "kind": response.kind,
        "kind_display": str(response.get_kind_display()),
        "responded": _date(response.responded),
        "summary": response.summary,
        "answers_letter": (
            {"reference": letter.reference, "subject": letter.subject}
            if letter is not None and letter.is_public
            else None
        ),
    }


def public_meeting(meeting: Meeting) -> PublicData:
    return {
        "reference": meeting.reference,
        "request": meeting.request.reference,
        "status": meeting.status,
        "status_display": str(meeting.get_status_display()),
        "held": _date(meeting.held),
        "place": meeting.place,
        "agencies": [public_agency(a) for a in meeting.agencies.all()],
        "attendees": [public_contact(c) for c in meeting.attendees.all()],
        "outcome": meeting.outcome,
    }


def _transition_day(transition: Transition) -> PartialDate:
    return PartialDate(timezone.localdate(transition.at))


def public_transition(transition: Transition) -> PublicData:
    return {
        "request": transition.request.reference,
        "from_state": transition.from_state or None,
        "from_state_display": str(State(transition.from_state).label)
        if transition.from_state
        else None,
        "to_state": transition.to_state,
        "to_state_display": str(State(transition.to_state).label),
        "at": _date(_transition_day(transition)),
    }


def _web_link(url: str) -> str:
    """The link when it is a web address; a form validates it, a bulk import may not."""
    return url if url.lower().startswith(("https://", "http://")) else ""


def public_statement(statement: Statement) -> PublicData:
    return {
        "reference": statement.reference,
        "speaker": statement.speaker,
        "agency": public_agency(statement.agency),
        "stated": _date(statement.stated),
        "medium": statement.medium,
        "medium_display": str(statement.get_medium_display()),
        "source_title": statement.source_title,
        "source_url": _web_link(statement.source_url),
        "quote": statement.quote,
        "position": statement.position,
        "position_display": str(statement.get_position_display()),
    }


def public_contradiction(contradiction: Contradiction) -> PublicData:
    days = contradiction.days
    return {
        "key": contradiction.key,
        "earlier": public_statement(contradiction.earlier),
        "later": public_statement(contradiction.later),
        "relation": contradiction.relation,
        "days_fewest": days.fewest if days else None,
        "days_most": days.most if days else None,
        "days_display": days.display() if days else "unknown",
        "order_certain": contradiction.order_certain,
    }


# --- A jurisdiction's published timeline ---------------------------------------------

_KIND_ORDER = {"request": 0, "letter": 1, "response": 2, "meeting": 3, "status": 4}


@dataclass(frozen=True)
class TimelineEntry:
    """One dated event on a public timeline; ``item`` is its public representation."""

    kind: str
    date: PartialDate | None
    item: PublicData

    def sort_key(self) -> tuple[int, dt.date, dt.date, int]:
        if self.date is None:
            return (1, dt.date.max, dt.date.max, _KIND_ORDER[self.kind])
        return (0, self.date.earliest, self.date.latest, _KIND_ORDER[self.kind])

    def as_dict(self) -> PublicData:
        return {"kind": self.kind, **_date(self.date), "item": self.item}


@dataclass(frozen=True)
class PublicTimeline:
    jurisdiction: PublicData
    requests: list[PublicData] = field(default_factory=list)
    entries: list[TimelineEntry] = field(default_factory=list)

    def as_dict(self) -> PublicData:
        return {
            "jurisdiction": self.jurisdiction,
            "requests": self.requests,
            "entries": [entry.as_dict() for entry in self.entries],
        }


def _timeline_requests(jurisdiction: Jurisdiction) -> QuerySet[OptOutRequest]:
    """The jurisdiction's published requests with only their published items, prefetched.

    Nine queries whatever the number of items: requests (with the requesting
    agency and contact), letters (with sender, signer and the letter they
    answer), their recipients, their addressees, responses (with agency and
    letter), meetings, their agencies, their attendees, status changes.
    """
    return (
        published_requests()
        .filter(jurisdiction=jurisdiction)
        .select_related("requesting_agency", "requested_by")
        .prefetch_related(
            Prefetch(
                "letters",
                queryset=Letter.objects.filter(is_public=True)
                .select_related("sender", "sender_contact", "in_reply_to")
                .prefetch_related("recipients", "recipient_contacts"),
            ),
            Prefetch(
                "responses",
                queryset=AgencyResponse.objects.filter(is_public=True).select_related(
                    "agency", "letter"
                ),
            ),
            Prefetch(
                "meetings",
                queryset=Meeting.objects.filter(is_public=True).prefetch_related(
                    "agencies", "attendees"
                ),
            ),
            # A status change is public exactly when its request is.
            Prefetch("transitions", queryset=Transition.objects.all()),
        )
    )


def jurisdiction_timeline(jurisdiction: Jurisdiction) -> PublicTimeline:
    """The published timeline of one jurisdiction, oldest first, undated items last.

    Only published requests contribute, and of those only their published
    letters, responses, meetings and status changes. A status change is dated
    by the day it was recorded in the tracker, which for a case entered after
    the fact is later than the events themselves; the pages say so.
    """
    requests = list(_timeline_requests(jurisdiction))
    entries: list[TimelineEntry] = []
    for optout in requests:
        entries.append(TimelineEntry("request", optout.opened, public_request(optout)))
        for letter in optout.letters.all():
            letter.request = optout
            entries.append(TimelineEntry("letter", letter.sent, public_letter(letter)))
        for response in optout.responses.all():
            response.request = optout
            entries.append(TimelineEntry("response", response.responded, public_response(response)))
        for meeting in optout.meetings.all():
            meeting.request = optout
            entries.append(TimelineEntry("meeting", meeting.held, public_meeting(meeting)))
        for transition in optout.transitions.all():
            if not transition.from_state:
                # The log's first row records the request's creation, which the
                # "request opened" entry already shows with the real date.
                continue
            transition.request = optout
            entries.append(
                TimelineEntry("status", _transition_day(transition), public_transition(transition))
            )
    entries.sort(key=TimelineEntry.sort_key)
    return PublicTimeline(
        jurisdiction=public_jurisdiction(jurisdiction),
        requests=[public_request(optout) for optout in requests],
        entries=entries,
    )


# --- Search over published items ------------------------------------------------------


@dataclass(frozen=True)
class SearchHit:
    kind: str
    title: str
    text: str
    date: PartialDate | None
    #: The jurisdiction whose public timeline shows the item; None for statements.
    jurisdiction: PublicData | None
    reference: str

    def as_dict(self) -> PublicData:
        return {
            "kind": self.kind,
            "title": self.title,
            "text": self.text,
            **_date(self.date),
            "jurisdiction": self.jurisdiction,
            "reference": self.reference,
        }


def _matches(text: str, *fields: str) -> Q:
    query = Q()
    for name in fields:
        query |= Q(**{f"{name}__icontains": text})
    return query


def published_search(text: str, *, limit: int = 50) -> list[SearchHit]:
    """Published requests, letters, responses, meetings and statements mentioning ``text``.

    Searches only public fields of published items (never notes, never
    contacts' details). Five queries, each capped at ``limit`` rows.
    """
    text = text.strip()
    if not text:
        return []
    hits: list[SearchHit] = []
    for optout in (
        published_requests()
        .filter(_matches(text, "title", "summary", "outcome", "jurisdiction__name"))
        .select_related("jurisdiction")[:limit]
    ):
        hits.append(
            SearchHit(
                "request",
                optout.title,
                optout.summary,
                optout.opened,
                public_jurisdiction(optout.jurisdiction),
                optout.reference,
            )
        )
    for letter in (
        published_letters()
        .filter(_matches(text, "subject", "summary"))
        .select_related("request__jurisdiction")[:limit]
    ):
        hits.append(
            SearchHit(
                "letter",
                letter.subject,
                letter.summary,
                letter.sent,
                public_jurisdiction(letter.request.jurisdiction),
                letter.reference,
            )
        )
    for response in (
        published_responses()
        .filter(_matches(text, "summary", "agency__name"))
        .select_related("agency", "request__jurisdiction")[:limit]
    ):
        hits.append(
            SearchHit(
                "response",
                f"{response.agency}: {response.get_kind_display()}",
                response.summary,
                response.responded,
                public_jurisdiction(response.request.jurisdiction),
                response.reference,
            )
        )
    for meeting in (
        published_meetings()
        .filter(_matches(text, "place", "outcome"))
        .select_related("request__jurisdiction")[:limit]
    ):
        hits.append(
            SearchHit(
                "meeting",
                f"Meeting ({meeting.get_status_display().lower()})",
                meeting.outcome or meeting.place,
                meeting.held,
                public_jurisdiction(meeting.request.jurisdiction),
                meeting.reference,
            )
        )
    for statement in published_statements().filter(
        _matches(text, "speaker", "quote", "source_title", "agency__name")
    )[:limit]:
        hits.append(
            SearchHit(
                "statement",
                f"{statement.speaker} ({statement.agency})",
                statement.quote,
                statement.stated,
                None,
                statement.reference,
            )
        )
    return hits
