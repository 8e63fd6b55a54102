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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from core.dates import DatePrecision, PartialDate, partial_date
from jurisdictions.models import Agency
from tracker.domain.selectors import letter_date
from tracker.domain.workflow import State
from tracker.models import AgencyResponse, Letter, Meeting, OptOutRequest, Transition

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
            return ngettext("%(days)s day", "%(days)s days", self.shortest) % {
                "days": self.shortest
            }
        return gettext("between %(shortest)s and %(longest)s days") % {
            "shortest": self.shortest,
            "longest": self.longest,
        }

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
    if request.status in RESOLVED_STATES and (closed := closing_date(request)) is not None:
        resolution_dates.append(closed)
    return RequestMilestones(
        request=request,
        first_notice=_first(x.sent for x in letters if x.is_outgoing),
        first_acknowledgement=_first([*(r.responded for r in responses), *replies_in_letters]),
        first_meeting=_first(m.held for m in meetings),
        resolution=_first(resolution_dates),
    )


def _closing_move() -> QuerySet[Transition]:
    # The latest move into the request's present state: the move that closed it.
    return Transition.objects.filter(request=OuterRef("pk"), to_state=OuterRef("status")).order_by(
        "-at", "-pk"
    )


def with_closing_date(queryset: QuerySet[OptOutRequest]) -> QuerySet[OptOutRequest]:
    """Requests with the effective date of the move into their present state
    (``closing_date``), in the same query."""
    move = _closing_move()
    return queryset.annotate(
        closing_happened_on=Subquery(move.values("happened_on")[:1]),
        closing_happened_precision=Subquery(move.values("happened_on_precision")[:1]),
    )


def closing_date(request: OptOutRequest) -> PartialDate | None:
    """When a closed request was closed: the effective date of its closing move (a move
    entered today for December 2010 closes it in December 2010, with the precision it
    is known to), else its closing day as stored (a request whose status was loaded
    without a status log). Annotated by ``with_closing_date``, else one query."""
    if request.closed_on is None:
        return None
    if hasattr(request, "closing_happened_on"):
        annotated: Any = request
        happened = (annotated.closing_happened_on, annotated.closing_happened_precision)
    else:
        happened = request.transitions.filter(to_state=request.status).order_by(
            "-at", "-pk"
        ).values_list(*Transition.happened.columns).first() or (None, "")
    if happened[0] is None:
        return PartialDate(request.closed_on)
    return partial_date(happened[0], happened[1] or DatePrecision.DAY)


