"""How long things take: per request, the days between milestones; per agency, reply times.

Dates known only to the month or year make a span uncertain. A :class:`Span`
keeps the shortest and the longest number of days the dates allow, and shows
"12 days" only when both ends are known to the day; otherwise "between 0 and
40 days". Agency statistics (median, 90th percentile) use only reply times
known to the day and say how many others they left out, so no figure rests on
an invented day.

Everything here reads the database in a fixed number of queries, whatever the
number of requests, letters or agencies.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from core.dates import DatePrecision, PartialDate
from jurisdictions.models import Agency
from tracker.domain import selectors
from tracker.domain.selectors import letter_date
from tracker.domain.workflow import State
from tracker.models import AgencyResponse, Letter, Meeting, OptOutRequest

#: Responses that settle a request one way or the other.
RESOLVING_KINDS = frozenset(
    {
        AgencyResponse.Kind.REMOVED,
        AgencyResponse.Kind.ACTIVATION_CHANGED,
        AgencyResponse.Kind.DENIED,
    }
)
#: Closed states that are a resolution (withdrawing is the jurisdiction giving up, not one).
RESOLVED_STATES = frozenset({State.REMOVED, State.ACTIVATION_DEFERRED, State.DENIED})


@dataclass(frozen=True)
class Span:
    """Days from one partial date to another: the shortest and longest the dates allow."""

    shortest: int
    longest: int

    @classmethod
    def between(cls, start: PartialDate, end: PartialDate) -> Span:
        shortest = max(0, (end.earliest - start.latest).days)
        longest = max(shortest, (end.latest - start.earliest).days)
        return cls(shortest, longest)

    @property
    def exact(self) -> bool:
        return self.shortest == self.longest

    def display(self) -> str:
        if self.exact:
            return f"{self.shortest} day{'' if self.shortest == 1 else 's'}"
        return f"between {self.shortest} and {self.longest} days"

    def __str__(self) -> str:
        return self.display()


def _first(dates: Iterable[PartialDate | None]) -> PartialDate | None:
    known = [d for d in dates if d is not None]
    return min(known, key=lambda d: (d.earliest, d.latest)) if known else None


def _span(start: PartialDate | None, end: PartialDate | None) -> Span | None:
    if start is None or end is None:
        return None
    return Span.between(start, end)


@dataclass(frozen=True)
class RequestMilestones:
    """The milestones of one request; a span is None until the milestone is reached."""

    request: OptOutRequest
    first_notice: PartialDate | None
    first_acknowledgement: PartialDate | None
    first_meeting: PartialDate | None
    resolution: PartialDate | None

    @property
    def to_acknowledgement(self) -> Span | None:
        return _span(self.first_notice, self.first_acknowledgement)

    @property
    def to_meeting(self) -> Span | None:
        return _span(self.first_notice, self.first_meeting)

    @property
    def to_resolution(self) -> Span | None:
        return _span(self.first_notice, self.resolution)


def milestones_for(request: OptOutRequest) -> RequestMilestones:
    """Milestones of a request whose letters, responses and meetings are prefetched
    (see :func:`request_milestones`), or of a lone request (a few queries)."""
    letters = list(request.letters.all())
    responses = list(request.responses.all())
    meetings = [m for m in request.meetings.all() if m.status == Meeting.Status.HELD]
    replies_in_letters = [letter_date(x) for x in letters if not x.is_outgoing]
    resolution_dates = [r.responded for r in responses if r.kind in RESOLVING_KINDS]
    if request.status in RESOLVED_STATES and request.closed_on is not None:
        resolution_dates.append(PartialDate(request.closed_on))
    return RequestMilestones(
        request=request,
        first_notice=_first(x.sent for x in letters if x.is_outgoing),
        first_acknowledgement=_first([*(r.responded for r in responses), *replies_in_letters]),
        first_meeting=_first(m.held for m in meetings),
        resolution=_first(resolution_dates),
    )


def request_milestones(
    requests: QuerySet[OptOutRequest] | None = None,
) -> list[RequestMilestones]:
    """Milestones of every request in ``requests`` (default: all) in four queries:
    requests with their jurisdictions, letters, responses, meetings."""
    queryset = OptOutRequest.objects.all() if requests is None else requests
    queryset = queryset.select_related("jurisdiction").prefetch_related(
        Prefetch(
            "letters",
            queryset=Letter.objects.only(
                "pk",
                "request_id",
                "direction",
                *Letter.sent.columns,
                *Letter.received.columns,
            ),
        ),
        Prefetch(
            "responses",
            queryset=AgencyResponse.objects.only(
                "pk", "request_id", "kind", *AgencyResponse.responded.columns
            ),
        ),
        Prefetch(
            "meetings",
            queryset=Meeting.objects.only("pk", "request_id", "status", *Meeting.held.columns),
        ),
    )
    return [milestones_for(request) for request in queryset]


# --- Agencies --------------------------------------------------------------------------


def percentile(values: Sequence[int], fraction: float) -> int | None:
    """Nearest-rank percentile: the smallest value with at least ``fraction`` of the
    values at or below it (the 90th percentile of 1..10 is 9)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class AgencyReplyTimes:
    """How one agency answers the letters sent to it."""

    agency: Agency
    letters: int
    answered: int
    waiting: int  # unanswered and still within the reply window
    never_answered: int  # unanswered and past the due date
    reply_days: tuple[int, ...]  # replies whose both dates are known to the day
    imprecise_replies: int  # replies left out of the figures: a date known only to month/year

    @property
    def median_days(self) -> float | None:
        return statistics.median(self.reply_days) if self.reply_days else None

    @property
    def p90_days(self) -> int | None:
        return percentile(self.reply_days, 0.9)

    @property
    def share_never_answered(self) -> float | None:
        """Of the letters whose reply is due, the share with no reply from this agency."""
        decided = self.answered + self.never_answered
        return self.never_answered / decided if decided else None


