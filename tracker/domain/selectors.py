"""Reads: the one place a read rule of the cases lives.

The services (``services.py``) are the only path that writes; the selectors are
the only place that decides what a read returns: which letters are awaiting a
reply, overdue or very overdue, when a reply is due and why, the timeline of a
request or a jurisdiction for an audience, what the public may see, and search.
The admin, the staff pages, the public pages, the API, the CSV exports, the
calendar feed, the reminders and the milestones all call these functions and
never write a rule of their own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Count, Model, Prefetch, Q, QuerySet
from django.utils import timezone

from core.dates import PartialDate
from jurisdictions.models import Jurisdiction
from tracker.domain.statements import Contradiction, Contradictions, contradictions
from tracker.models import AgencyResponse, Letter, Meeting, OptOutRequest, Statement, Transition

# --- Letters and requests with their flags ----------------------------------------------
#
# Awaiting a reply, overdue, very overdue, days waiting, and the due date with how it
# was counted: annotated in the same query as the rows, so no row costs a query.
#
#
#
#
#
#
#


# --- Timelines ------------------------------------------------------------------------
#
# Everything that happened in a request or a jurisdiction, for an audience (staff or
# the public), dated and sorted one way on every surface.


class Audience(StrEnum):
    """Who reads a timeline: staff read everything, the public only what is published."""

    STAFF = "staff"
    PUBLIC = "public"


#: Items of one day come in this order: a request's opening, its letters, the replies
#: to them, the meetings they led to, and last the status moves they brought about.
TIMELINE_KINDS: tuple[str, ...] = ("request", "letter", "response", "meeting", "transition")

TimelineItem = OptOutRequest | Letter | AgencyResponse | Meeting | Transition


def letter_date(letter: Letter) -> PartialDate | None:
    """A letter is dated by when it was sent, else by when it was received: an incoming
    letter is often known only by the day it arrived."""
    return letter.sent or letter.received


def transition_date(transition: Transition) -> PartialDate:
    """A status move is dated by the local day it was made (TIME_ZONE): a move made at
    22:30 in New York happened that day, not on the next one as in UTC."""
    return PartialDate(timezone.localdate(transition.at))


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened in a case, with the date it is shown and sorted by."""

    kind: str
    item: TimelineItem
    date: PartialDate | None
    request: OptOutRequest

    @property
    def anchor(self) -> str:
        """The entry's id on a page (``letter-12``): links and redirects point to it."""
        return f"{self.kind}-{self.item.pk}"

    @property
    def logged(self) -> dt.datetime:
        """When the item was entered in the tracker (for a move: when it was made)."""
        if isinstance(self.item, Transition):
            return self.item.at
        return self.item.created_at

    def sort_key(self) -> tuple[bool, dt.date, int, dt.datetime, int]:
        """Undated items last; the others by the earliest day they may have happened (a
        date known to the month or the year sorts at its first day); items of one day
        in the order of TIMELINE_KINDS, then in the order they were logged."""
        return (
            self.date is None,
            self.date.earliest if self.date else dt.date.max,
            TIMELINE_KINDS.index(self.kind),
            self.logged,
            self.item.pk,
        )


@dataclass(frozen=True)
class Timeline:
    """A jurisdiction's requests (those the audience may see) and their timeline."""

    requests: list[OptOutRequest]
    entries: list[TimelineEntry]


def with_timeline(
    requests: QuerySet[OptOutRequest],
    *,
    audience: Audience,
    letters: QuerySet[Letter] | None = None,
    responses: QuerySet[AgencyResponse] | None = None,
    meetings: QuerySet[Meeting] | None = None,
    transitions: QuerySet[Transition] | None = None,
) -> QuerySet[OptOutRequest]:
    """``requests`` with the items of their timelines prefetched for ``audience``.

    The public gets only published requests and, of those, only published items.
    A surface passes the querysets of the items with what it shows of them (joins,
    prefetches, annotations); they are narrowed to the audience, never widened.
    One query per kind of item, whatever the number of requests.
    """
    shown: dict[str, QuerySet[Any]] = {
        "letters": Letter.objects.all() if letters is None else letters,
        "responses": AgencyResponse.objects.all() if responses is None else responses,
        "meetings": Meeting.objects.all() if meetings is None else meetings,
        "transitions": Transition.objects.all() if transitions is None else transitions,
    }
    if audience is Audience.PUBLIC:
        requests = published(requests)
        shown = {name: published(queryset) for name, queryset in shown.items()}
    return requests.prefetch_related(
        *(Prefetch(name, queryset=queryset) for name, queryset in shown.items())
    )