def request_milestones(
    requests: QuerySet[OptOutRequest] | None = None,
) -> list[RequestMilestones]:
    """Milestones of every request in ``requests`` (default: all) in four queries:
    requests with their jurisdictions, letters, responses, meetings."""
    queryset = OptOutRequest.objects.all() if requests is None else requests
    queryset = (
        with_closing_date(queryset)
        .select_related("jurisdiction")
        .prefetch_related(
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
    )
    return [milestones_for(request) for request in queryset]


# --- Agencies --------------------------------------------------------------------------


def percentile(values: Sequence[int], fraction: float) -> int | None:
    """Nearest-rank percentile: the smallest value with at least ``fraction`` of the
    values at or below it (the 90th percentile of 1..10 is 9). PostgreSQL's
    ``percentile_disc`` is the same rule."""
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
    replies_counted: int  # replies whose both dates are known to the day: the figures
    imprecise_replies: int  # replies left out of the figures: a date known only to month/year
    median_days: float | None
    p90_days: int | None

    @property
    def share_never_answered(self) -> float | None:
        """Of the letters whose reply is due, the share with no reply from this agency."""
        decided = self.answered + self.never_answered
        return self.never_answered / decided if decided else None


# One row per agency sent a dated letter, worked out in the database over every
# (letter, recipient) pair: whether that agency replied (a response to the letter, or
# an incoming letter in reply that it sent), and its first reply's date. The first
# reply is the earliest by (first possible day, last possible day), so at the same
# first day a reply known to the day comes before one known to the month or year:
# the first reply is known to the day exactly when the earliest reply known to the
# day is on the earliest first day. A reply is counted in the figures when it and the
# letter are both known to the day; its days are never negative.
_REPLY_TIMES_SQL = """
WITH pairs AS (
    SELECT letter.id AS letter_id, recipient.agency_id, letter.sent_on,
           letter.sent_on_precision, letter.due_on
    FROM {letter} letter JOIN {recipients} recipient ON recipient.letter_id = letter.id
    WHERE letter.direction = %(outgoing)s AND letter.sent_on IS NOT NULL
), replies AS (
    SELECT letter_id, agency_id, responded_on AS replied_on,
           responded_on_precision AS precision
    FROM {response} WHERE letter_id IS NOT NULL
    UNION ALL
    SELECT in_reply_to_id, sender_id, COALESCE(sent_on, received_on),
           CASE WHEN sent_on IS NOT NULL THEN sent_on_precision
                ELSE received_on_precision END
    FROM {letter} WHERE direction = %(incoming)s AND in_reply_to_id IS NOT NULL
), first_replies AS (
    SELECT letter_id, agency_id, MIN(replied_on) AS first_on,
           MIN(CASE WHEN precision = %(day)s THEN replied_on END) AS first_day_on
    FROM replies GROUP BY letter_id, agency_id
), measured AS (
    SELECT pair.agency_id, pair.due_on, reply.letter_id IS NOT NULL AS answered,
           reply.first_on,
           CASE WHEN pair.sent_on_precision = %(day)s AND reply.first_day_on = reply.first_on
                THEN {days} END AS days
    FROM pairs pair LEFT JOIN first_replies reply
      ON reply.letter_id = pair.letter_id AND reply.agency_id = pair.agency_id
)
SELECT agency_id,
       COUNT(*),
       SUM(CASE WHEN answered THEN 1 ELSE 0 END),
       SUM(CASE WHEN NOT answered AND due_on < %(today)s THEN 1 ELSE 0 END),
       COUNT(days),
       SUM(CASE WHEN first_on IS NOT NULL AND days IS NULL THEN 1 ELSE 0 END),
       {figures}
FROM measured GROUP BY agency_id
"""

#: The median and the 90th percentile, by the database where it can (PostgreSQL's
#: ordered-set aggregates), else every counted reply's days, for Python to work out.
_FIGURES = {
    "postgresql": (
        "PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY days), "
        "PERCENTILE_DISC(0.9) WITHIN GROUP (ORDER BY days)"
    ),
    "sqlite": "GROUP_CONCAT(days), NULL",
}
_DAYS = {
    "postgresql": "GREATEST(0, reply.first_on - pair.sent_on)",
    "sqlite": "MAX(0, CAST(julianday(reply.first_on) - julianday(pair.sent_on) AS INTEGER))",
}


def _figures(median: Any, p90: Any, replies_counted: int) -> tuple[float | None, int | None]:
    """The median and 90th percentile from the database's row: computed there
    (PostgreSQL), or from the days it listed (SQLite)."""
    if connection.vendor == "postgresql":
        return (None if median is None else float(median), p90)
    if not replies_counted:
        return None, None
    days = [int(text) for text in str(median).split(",")]
    return float(statistics.median(days)), percentile(days, 0.9)


def agency_reply_times(today: dt.date | None = None) -> list[AgencyReplyTimes]:
    """Reply times of every agency that was sent a dated letter, by name, in two queries:
    the figures per agency (counted in the database), and the agencies."""
    today = today or timezone.localdate()
    vendor = connection.vendor if connection.vendor in _FIGURES else "sqlite"
    sql = _REPLY_TIMES_SQL.format(
        letter=connection.ops.quote_name(Letter._meta.db_table),
        recipients=connection.ops.quote_name(Letter.recipients.through._meta.db_table),
        response=connection.ops.quote_name(AgencyResponse._meta.db_table),
        days=_DAYS[vendor],
        figures=_FIGURES[vendor],
    )
    params: dict[str, str | dt.date] = {
        "outgoing": Letter.Direction.OUTGOING.value,
        "incoming": Letter.Direction.INCOMING.value,
        "day": DatePrecision.DAY.value,
        "today": today,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    agencies = Agency.objects.order_by().in_bulk([row[0] for row in rows])
    times = []
    for agency_id, letters, answered, never, counted, imprecise, median, p90 in rows:
        median_days, p90_days = _figures(median, p90, counted)
        times.append(
            AgencyReplyTimes(
                agency=agencies[agency_id],
                letters=letters,
                answered=answered,
                waiting=letters - answered - never,
                never_answered=never,
                replies_counted=counted,
                imprecise_replies=imprecise,
                median_days=median_days,
                p90_days=p90_days,
            )
        )
    return sorted(times, key=lambda row: (row.agency.name, row.agency.pk))


__all__ = [
    "AgencyReplyTimes",
    "RequestMilestones",
    "Span",
    "agency_reply_times",
    "milestones_for",
    "percentile",
    "request_milestones",
]
