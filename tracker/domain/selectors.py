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
from collections.abc import Iterable, Iterator
from typing import Any, Literal, TypeVar

from django.conf import settings
from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from core.dates import DatePrecision, PartialDate, partial_date
from jurisdictions.models import Agency
from tracker.domain.deadlines import BUSINESS, Deadline, compute_deadline
from tracker.domain.workflow import (
    TRANSITIONS,
    ChecklistItem,
    Edge,
    RequestFacts,
    available_edges,
    checklist,
)
from tracker.models import AgencyResponse, Holiday, Letter, Meeting, OptOutRequest, Transition

# --- Letters and requests with their flags ----------------------------------------------
#
# Awaiting a reply, overdue, very overdue, days waiting, and the due date with how it
# was counted: annotated in the same query as the rows, so no row costs a query.

#: The three flags of a letter, and of a request (it has a letter with the flag).
LetterFlag = Literal["awaiting_reply", "overdue", "very_overdue"]
LETTER_FLAGS: tuple[LetterFlag, ...] = ("awaiting_reply", "overdue", "very_overdue")

_OUTGOING = Letter.Direction.OUTGOING
_INCOMING = Letter.Direction.INCOMING


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _awaiting_reply() -> Q:
    """A letter sent by the jurisdiction with no reply logged to it: no response linked
    to it and no incoming letter in reply. Logging either ends the wait."""
    answered_by_response = AgencyResponse.objects.filter(letter=OuterRef("pk"))
    answered_by_letter = Letter.objects.filter(in_reply_to=OuterRef("pk"), direction=_INCOMING)
    return Q(direction=_OUTGOING) & ~Exists(answered_by_response) & ~Exists(answered_by_letter)


def _letter_rule(flag: LetterFlag, today: dt.date) -> Q:
    """The rule of one flag, as a condition on a letter row.

    Late from the day after the date (the due date itself is not late); "very overdue"
    is past ``very_overdue_on``, the end of twice the reply window.
    """
    if flag == "awaiting_reply":
        return _awaiting_reply()
    if flag == "overdue":
        return _awaiting_reply() & Q(due_on__lt=today)
    return _awaiting_reply() & Q(very_overdue_on__lt=today)


def _as_boolean(condition: Q) -> Case:
    # Case rather than the bare condition: a letter with no due date reads False, not NULL.
    return Case(When(condition, then=Value(True)), default=Value(False))


def _of_request(flag: LetterFlag, today: dt.date) -> Exists:
    return Exists(Letter.objects.filter(_letter_rule(flag, today), request=OuterRef("pk")))


def letters_with_flag(
    letters: QuerySet[Letter],
    flag: LetterFlag,
    *,
    value: bool = True,
    today: dt.date | None = None,
) -> QuerySet[Letter]:
    """The letters that have the flag (``value=False``: that do not)."""
    condition = _letter_rule(flag, _today(today))
    return letters.filter(condition) if value else letters.exclude(condition)


def requests_with_flag(
    requests: QuerySet[OptOutRequest],
    flag: LetterFlag,
    *,
    value: bool = True,
    today: dt.date | None = None,
) -> QuerySet[OptOutRequest]:
    """The requests with a letter that has the flag (``value=False``: with none)."""
    condition = _of_request(flag, _today(today))
    return requests.filter(condition) if value else requests.exclude(condition)


def with_letter_flags(
    letters: QuerySet[Letter], *, today: dt.date | None = None
) -> QuerySet[Letter]:
    """Each letter with ``flag_awaiting_reply``, ``flag_overdue`` and ``flag_very_overdue``."""
    day = _today(today)
    return letters.annotate(
        **{f"flag_{flag}": _as_boolean(_letter_rule(flag, day)) for flag in LETTER_FLAGS}
    )