def timeline_entries(
    requests: Iterable[OptOutRequest], *, audience: Audience, openings: bool = False
) -> list[TimelineEntry]:
    """The timeline of ``requests`` loaded by :func:`with_timeline`, in the one order.

    ``openings`` shows each request's opening, dated when the request was opened,
    instead of the first row of its status log, which records only the day the
    request was entered in the tracker.
    """
    entries: list[TimelineEntry] = []
    for request in requests:
        if openings:
            entries.append(TimelineEntry("request", request, request.opened, request))
        entries += [
            TimelineEntry("letter", letter, letter_date(letter), request)
            for letter in request.letters.all()
        ]
        entries += [
            TimelineEntry("response", response, response.responded, request)
            for response in request.responses.all()
        ]
        entries += [
            TimelineEntry("meeting", meeting, meeting.held, request)
            for meeting in request.meetings.all()
        ]
        entries += [
            TimelineEntry("transition", move, transition_date(move), request)
            for move in request.transitions.all()
            if move.from_state or not openings
        ]
    if audience is Audience.PUBLIC:
        # with_timeline loaded only published items; this holds for any other loading.
        entries = [entry for entry in entries if is_published(entry.item)]
    return sorted(entries, key=TimelineEntry.sort_key)


def request_timeline(
    request: OptOutRequest,
    *,
    audience: Audience,
    letters: QuerySet[Letter] | None = None,
    responses: QuerySet[AgencyResponse] | None = None,
    meetings: QuerySet[Meeting] | None = None,
    transitions: QuerySet[Transition] | None = None,
) -> list[TimelineEntry]:
    """One request's timeline for ``audience``: five queries (the request, then one
    per kind of item); empty for the public when the request is not published."""
    loaded = with_timeline(
        OptOutRequest.objects.filter(pk=request.pk),
        audience=audience,
        letters=letters,
        responses=responses,
        meetings=meetings,
        transitions=transitions,
    )
    return timeline_entries(loaded, audience=audience)


def jurisdiction_timeline(
    jurisdiction: Jurisdiction,
    *,
    audience: Audience,
    openings: bool = False,
    requests: QuerySet[OptOutRequest] | None = None,
    letters: QuerySet[Letter] | None = None,
    responses: QuerySet[AgencyResponse] | None = None,
    meetings: QuerySet[Meeting] | None = None,
    transitions: QuerySet[Transition] | None = None,
) -> Timeline:
    """The requests of a jurisdiction the audience may see, and one timeline of them all."""
    base = OptOutRequest.objects.all() if requests is None else requests
    loaded = list(
        with_timeline(
            base.filter(jurisdiction=jurisdiction),
            audience=audience,
            letters=letters,
            responses=responses,
            meetings=meetings,
            transitions=transitions,
        )
    )
    return Timeline(
        requests=loaded,
        entries=timeline_entries(loaded, audience=audience, openings=openings),
    )


# --- What the public may see, and search ---------------------------------------------
#
# Published records (marked public, and for anything of a request, its request public
# too) and the search over them; the staff search over everything.

_Record = TypeVar("_Record", bound=Model)

#: Records that belong to a request: published when marked public and their request is.
_OF_A_REQUEST = (Letter, AgencyResponse, Meeting)


def published(queryset: QuerySet[_Record]) -> QuerySet[_Record]:
    """The records of ``queryset`` the public may see: the rule of :func:`is_published`,
    asked of the database."""
    model = queryset.model
    if issubclass(model, Transition):
        # A status change has no flag of its own: it is public exactly when its request is.
        return queryset.filter(request__is_public=True)
    if issubclass(model, _OF_A_REQUEST):
        return queryset.filter(is_public=True, request__is_public=True)
    if issubclass(model, (OptOutRequest, Statement)):
        return queryset.filter(is_public=True)
    raise TypeError(f"{model.__name__} records are never published.")


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
    if isinstance(item, _OF_A_REQUEST):
        return item.request.is_public
    return True


def published_requests() -> QuerySet[OptOutRequest]:
    return published(OptOutRequest.objects.all())


def published_letters() -> QuerySet[Letter]:
    return published(Letter.objects.all())


def published_responses() -> QuerySet[AgencyResponse]:
    return published(AgencyResponse.objects.all())


def published_meetings() -> QuerySet[Meeting]:
    return published(Meeting.objects.all())


def published_transitions() -> QuerySet[Transition]:
    return published(Transition.objects.all())


def published_statements() -> QuerySet[Statement]:
    """Public statements in date order, with their agencies (for the contradictions)."""
    return published(Statement.objects.all()).select_related("agency")