def _reply_date(
    letter: Letter,
    agency_id: int,
    responses: dict[int, list[AgencyResponse]],
    replies: dict[int, list[Letter]],
) -> tuple[bool, PartialDate | None]:
    """(answered?, earliest reply date) for ``agency_id``'s replies to ``letter``."""
    dates: list[PartialDate | None] = [
        r.responded for r in responses.get(letter.pk, []) if r.agency_id == agency_id
    ]
    dates += [letter_date(x) for x in replies.get(letter.pk, []) if x.sender_id == agency_id]
    return bool(dates), _first(dates)


def agency_reply_times(today: dt.date | None = None) -> list[AgencyReplyTimes]:
    """Reply times of every agency that was sent a dated letter, in four queries: the
    letters, their recipients, the responses to them, the letters in reply to them."""
    today = today or timezone.localdate()
    letters = list(
        Letter.objects.filter(direction=Letter.Direction.OUTGOING, sent_on__isnull=False)
        .only("pk", "direction", *Letter.sent.columns, "due_on")
        .prefetch_related(Prefetch("recipients", queryset=Agency.objects.order_by()))
    )
    letter_ids = [letter.pk for letter in letters]
    responses: dict[int, list[AgencyResponse]] = defaultdict(list)
    for response in AgencyResponse.objects.filter(letter_id__in=letter_ids).only(
        "pk", "letter_id", "agency_id", *AgencyResponse.responded.columns
    ):
        assert response.letter_id is not None
        responses[response.letter_id].append(response)
    replies: dict[int, list[Letter]] = defaultdict(list)
    for reply in Letter.objects.filter(
        in_reply_to_id__in=letter_ids, direction=Letter.Direction.INCOMING
    ).only(
        "pk",
        "in_reply_to_id",
        "sender_id",
        "direction",
        *Letter.sent.columns,
        *Letter.received.columns,
    ):
        assert reply.in_reply_to_id is not None
        replies[reply.in_reply_to_id].append(reply)

    agencies: dict[int, Agency] = {}
    tallies: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    days: dict[int, list[int]] = defaultdict(list)
    for letter in letters:
        sent = letter.sent
        assert sent is not None
        for agency in letter.recipients.all():
            agencies[agency.pk] = agency
            tally = tallies[agency.pk]
            tally["letters"] += 1
            answered, replied = _reply_date(letter, agency.pk, responses, replies)
            if not answered:
                # Unanswered by this agency: late as a letter is, from the day after it was due.
                late = selectors.is_past(letter.due_on, today=today)
                tally["never_answered" if late else "waiting"] += 1
                continue
            tally["answered"] += 1
            if replied is None:
                continue
            both_known = DatePrecision.DAY == sent.precision == replied.precision
            if both_known:
                days[agency.pk].append(Span.between(sent, replied).shortest)
            else:
                tally["imprecise"] += 1
    return sorted(
        (
            AgencyReplyTimes(
                agency=agency,
                letters=tallies[pk]["letters"],
                answered=tallies[pk]["answered"],
                waiting=tallies[pk]["waiting"],
                never_answered=tallies[pk]["never_answered"],
                reply_days=tuple(sorted(days[pk])),
                imprecise_replies=tallies[pk]["imprecise"],
            )
            for pk, agency in agencies.items()
        ),
        key=lambda row: (row.agency.name, row.agency.pk),
    )


__all__ = [
    "AgencyReplyTimes",
    "RequestMilestones",
    "Span",
    "agency_reply_times",
    "milestones_for",
    "percentile",
    "request_milestones",
]