def with_request_flags(
    requests: QuerySet[OptOutRequest], *, today: dt.date | None = None
) -> QuerySet[OptOutRequest]:
    """Each request with ``flag_has_awaiting_reply``, ``flag_has_overdue`` and
    ``flag_has_very_overdue`` (one of its letters has the flag), and the sending date
    of its oldest letter awaiting a reply (``flag_waiting_since`` and its precision)."""
    day = _today(today)
    oldest_waiting = Letter.objects.filter(_awaiting_reply(), request=OuterRef("pk")).order_by(
        "sent_on"
    )
    return requests.annotate(
        **{f"flag_has_{flag}": _of_request(flag, day) for flag in LETTER_FLAGS},
        flag_waiting_since=Subquery(oldest_waiting.values("sent_on")[:1]),
        flag_waiting_since_precision=Subquery(oldest_waiting.values("sent_on_precision")[:1]),
    )


def flag_of(letter: Letter, flag: LetterFlag) -> bool:
    """One flag of a letter read by ``with_letter_flags``."""
    return bool(getattr(letter, f"flag_{flag}"))


def waiting_since(request: OptOutRequest) -> PartialDate | None:
    """When the request's oldest letter awaiting a reply was sent (``with_request_flags``)."""
    annotated: Any = request
    return partial_date(
        annotated.flag_waiting_since, annotated.flag_waiting_since_precision or DatePrecision.DAY
    )


def days_waiting(sent: PartialDate | None, *, today: dt.date | None = None) -> int | None:
    """Days since the latest day a letter may have been sent (a letter sent "September
    2010" has waited from the 30th)."""
    return None if sent is None else (_today(today) - sent.latest).days


def days_overdue(letter: Letter, *, today: dt.date | None = None) -> int | None:
    """Days since the reply was due (0 on the due date and before)."""
    if letter.due_on is None:
        return None
    return max(0, (_today(today) - letter.due_on).days)


def is_past(day: dt.date | None, *, today: dt.date | None = None) -> bool:
    """Whether ``day`` has passed: late from the day after it, as the flags count a due
    date. For a date already read into Python; the flags themselves are decided in SQL."""
    return day is not None and day < _today(today)


def holiday_dates() -> frozenset[dt.date]:
    """Every day on the holiday list (one query; the list is a few dozen days a year)."""
    return frozenset(Holiday.objects.values_list("date", flat=True))


def letter_deadline(
    letter: Letter, *, holidays: Iterable[dt.date] | None = None
) -> Deadline | None:
    """When a reply to an outgoing letter is due: the longest window of its recipients,
    with the explanation of how it was counted. Business days skip weekends and the
    holiday list (read from the database unless ``holidays`` is given)."""
    sent = letter.sent
    if not letter.is_outgoing or sent is None or letter.pk is None:
        return None
    windows = [agency.effective_reply_window for agency in letter.recipients.all()]
    if not windows:
        windows = [
            (
                settings.TRACKER_DEFAULT_REPLY_WINDOW_DAYS,
                settings.TRACKER_DEFAULT_REPLY_WINDOW_KIND,
            )
        ]
    if holidays is None:
        holidays = holiday_dates() if any(kind == BUSINESS for _d, kind in windows) else ()
    closed = frozenset(holidays)
    deadlines = [compute_deadline(sent, days, kind, closed) for days, kind in windows]
    return max(deadlines, key=lambda d: (d.due_on, d.very_overdue_on))


_L = TypeVar("_L", bound=Letter)


def with_deadlines(letters: Iterable[_L]) -> Iterator[_L]:
    """Each letter with ``deadline``: its due date explained (None when no reply is due:
    incoming or undated letters).

    The holiday list is read once, when the first letter needs it; prefetch the
    letters' recipients so that no letter costs a query. Lazy, so an export streams.
    """
    holidays: frozenset[dt.date] | None = None
    for letter in letters:
        deadline = None
        if letter.is_outgoing:  # only a letter the jurisdiction sent awaits a reply
            if holidays is None:
                holidays = holiday_dates()
            deadline = letter_deadline(letter, holidays=holidays)
        letter.deadline = deadline  # type: ignore[attr-defined]
        yield letter