def published_jurisdictions() -> QuerySet[Jurisdiction]:
    """Jurisdictions with at least one published request, each with ``published_count``."""
    return (
        Jurisdiction.objects.annotate(
            published_count=Count("requests", filter=Q(requests__is_public=True))
        )
        .filter(published_count__gt=0)
        .order_by("state", "name")
    )


def published_contradictions() -> Contradictions:
    """The contradictions between published statements only."""
    return contradictions(published_statements())


def published_contradiction(first_reference: str, second_reference: str) -> Contradiction | None:
    """The contradiction between two published statements, given in either order, if any."""
    pair = published_statements().filter(reference__in=[first_reference, second_reference])
    found = contradictions(pair)
    return found[0] if found else None


#: The most results of each kind of record a search returns; the pages say when
#: there may be more.
SEARCH_LIMIT = 50
#: The text-search configuration: stems English words ("requested" finds "request").
SEARCH_CONFIG = "english"


@dataclass
class SearchResults:
    """What the staff search found, by kind of record."""

    query: str
    requests: list[OptOutRequest] = field(default_factory=list)
    letters: list[Letter] = field(default_factory=list)
    responses: list[AgencyResponse] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.requests) + len(self.letters) + len(self.responses)


def uses_full_text() -> bool:
    """PostgreSQL's full-text search, or (SQLite, on a laptop) a substring match."""
    return connection.vendor == "postgresql"


def _matching(queryset: QuerySet[Any], fields: tuple[str, ...], text: str) -> QuerySet[Any]:
    if uses_full_text():
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = SearchVector(*fields, config=SEARCH_CONFIG)
        query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
        return (
            queryset.annotate(search=vector, rank=SearchRank(vector, query))
            .filter(search=query)
            .order_by("-rank", "pk")
        )
    return queryset.filter(_contains(text, *fields)).order_by("pk")


def search(text: str, *, limit: int = SEARCH_LIMIT) -> SearchResults:
    """The staff search: requests by title and summary, letters by subject and summary,
    replies by summary, published or not.

    On PostgreSQL it is full-text search, best matches first: it understands word
    forms ("letters" finds "letter") and web-search syntax (quoted phrases,
    ``-word``). SQLite, used by ``make run`` on a laptop, has no such index, so there
    a case-insensitive substring match on the same fields keeps search working with
    the same results page.
    """
    text = text.strip()
    results = SearchResults(query=text)
    if not text:
        return results
    results.requests = list(
        _matching(OptOutRequest.objects.select_related("jurisdiction"), ("title", "summary"), text)[
            :limit
        ]
    )
    results.letters = list(
        _matching(
            Letter.objects.select_related("request__jurisdiction", "sender"),
            ("subject", "summary"),
            text,
        )[:limit]
    )
    results.responses = list(
        _matching(
            AgencyResponse.objects.select_related("request__jurisdiction", "agency"),
            ("summary",),
            text,
        )[:limit]
    )
    return results


@dataclass
class PublishedSearchResults:
    """What the public search found, by kind of record: published records only."""

    query: str
    requests: list[OptOutRequest] = field(default_factory=list)
    letters: list[Letter] = field(default_factory=list)
    responses: list[AgencyResponse] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)


def _contains(text: str, *fields: str) -> Q:
    query = Q()
    for name in fields:
        query |= Q(**{f"{name}__icontains": text})
    return query


def published_search(text: str, *, limit: int = SEARCH_LIMIT) -> PublishedSearchResults:
    """Published requests, letters, responses, meetings and statements mentioning ``text``.

    Searches only public fields of published items (never notes, never contacts'
    details), each with the jurisdiction its public timeline is on. Five queries,
    each capped at ``limit`` rows.
    """
    text = text.strip()
    results = PublishedSearchResults(query=text)
    if not text:
        return results
    results.requests = list(
        published_requests()
        .filter(_contains(text, "title", "summary", "outcome", "jurisdiction__name"))
        .select_related("jurisdiction")[:limit]
    )
    results.letters = list(
        published_letters()
        .filter(_contains(text, "subject", "summary"))
        .select_related("request__jurisdiction")[:limit]
    )
    results.responses = list(
        published_responses()
        .filter(_contains(text, "summary", "agency__name"))
        .select_related("agency", "request__jurisdiction")[:limit]
    )
    results.meetings = list(
        published_meetings()
        .filter(_contains(text, "place", "outcome"))
        .select_related("request__jurisdiction")[:limit]
    )
    results.statements = list(
        published_statements().filter(
            _contains(text, "speaker", "quote", "source_title", "agency__name")
        )[:limit]
    )
    return results
