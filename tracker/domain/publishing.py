"""How the public sees the published record: the one representation the public pages and
anonymous API reads share.

What is published is a read rule of :mod:`tracker.domain.selectors`: an item is
published when an editor marked it public **and**, for anything that belongs to
a request (letters, responses, meetings, status changes), that request is public
too: a published letter of an unpublished request stays hidden.

Published items are shown through the ``public_*`` functions below, which
return plain JSON-ready dictionaries holding only the fields the public may
read. They never include:

- a contact's ways of reaching them or notes (``Contact.PRIVATE_FIELDS``):
  people appear by name and title only;
- any record's internal ``notes`` or ``source`` working notes (nor a source's notes),
  the staff owner
  of a request, or who on staff moved it (and the status log's ``note``, which
  is written for colleagues);
- attachments or documents (they are never served from a public URL);
- links to unpublished items: a published response to an unpublished letter
  shows the response without naming the letter.

Every published fact shows where it comes from (:func:`public_citation`): the sources
it cites (seed number, title, publisher, date, address) and whether those sources
state it or it is inferred from them, with the reasoning. Publishing a record that
cites no source is allowed (records kept before sources existed must stay public),
but the editor is warned (:func:`citation_warnings`) and the public pages say
"No source recorded".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext

from core.dates import PartialDate
from jurisdictions.domain.states import STATES
from jurisdictions.models import Agency, Contact, Jurisdiction
from tracker.domain import selectors
from tracker.domain.selectors import Audience
from tracker.domain.statements import Contradiction
from tracker.domain.workflow import State
from tracker.models import (
    AgencyResponse,
    Basis,
    CorrespondenceThread,
    Event,
    Letter,
    Meeting,
    OptOutRequest,
    PublishableModel,
    Source,
    Statement,
    ThreadLetter,
    Transition,
)

#: The only contact fields the public sees. Never any of Contact.PRIVATE_FIELDS.
PUBLIC_CONTACT_FIELDS: tuple[str, ...] = ("name", "title")

PublicData = dict[str, Any]


# --- How published records are shown -------------------------------------------------


def _date(value: PartialDate | None) -> PublicData:
    return {
        "date": value.isoformat() if value else None,
        "date_display": value.display() if value else gettext("date unknown"),
    }


def public_source(source: Source) -> PublicData:
    """A source as the public sees it: never its internal notes."""
    return {
        "reference": source.reference,
        "seed": source.seed,
        "title": source.title,
        "publisher": source.publisher,
        "published": _date(source.published),
        "url": _web_link(source.url),
    }


def public_citation(record: PublishableModel) -> PublicData:
    """Where a published fact comes from: its sources (read from ``sources``, prefetched
    by every public read), and whether they state it or it is inferred from them."""
    return {
        "basis": record.basis,
        "basis_display": str(record.get_basis_display()),
        "inference": record.inference if record.basis == Basis.INFERRED else "",
        "sources": [public_source(source) for source in record.sources.all()],
    }


def citation_warnings(record: PublishableModel) -> list[str]:
    """What an editor is told about a record marked public that cites no source.

    A warning, not a refusal: a record without a source can still be published (the
    public pages say "No source recorded"), but an advocate quoting it cannot say
    where it comes from. One query, on the record's own sources.
    """
    if record.is_public and not record.sources.exists():
        return [
            gettext(
                "This item is public but cites no source: add the documents it rests on, "
                "so that readers know where it comes from."
            )
        ]
    return []


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
        **public_citation(request),
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
            # The letter it answers is of the same request, published with it: its own
            # mark decides (selectors.is_published, without a query for the request).
            if reply_to is not None and reply_to.is_public
            else None
        ),
        **public_citation(letter),
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
            # A reply answers a letter of its own request (a database rule): the
            # letter's own mark decides, as selectors.is_published would.
            if letter is not None and letter.is_public
            else None
        ),
        **public_citation(response),
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
        **public_citation(meeting),
    }


def public_transition(transition: Transition) -> PublicData:
    return {
        "request": transition.request.reference,
        "from_state": transition.from_state or None,
        "from_state_display": str(State(transition.from_state).label)
        if transition.from_state
        else None,
        "to_state": transition.to_state,
        "to_state_display": str(State(transition.to_state).label),
        "at": _date(selectors.transition_date(transition)),
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
        "topic": statement.topic,
        "topic_display": str(statement.get_topic_display()) if statement.topic else "",
        **public_citation(statement),
    }


def public_event(event: Event) -> PublicData:
    """A published event, with its sources and whether they state it or it is inferred
    (and how); it names only the published requests it bears on."""
    return {
        "reference": event.reference,
        "kind": event.kind,
        "kind_display": str(event.get_kind_display()),
        "title": event.title,
        "summary": event.summary,
        "happened": _date(event.happened),
        "jurisdictions": [
            {"reference": j.reference, "name": j.name, "state": j.state}
            for j in event.jurisdictions.all()
        ],
        "agencies": [public_agency(a) for a in event.agencies.all()],
        "requests": [r.reference for r in selectors.public_links_of(event)],
        "publication": event.publication,
        "url": _web_link(event.url),
        **public_citation(event),
    }


def public_contradiction(contradiction: Contradiction) -> PublicData:
    days = contradiction.days
    return {
        "key": contradiction.key,
        "earlier": public_statement(contradiction.earlier),
        "later": public_statement(contradiction.later),
        "relation": contradiction.relation,
        "label": contradiction.label,
        "across_agencies": contradiction.across_agencies,
        "days_fewest": days.fewest if days else None,
        "days_most": days.most if days else None,
        "days_display": days.display() if days else gettext("unknown"),
        "order_certain": contradiction.order_certain,
    }


def public_thread_letter(letter: ThreadLetter) -> PublicData:
    """A published letter of a thread; the statement it also is, when that is published."""
    statement = letter.statement
    return {
        "reference": letter.reference,
        "sender": letter.sender,
        "sender_agency": public_agency(letter.sender_agency) if letter.sender_agency else None,
        "recipients": letter.recipients,
        "recipient_agencies": [public_agency(a) for a in letter.recipient_agencies.all()],
        "sent": _date(letter.sent),
        "subject": letter.subject,
        "summary": letter.summary,
        "statement": statement.reference
        if statement is not None and selectors.is_published(statement)
        else None,
        **public_citation(letter),
    }


def public_thread(
    thread: CorrespondenceThread,
    *,
    letters: Iterable[ThreadLetter],
    requests: Iterable[OptOutRequest],
) -> PublicData:
    """A published thread with its published letters (``letters``, from
    :func:`tracker.domain.selectors.thread_letters` for the public) and the published
    requests it concerns, each named with its jurisdiction."""
    return {
        "reference": thread.reference,
        "title": thread.title,
        "summary": thread.summary,
        **public_citation(thread),
        "letters": [public_thread_letter(letter) for letter in letters],
        "requests": [
            {
                "reference": optout.reference,
                "title": optout.title,
                "jurisdiction": optout.jurisdiction.name,
                "jurisdiction_reference": optout.jurisdiction.reference,
            }
            for optout in requests
        ],
    }


def public_jurisdiction_list(jurisdictions: Iterable[Jurisdiction]) -> list[PublicData]:
    """Rows of the public index: each jurisdiction (from
    :func:`tracker.domain.selectors.published_jurisdictions`) and how many published
    requests it has."""
    return [
        {**public_jurisdiction(j), "published_count": getattr(j, "published_count", 0)}
        for j in jurisdictions
    ]


def public_state(state: selectors.PublishedState) -> PublicData:
    return {
        "state": state.state,
        # A bulk import may hold a code the list does not name: show the code.
        "state_display": STATES.get(state.state, (state.state, ""))[0],
        "jurisdictions": state.jurisdictions,
    }


# --- A jurisdiction's published timeline ---------------------------------------------

#: The public name of each kind of timeline entry (a status move is a "status" entry).
_PUBLIC_KIND = {"transition": "status"}

_SHOW: dict[str, Callable[[Any], PublicData]] = {
    "event": public_event,
    "request": public_request,
    "letter": public_letter,
    "response": public_response,
    "meeting": public_meeting,
    "transition": public_transition,
}


@dataclass(frozen=True)
class PublicTimelineEntry:
    """One dated event on a public timeline; ``item`` is its public representation."""

    kind: str
    date: PartialDate | None
    item: PublicData

    def as_dict(self) -> PublicData:
        return {"kind": self.kind, **_date(self.date), "item": self.item}


@dataclass(frozen=True)
class PublicTimeline:
    jurisdiction: PublicData
    requests: list[PublicData] = field(default_factory=list)
    entries: list[PublicTimelineEntry] = field(default_factory=list)

    def as_dict(self) -> PublicData:
        return {
            "jurisdiction": self.jurisdiction,
            "requests": self.requests,
            "entries": [entry.as_dict() for entry in self.entries],
        }


def public_timeline(jurisdiction: Jurisdiction) -> PublicTimeline:
    """The published timeline of one jurisdiction, in the order of every timeline.

    Only published requests contribute, and of those only their published
    letters, responses, meetings and status changes, and the published events that
    name the jurisdiction or bear on one of its requests. Each request's opening is
    shown with the day it was opened, in place of the status log's first row. A
    status change is dated by the day it was recorded in the tracker, which for
    a case entered after the fact is later than the events themselves; the pages
    say so.

    Thirteen queries, and one more for the events, whatever the number of items:
    requests (with the requesting agency and contact), their sources, letters (with
    sender, signer and the letter they answer), their recipients, their addressees,
    their sources, responses (with agency and letter), their sources, meetings, their
    agencies, their attendees, their sources, status changes; then the events, and when
    there are any, their sources, jurisdictions, agencies and requests.
    """
    timeline = selectors.jurisdiction_timeline(
        jurisdiction,
        audience=Audience.PUBLIC,
        openings=True,
        requests=OptOutRequest.objects.select_related(
            "requesting_agency", "requested_by"
        ).prefetch_related("sources"),
        letters=Letter.objects.select_related(
            "sender", "sender_contact", "in_reply_to"
        ).prefetch_related("recipients", "recipient_contacts", "sources"),
        responses=AgencyResponse.objects.select_related("agency", "letter").prefetch_related(
            "sources"
        ),
        meetings=Meeting.objects.prefetch_related("agencies", "attendees", "sources"),
    )
    return PublicTimeline(
        jurisdiction=public_jurisdiction(jurisdiction),
        requests=[public_request(optout) for optout in timeline.requests],
        entries=[
            PublicTimelineEntry(
                _PUBLIC_KIND.get(entry.kind, entry.kind), entry.date, _SHOW[entry.kind](entry.item)
            )
            for entry in timeline.entries
        ],
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


def public_search(text: str) -> list[SearchHit]:
    """What :func:`tracker.domain.selectors.published_search` finds, as the public sees it:
    requests, letters, responses, meetings, then statements."""
    found = selectors.published_search(text)
    hits = [
        SearchHit(
            "request",
            optout.title,
            optout.summary,
            optout.opened,
            public_jurisdiction(optout.jurisdiction),
            optout.reference,
        )
        for optout in found.requests
    ]
    hits += [
        SearchHit(
            "letter",
            letter.subject,
            letter.summary,
            selectors.letter_date(letter),
            public_jurisdiction(letter.request.jurisdiction),
            letter.reference,
        )
        for letter in found.letters
    ]
    hits += [
        SearchHit(
            "response",
            f"{response.agency}: {response.get_kind_display()}",
            response.summary,
            response.responded,
            public_jurisdiction(response.request.jurisdiction),
            response.reference,
        )
        for response in found.responses
    ]
    hits += [
        SearchHit(
            "meeting",
            gettext("Meeting (%(status)s)") % {"status": meeting.get_status_display().lower()},
            meeting.outcome or meeting.place,
            meeting.held,
            public_jurisdiction(meeting.request.jurisdiction),
            meeting.reference,
        )
        for meeting in found.meetings
    ]
    hits += [
        SearchHit(
            "statement",
            f"{statement.speaker} ({statement.agency})",
            statement.quote,
            statement.stated,
            None,
            statement.reference,
        )
        for statement in found.statements
    ]
    return hits