def deadline_of(letter: Letter) -> Deadline | None:
    """The letter's ``deadline`` from ``with_deadlines``, worked out now if not yet."""
    if not hasattr(letter, "deadline"):
        next(with_deadlines([letter]))
    deadline: Deadline | None = letter.deadline  # type: ignore[attr-defined]
    return deadline


# --- The workflow facts of a request --------------------------------------------------
#
# What the workflow's guards ask of a request (a letter sent, ICE and the SIB notified,
# a reply, a meeting held...), annotated in the same query; the moves allowed now, those
# refused with what to do first, and the checklist. The services ask the same for their
# guards.


def _fact_subqueries() -> dict[str, Any]:
    request_ref = OuterRef("pk")
    outgoing = Letter.objects.filter(request=request_ref, direction=_OUTGOING)
    # Nested inside the letters subquery, so it refers to the letter's request.
    last_entered = (
        Transition.objects.filter(request=OuterRef("request_id"))
        .order_by("-at", "-pk")
        .values("at")[:1]
    )
    return {
        "fact_has_sent_letter": Exists(outgoing),
        "fact_notified_program_office": Exists(
            outgoing.filter(recipients__kind=Agency.Kind.PROGRAM_OFFICE)
        ),
        "fact_notified_sib": Exists(outgoing.filter(recipients__kind=Agency.Kind.SIB)),
        "fact_has_response": Exists(AgencyResponse.objects.filter(request=request_ref))
        | Exists(Letter.objects.filter(request=request_ref, direction=_INCOMING)),
        "fact_has_held_meeting": Exists(
            Meeting.objects.filter(request=request_ref, status=Meeting.Status.HELD)
        ),
        "fact_has_letter_since_state_entered": Exists(
            outgoing.filter(created_at__gt=Subquery(last_entered))
        ),
    }


def with_facts(queryset: QuerySet[OptOutRequest]) -> QuerySet[OptOutRequest]:
    """Annotate requests with what the workflow guards need, in the same query."""
    return queryset.annotate(**_fact_subqueries())


def request_facts(request: OptOutRequest) -> RequestFacts:
    """The facts of one request: from its annotations when present, else one query."""
    if not hasattr(request, "fact_has_sent_letter"):
        request = with_facts(OptOutRequest.objects.filter(pk=request.pk)).get()
    annotated: Any = request
    return RequestFacts(
        has_sent_letter=annotated.fact_has_sent_letter,
        notified_program_office=annotated.fact_notified_program_office,
        notified_sib=annotated.fact_notified_sib,
        has_response=annotated.fact_has_response,
        has_held_meeting=annotated.fact_has_held_meeting,
        has_letter_since_state_entered=annotated.fact_has_letter_since_state_entered,
    )


def request_next_steps(request: OptOutRequest) -> list[Edge]:
    """The transitions a person may apply to the request now."""
    return available_edges(request.state, request_facts(request))


def request_blocked_steps(request: OptOutRequest) -> list[tuple[Edge, str]]:
    """The moves out of the request's state that the workflow refuses now, each with
    the reason (what to do first)."""
    facts = request_facts(request)
    return [
        (edge, reason)
        for edge in TRANSITIONS
        if edge.source == request.state and (reason := edge.blocked_by(facts)) is not None
    ]


def request_checklist(request: OptOutRequest) -> list[ChecklistItem]:
    return checklist(request_facts(request))


# --- Timelines ------------------------------------------------------------------------
#
# Everything that happened in a request or a jurisdiction, for an audience (staff or
# the public), dated and sorted one way on every surface.
#
#
#
#
#
#
#


# --- What the public may see, and search ---------------------------------------------
#
# Published records (marked public, and for anything of a request, its request public
# too) and the search over them; the staff search over everything.
#
#
#
#
#
#
#
