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
import json
import operator
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import reduce
from typing import Any, Literal, TypeVar

from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    Expression,
    F,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    StringAgg,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, JSONArray
from django.utils import timezone

from core.dates import DatePrecision, PartialDate, partial_date
from jurisdictions.models import Agency, Contact, Jurisdiction
from tracker.domain.deadlines import BUSINESS, Deadline, compute_deadline
from tracker.domain.statements import Contradiction, Contradictions, contradictions
from tracker.domain.workflow import (
    CLOSED_STATES,
    TRANSITIONS,
    ChecklistItem,
    Edge,
    RequestFacts,
    State,
    available_edges,
    checklist,
    next_step,
)
from tracker.models import (
    WORKFLOW_FACTS,
    AgencyResponse,
    CorrespondenceThread,
    Event,
    Holiday,
    Letter,
    Meeting,
    OptOutRequest,
    Statement,
    ThreadLetter,
    Transition,
)

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


def awaiting_reply_from_rows(
    *, letter_model: type[Letter] = Letter, response_model: type[AgencyResponse] = AgencyResponse
) -> Q:
    """The rule of "awaiting a reply", worked out from the rows, the slow way: a letter
    sent by the jurisdiction with no reply logged to it (no response linked to it and
    no incoming letter in reply). Logging either ends the wait.

    Two anti-joins per letter: only the services (which store the answer in
    ``Letter.awaiting_reply`` on every write that changes it), the migration that
    filled that column (with its own models) and the tests that check it use this.
    Every read asks the stored column (``_awaiting_reply``).
    """
    answered_by_response = response_model.objects.filter(letter=OuterRef("pk"))
    answered_by_letter = letter_model.objects.filter(
        in_reply_to=OuterRef("pk"), direction=_INCOMING
    )
    return Q(direction=_OUTGOING) & ~Exists(answered_by_response) & ~Exists(answered_by_letter)


def _awaiting_reply() -> Q:
    """A letter awaiting a reply (the state the services store, see
    ``awaiting_reply_from_rows``): an indexed comparison."""
    return Q(awaiting_reply=True)


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


def _of_request(flag: LetterFlag, today: dt.date) -> Q:
    """The rule of one flag of a request, on its stored columns (see
    ``request_facts_from_rows``): an indexed comparison."""
    if flag == "awaiting_reply":
        return Q(has_awaiting_reply=True)
    if flag == "overdue":
        return Q(next_due_on__lt=today)
    return Q(next_very_overdue_on__lt=today)


def request_flags_from_rows(flag: LetterFlag, today: dt.date) -> Exists:
    """The rule of a request's flag worked out from its letters, the slow way: one of
    its letters has the flag. Only the tests that check the stored columns use it."""
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
    of its oldest letter awaiting a reply (``flag_waiting_since`` and its precision).

    Read from the request's stored columns: no join, whatever the number of letters."""
    day = _today(today)
    return requests.annotate(
        **{f"flag_has_{flag}": _as_boolean(_of_request(flag, day)) for flag in LETTER_FLAGS},
        flag_waiting_since=F("waiting_since_on"),
        flag_waiting_since_precision=F("waiting_since_precision"),
        flag_waiting_since_until=F("waiting_since_until"),
    )


def flag_of(letter: Letter, flag: LetterFlag) -> bool:
    """One flag of a letter read by ``with_letter_flags``."""
    return bool(getattr(letter, f"flag_{flag}"))


def waiting_since(request: OptOutRequest) -> PartialDate | None:
    """When the request's oldest letter awaiting a reply was sent (``with_request_flags``)."""
    annotated: Any = request
    return partial_date(
        annotated.flag_waiting_since,
        annotated.flag_waiting_since_precision or DatePrecision.DAY,
        annotated.flag_waiting_since_until,
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
    # A letter to no known agency waits as long as a letter to an agency with no
    # window of its own: the site's default.
    windows = [agency.effective_reply_window for agency in letter.recipients.all()] or [
        Agency.default_reply_window()
    ]
    if holidays is None:
        holidays = holiday_dates() if any(kind == BUSINESS for _d, kind in windows) else ()
    return deadline_of_windows(sent, windows, frozenset(holidays))


def deadline_of_windows(
    sent: PartialDate, windows: Iterable[tuple[int, str]], holidays: frozenset[dt.date]
) -> Deadline:
    """The due date of a letter sent on ``sent`` to recipients with these reply windows
    (in the recipients' order): the latest of their deadlines; the site's default window
    when there is none."""
    deadlines = [
        compute_deadline(sent, days, kind, holidays)
        for days, kind in (list(windows) or [Agency.default_reply_window()])
    ]
    return max(deadlines, key=lambda d: (d.due_on, d.very_overdue_on))


# Reading many letters' recipients and due dates without model instances (the CSV
# export): the recipients as one column, the deadlines worked out once per distinct
# sending date and window.


@dataclass(frozen=True)
class RecipientRow:
    """One recipient of a letter, as :func:`with_recipient_rows` reads it."""

    pk: int
    name: str
    abbreviation: str
    reply_window_days: int | None
    reply_window_kind: str

    def __str__(self) -> str:
        # Agency.__str__, for a row read without a model instance.
        return f"{self.name} ({self.abbreviation})" if self.abbreviation else self.name

    @property
    def effective_reply_window(self) -> tuple[int, str]:
        """Agency.effective_reply_window: each part the site's default where none is set."""
        default_days, default_kind = Agency.default_reply_window()
        return (
            self.reply_window_days or default_days,
            self.reply_window_kind or default_kind,
        )


#: The annotation :func:`with_recipient_rows` adds.
RECIPIENT_ROWS = "recipient_rows"


def with_recipient_rows(letters: QuerySet[Letter]) -> QuerySet[Letter]:
    """Each letter with its recipients (name, abbreviation, id, reply window) as one text
    column, read back with :func:`recipient_rows_of`: one correlated subquery, so a list
    of any length reads its recipients in the same query as its rows."""
    through = Letter.recipients.through
    per_recipient = JSONArray(
        "agency_id",
        "agency__name",
        "agency__abbreviation",
        "agency__reply_window_days",
        "agency__reply_window_kind",
    )
    rows = (
        through.objects.filter(letter_id=OuterRef("pk"))
        .order_by()
        .values("letter_id")
        .annotate(rows=StringAgg(Cast(per_recipient, TextField()), Value(",")))
        .values("rows")  # type: ignore[misc]  # the annotation just above
    )
    return letters.annotate(**{RECIPIENT_ROWS: Subquery(rows, output_field=TextField())})


def recipient_rows_of(text: str | None) -> tuple[RecipientRow, ...]:
    """The recipients read by :func:`with_recipient_rows`, in the agencies' order (by
    name, as ``letter.recipients.all()`` lists them)."""
    if not text:
        return ()
    rows = [
        RecipientRow(pk, name, abbreviation or "", days, kind or "")
        for pk, name, abbreviation, days, kind in json.loads(f"[{text}]")
    ]
    return tuple(sorted(rows, key=lambda row: (row.name, row.pk)))


class DeadlineBook:
    """Deadlines of many letters for one read: the holiday list read once (when the
    first letter needs it), each deadline worked out once per sending date and window
    (a national list has thousands of letters sent the same day to the same agencies)."""

    def __init__(self) -> None:
        self._holidays: frozenset[dt.date] | None = None
        self._known: dict[
            tuple[dt.date, str, dt.date | None, tuple[tuple[int, str], ...]], Deadline
        ] = {}

    def deadline(
        self,
        *,
        is_outgoing: bool,
        sent_on: dt.date | None,
        sent_precision: str,
        windows: tuple[tuple[int, str], ...],
        sent_until: dt.date | None = None,
    ) -> Deadline | None:
        """As :func:`letter_deadline`, from a letter's columns (``sent_on``, its
        precision and, for a range of days, its last day) and its recipients' windows:
        None for an incoming or undated letter."""
        if not is_outgoing or sent_on is None:
            return None
        key = (sent_on, sent_precision, sent_until, windows)
        found = self._known.get(key)
        if found is None:
            if self._holidays is None:
                self._holidays = holiday_dates()
            sent = partial_date(sent_on, sent_precision, sent_until)
            assert sent is not None
            found = self._known[key] = deadline_of_windows(sent, windows, self._holidays)
        return found


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
# a reply, a meeting held...), stored on the request by the services and read as its
# columns; the moves allowed now, those refused with what to do first, and the
# checklist. The services ask the same for their guards.

#: The stored columns that answer the workflow's guards (``RequestFacts``).
FACTS = WORKFLOW_FACTS


def request_facts_from_rows(
    *,
    letter_model: type[Letter] = Letter,
    response_model: type[AgencyResponse] = AgencyResponse,
    meeting_model: type[Meeting] = Meeting,
    transition_model: type[Transition] = Transition,
) -> dict[str, Any]:
    """The rules of a request's stored facts and flags (``models.STORED_FACTS``),
    worked out from its rows, the slow way: one correlated subquery per column.

    - has sent a letter: one of its letters was sent by the jurisdiction;
    - notified the program office / the SIB: one of those went to an agency of
      that kind;
    - has a reply: an agency's response, or a letter received, is logged on it;
    - has held a meeting: one of its meetings was held;
    - has a letter since its status last changed: a letter it sent was logged after
      its latest status move;
    - has a letter awaiting a reply (``Letter.awaiting_reply``), the earliest due and
      very-overdue dates of those letters, and when the oldest of them was sent (the
      earliest known sending date, and its precision).

    Only the services (which store the answers on every write that changes them,
    ``services.requests_recompute_facts``), the migration that filled the columns
    (with its own models) and the tests that check them use this. Every read asks the
    stored columns.
    """
    request_ref = OuterRef("pk")
    outgoing = letter_model.objects.filter(request=request_ref, direction=_OUTGOING)
    # Nested inside the letters subquery, so it refers to the letter's request.
    last_entered = (
        transition_model.objects.filter(request=OuterRef("request_id"))
        .order_by("-at", "-pk")
        .values("at")[:1]
    )
    waiting = letter_model.objects.filter(request=request_ref, awaiting_reply=True)
    oldest_waiting = waiting.filter(sent_on__isnull=False).order_by("sent_on", "pk")
    rules: dict[str, Any] = {
        "has_sent_letter": Exists(outgoing),
        "notified_program_office": Exists(
            outgoing.filter(recipients__kind=Agency.Kind.PROGRAM_OFFICE)
        ),
        "notified_sib": Exists(outgoing.filter(recipients__kind=Agency.Kind.SIB)),
        "has_response": _as_boolean(
            Q(Exists(response_model.objects.filter(request=request_ref)))
            | Q(Exists(letter_model.objects.filter(request=request_ref, direction=_INCOMING)))
        ),
        "has_held_meeting": Exists(
            meeting_model.objects.filter(request=request_ref, status=Meeting.Status.HELD)
        ),
        "has_letter_since_state_entered": Exists(
            outgoing.filter(created_at__gt=Subquery(last_entered))
        ),
        "has_awaiting_reply": Exists(waiting),
        "next_due_on": Subquery(
            waiting.filter(due_on__isnull=False).order_by("due_on").values("due_on")[:1]
        ),
        "next_very_overdue_on": Subquery(
            waiting.filter(very_overdue_on__isnull=False)
            .order_by("very_overdue_on")
            .values("very_overdue_on")[:1]
        ),
        "waiting_since_on": Subquery(oldest_waiting.values("sent_on")[:1]),
        "waiting_since_precision": Coalesce(
            Subquery(oldest_waiting.values("sent_on_precision")[:1]), Value("")
        ),
    }
    # The migration that first filled the facts runs with letters that have no last
    # day yet (the migration adding it fills it in).
    if any(field.name == "sent_on_until" for field in letter_model._meta.fields):
        rules["waiting_since_until"] = Subquery(oldest_waiting.values("sent_on_until")[:1])
    return rules


def with_facts(queryset: QuerySet[OptOutRequest]) -> QuerySet[OptOutRequest]:
    """Requests with what the workflow guards need (``fact_*``), in the same query: the
    request's stored columns, so nothing is joined."""
    return queryset.annotate(**{f"fact_{name}": F(name) for name in FACTS})


def request_facts(request: OptOutRequest) -> RequestFacts:
    """The facts of one request: as loaded by ``with_facts`` when it was, else as stored
    now (one query)."""
    if hasattr(request, "fact_has_sent_letter"):
        annotated: Any = request
        values = {name: getattr(annotated, f"fact_{name}") for name in FACTS}
    else:
        values = OptOutRequest.objects.filter(pk=request.pk).values(*FACTS).get()
    return RequestFacts(**{name: bool(values[name]) for name in FACTS})


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


# --- What a case waits for, and its next step --------------------------------------------
#
# One line at the top of each case and one row of the dashboard: what the request waits
# for, since when, when the reply is due and how overdue it is, and the next step of the
# documented process (``workflow.next_step``). Read from the request's stored columns and
# one annotation, so a list of cases costs one query.


def with_case_summary(queryset: QuerySet[OptOutRequest]) -> QuerySet[OptOutRequest]:
    """Requests with what ``case_summary`` reads: the workflow facts and when the request
    entered its state (its latest move's effective date), in the same query."""
    latest_move = Transition.objects.filter(request=OuterRef("pk")).order_by("-at", "-pk")
    return with_facts(queryset).annotate(
        state_entered_on=Subquery(latest_move.values("happened_on")[:1]),
        state_entered_precision=Subquery(latest_move.values("happened_on_precision")[:1]),
    )


@dataclass(frozen=True)
class CaseSummary:
    """What a case waits for and what comes next (see ``case_summary``)."""

    state: State
    waits_for: str
    #: Since when: the sending date of its oldest letter awaiting a reply, else the day
    #: the request entered its state.
    since: PartialDate | None
    due_on: dt.date | None
    #: Days past the due date (0 when not overdue).
    days_overdue: int
    overdue: bool
    very_overdue: bool
    #: The next step of the documented process, and the move it ends in (when allowed now).
    action: str
    move: State | None


def case_summary(request: OptOutRequest, *, today: dt.date | None = None) -> CaseSummary:
    """The one rule of a case's summary: the case page's line, the dashboard's rows and
    the API's ``next_step`` all read it. Overdue and very overdue are the request flags'
    rules (late from the day after the date) read on its stored dates."""
    day = _today(today)
    closed = request.is_closed
    due = None if closed else request.next_due_on
    overdue = is_past(due, today=day)
    very_overdue = overdue and is_past(request.next_very_overdue_on, today=day)
    awaiting = bool(request.has_awaiting_reply) and not closed
    step = next_step(
        request.state, request_facts(request), awaiting_reply=awaiting, overdue=overdue
    )
    since: PartialDate | None
    if awaiting and request.waiting_since_on is not None:
        since = partial_date(
            request.waiting_since_on,
            request.waiting_since_precision or DatePrecision.DAY,
            request.waiting_since_until,
        )
    else:
        # The day the request entered its state: its latest move's effective date.
        if hasattr(request, "state_entered_on"):
            annotated: Any = request
            entered = (annotated.state_entered_on, annotated.state_entered_precision)
        else:
            entered = request.transitions.order_by("-at", "-pk").values_list(
                *Transition.happened.columns
            ).first() or (None, DatePrecision.DAY)
        since = partial_date(entered[0], entered[1] or DatePrecision.DAY)
    return CaseSummary(
        state=request.state,
        waits_for=step.waits_for,
        since=since,
        due_on=due,
        days_overdue=(day - due).days if overdue and due is not None else 0,
        overdue=overdue,
        very_overdue=very_overdue,
        action=step.action,
        move=step.move,
    )


def open_requests_by_next_step(
    queryset: QuerySet[OptOutRequest], *, owner: Any = None, limit: int
) -> QuerySet[OptOutRequest]:
    """The first ``limit`` open requests with their summary annotations, ``owner``'s
    first, then the earliest reply due (none last), then down the workflow, oldest
    first. One query: the order is worked out on the requests' own columns alone (their
    stored facts), and only the rows kept are joined and read further."""
    down_the_workflow = Case(
        *(When(status=state.value, then=Value(index)) for index, state in enumerate(State)),
        default=Value(len(State)),
    )
    owner_pk = getattr(owner, "pk", None)
    theirs = (
        Case(When(owner_id=owner_pk, then=Value(0)), default=Value(1)) if owner_pk else Value(1)
    )
    ordered = (
        with_case_summary(queryset.exclude(status__in=[state.value for state in CLOSED_STATES]))
        .annotate(summary_theirs=theirs, summary_step_order=down_the_workflow)
        .order_by(
            "summary_theirs", F("next_due_on").asc(nulls_last=True), "summary_step_order", "pk"
        )
    )
    return ordered.filter(pk__in=ordered.values("pk")[:limit])


# --- Timelines ------------------------------------------------------------------------
#
# Everything that happened in a request or a jurisdiction, for an audience (staff or
# the public), dated and sorted one way on every surface.


class Audience(StrEnum):
    """Who reads a timeline: staff read everything, the public only what is published."""

    STAFF = "staff"
    PUBLIC = "public"


#: Items of one day come in this order: what happened around the case (a vote, a
#: lawsuit, press coverage), a request's opening, its letters, the replies to them, the
#: meetings they led to, and last the status moves they brought about.
TIMELINE_KINDS: tuple[str, ...] = (
    "event",
    "request",
    "letter",
    "response",
    "meeting",
    "transition",
)

TimelineItem = OptOutRequest | Letter | AgencyResponse | Meeting | Transition | Event


def letter_date(letter: Letter) -> PartialDate | None:
    """A letter is dated by when it was sent, else by when it was received: an incoming
    letter is often known only by the day it arrived."""
    return letter.sent or letter.received


def transition_date(transition: Transition) -> PartialDate:
    """A status move is dated by when it happened (its effective date, a partial date),
    not by when it was entered: a move entered today for December 2010 is dated December
    2010 on every surface. A move loaded without its date falls back to the local day it
    was entered (TIME_ZONE)."""
    return transition.happened or PartialDate(timezone.localdate(transition.at))


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened in a case, with the date it is shown and sorted by."""

    kind: str
    item: TimelineItem
    date: PartialDate | None
    #: None for an event shown on a jurisdiction's timeline: it may bear on several
    #: requests, or on none.
    request: OptOutRequest | None

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
    events: QuerySet[Event] | None = None,
    with_events: bool = True,
) -> QuerySet[OptOutRequest]:
    """``requests`` with the items of their timelines prefetched for ``audience``.

    The public gets only published requests and, of those, only published items.
    A surface passes the querysets of the items with what it shows of them (joins,
    prefetches, annotations); they are narrowed to the audience, never widened.
    One query per kind of item, whatever the number of requests. ``with_events``:
    also the events that bear on each request (``events``, default with their sources).
    """
    shown: dict[str, QuerySet[Any]] = {
        "letters": Letter.objects.all() if letters is None else letters,
        "responses": AgencyResponse.objects.all() if responses is None else responses,
        "meetings": Meeting.objects.all() if meetings is None else meetings,
        "transitions": Transition.objects.all() if transitions is None else transitions,
    }
    if with_events:
        shown["events"] = event_rows() if events is None else events
    if audience is Audience.PUBLIC:
        requests = published(requests)
        shown = {name: published(queryset) for name, queryset in shown.items()}
    return requests.prefetch_related(
        *(Prefetch(name, queryset=queryset) for name, queryset in shown.items())
    )


def timeline_entries(
    requests: Iterable[OptOutRequest],
    *,
    audience: Audience,
    openings: bool = False,
    events: Iterable[Event] | None = None,
) -> list[TimelineEntry]:
    """The timeline of ``requests`` loaded by :func:`with_timeline`, in the one order.

    ``openings`` shows each request's opening, dated when the request was opened,
    instead of the first row of its status log, which records only the day the
    request was entered in the tracker. ``events``: the events to show, each once and
    under no request (a jurisdiction's); without it, the events loaded with each
    request, each once, under the first request it bears on.
    """
    entries: list[TimelineEntry] = []
    seen_events: set[int] = set()
    for event in events or ():
        seen_events.add(event.pk)
        entries.append(TimelineEntry("event", event, event.happened, None))
    for request in requests:
        if events is None and "events" in getattr(request, "_prefetched_objects_cache", {}):
            for event in request.events.all():
                if event.pk not in seen_events:
                    seen_events.add(event.pk)
                    entries.append(TimelineEntry("event", event, event.happened, request))
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
    events: QuerySet[Event] | None = None,
) -> list[TimelineEntry]:
    """One request's timeline for ``audience``: six queries (the request, then one
    per kind of item; the events' sources when there are events); empty for the public
    when the request is not published."""
    loaded = with_timeline(
        OptOutRequest.objects.filter(pk=request.pk),
        audience=audience,
        letters=letters,
        responses=responses,
        meetings=meetings,
        transitions=transitions,
        events=events,
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
    events: QuerySet[Event] | None = None,
) -> Timeline:
    """The requests of a jurisdiction the audience may see, and one timeline of them all,
    with the events that concern it (:func:`jurisdiction_events`)."""
    base = OptOutRequest.objects.all() if requests is None else requests
    loaded = list(
        with_timeline(
            base.filter(jurisdiction=jurisdiction),
            audience=audience,
            letters=letters,
            responses=responses,
            meetings=meetings,
            transitions=transitions,
            with_events=False,
        )
    )
    shown_events = list(jurisdiction_events(jurisdiction, audience=audience, events=events))
    return Timeline(
        requests=loaded,
        entries=timeline_entries(loaded, audience=audience, openings=openings, events=shown_events),
    )


# --- Events around the cases ------------------------------------------------------------


def event_rows(events: QuerySet[Event] | None = None) -> QuerySet[Event]:
    """Events with what every surface shows of them: their sources (cited), their
    jurisdictions, agencies and requests (one query each, whatever the number of events)."""
    base = Event.objects.all() if events is None else events
    return base.prefetch_related("sources", "jurisdictions", "agencies", "requests")


def events_concerning(jurisdiction: Jurisdiction | int) -> Q:
    """Events that name the jurisdiction, or bear on one of its requests."""
    pk = jurisdiction if isinstance(jurisdiction, int) else jurisdiction.pk
    named = Event.jurisdictions.through.objects.filter(event=OuterRef("pk"), jurisdiction=pk)
    through_request = Event.requests.through.objects.filter(
        event=OuterRef("pk"), optoutrequest__jurisdiction=pk
    )
    return Q(Exists(named)) | Q(Exists(through_request))


def jurisdiction_events(
    jurisdiction: Jurisdiction, *, audience: Audience, events: QuerySet[Event] | None = None
) -> QuerySet[Event]:
    """The events of a jurisdiction's timeline that ``audience`` may see, each once."""
    shown = event_rows(events).filter(events_concerning(jurisdiction))
    return published(shown) if audience is Audience.PUBLIC else shown


def published_events() -> QuerySet[Event]:
    """Public events, in date order (undated last), with what the public sees of them."""
    return event_rows(published(Event.objects.all()))


#: The most jurisdictions, agencies or requests an event form lists as check boxes (the
#: ones already chosen are always shown besides).
EVENT_PICKER_LIMIT = 200


@dataclass(frozen=True)
class EventChoices:
    """What an event form offers: the places, agencies and cases the record is about."""

    jurisdictions: list[Jurisdiction]
    agencies: list[Agency]
    requests: list[OptOutRequest]


def event_choices(*, limit: int = EVENT_PICKER_LIMIT) -> EventChoices:
    """Jurisdictions with a request or an event, agencies that are not a county's or a
    city's own or that serve such a jurisdiction, and the latest requests (three queries)."""
    with_cases = Q(Exists(OptOutRequest.objects.filter(jurisdiction=OuterRef("pk")))) | Q(
        Exists(Event.jurisdictions.through.objects.filter(jurisdiction=OuterRef("pk")))
    )
    places = Jurisdiction.objects.filter(with_cases).order_by("state", "name", "pk")
    agencies = Agency.objects.filter(
        ~Q(level=Agency.Level.LOCAL)
        | Q(Exists(OptOutRequest.objects.filter(jurisdiction=OuterRef("jurisdiction_id"))))
    ).order_by("name", "pk")
    cases = OptOutRequest.objects.select_related("jurisdiction").order_by("-pk")
    return EventChoices(list(places[:limit]), list(agencies[:limit]), list(cases[:limit]))


def public_links_of(event: Event) -> list[OptOutRequest]:
    """The published requests an event bears on (never name an unpublished one)."""
    return [request for request in event.requests.all() if request.is_public]


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
    if issubclass(model, ThreadLetter):
        return queryset.filter(is_public=True, thread__is_public=True)
    if issubclass(model, (OptOutRequest, Statement, CorrespondenceThread, Event)):
        return queryset.filter(is_public=True)
    raise TypeError(f"{model.__name__} records are never published.")


def hidden_by_their_request(request: OptOutRequest) -> int:
    """How many of the request's letters, replies and meetings are marked public but not
    published, because the request itself is not public (one query)."""
    if request.is_public:
        return 0
    marked = [
        model.objects.filter(request=request, is_public=True).values("pk")
        for model in _OF_A_REQUEST
    ]
    return marked[0].union(*marked[1:], all=True).count()


def is_published(
    item: OptOutRequest
    | Letter
    | AgencyResponse
    | Meeting
    | Transition
    | Statement
    | CorrespondenceThread
    | ThreadLetter
    | Event,
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
    if isinstance(item, ThreadLetter):
        return item.thread.is_public
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
    """Public statements in date order, with their agencies (for the contradictions) and
    their sources (every public statement shows its citations)."""
    return published(Statement.objects.all()).select_related("agency").prefetch_related("sources")


def published_jurisdictions() -> QuerySet[Jurisdiction]:
    """Jurisdictions with at least one published request, each with ``published_count``."""
    # Grouped from the published requests alone, not from every jurisdiction joined to
    # every request: the filter comes first, so the count counts only what it kept.
    return (
        Jurisdiction.objects.filter(requests__is_public=True)
        .annotate(published_count=Count("requests"))
        .order_by("state", "name")
    )


@dataclass(frozen=True)
class PublishedState:
    """A state with a published record, and how many of its jurisdictions have one."""

    state: str
    jurisdictions: int


def published_states() -> list[PublishedState]:
    """Every state with a jurisdiction that has a published request, in state order
    (one query: at most one row per state, whatever the number of jurisdictions)."""
    rows = (
        Jurisdiction.objects.filter(requests__is_public=True)
        .values("state")
        .annotate(jurisdictions=Count("pk", distinct=True))
        .order_by("state")
    )
    return [PublishedState(row["state"], row["jurisdictions"]) for row in rows]


def published_contradictions() -> Contradictions:
    """The contradictions between published statements only."""
    return contradictions(published_statements())


def published_contradiction(first_reference: str, second_reference: str) -> Contradiction | None:
    """The contradiction between two published statements, given in either order, if any."""
    pair = published_statements().filter(reference__in=[first_reference, second_reference])
    found = contradictions(pair)
    return found[0] if found else None


# --- Correspondence not tied to one request ---------------------------------------------


def threads_list(*, audience: Audience = Audience.STAFF) -> QuerySet[CorrespondenceThread]:
    """Correspondence threads by title, each with ``letter_count`` (the letters the
    audience sees), ``request_count`` and the first letter's date (``first_sent_on``
    and its precision; :func:`thread_first_sent` reads them), annotated: one query."""
    threads = CorrespondenceThread.objects.all()
    letters = ThreadLetter.objects.all()
    if audience is Audience.PUBLIC:
        threads = published(threads)
        letters = letters.filter(is_public=True)
    requests = OptOutRequest.objects.all()
    if audience is Audience.PUBLIC:
        requests = published(requests)
    return threads.annotate(
        letter_count=Coalesce(
            Subquery(
                letters.filter(thread=OuterRef("pk"))
                .order_by()
                .values("thread")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
            Value(0),
        ),
        first_sent_on=Subquery(
            letters.filter(thread=OuterRef("pk"), sent_on__isnull=False)
            .order_by("sent_on", "pk")
            .values("sent_on")[:1]
        ),
        first_sent_on_precision=Subquery(
            letters.filter(thread=OuterRef("pk"), sent_on__isnull=False)
            .order_by("sent_on", "pk")
            .values("sent_on_precision")[:1]
        ),
        request_count=Coalesce(
            Subquery(
                requests.filter(threads=OuterRef("pk"))
                .order_by()
                .values("threads")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
            Value(0),
        ),
    ).order_by("title", "pk")


def threads_with_parts(*, audience: Audience = Audience.STAFF) -> QuerySet[CorrespondenceThread]:
    """Threads with what their representation shows, in six queries per page however
    many threads: their sources, their letters (``shown_letters``, in date order, with
    agencies and statements, their recipient agencies and their sources), and the
    requests they concern (``shown_requests``, with jurisdictions). For the public, only
    what is published."""
    threads = CorrespondenceThread.objects.all()
    letters = ThreadLetter.objects.select_related("sender_agency", "statement")
    requests = OptOutRequest.objects.select_related("jurisdiction").order_by(
        "jurisdiction__name", "pk"
    )
    if audience is Audience.PUBLIC:
        threads = published(threads)
        letters = letters.filter(is_public=True)
        requests = published(requests)
    return threads.prefetch_related(
        "sources",
        Prefetch(
            "letters",
            queryset=letters.prefetch_related("recipient_agencies", "sources"),
            to_attr="shown_letters",
        ),
        Prefetch("requests", queryset=requests, to_attr="shown_requests"),
    ).order_by("title", "pk")


def thread_first_sent(thread: CorrespondenceThread) -> PartialDate | None:
    """The date of a thread's first letter, from :func:`threads_list`'s annotations."""
    value = getattr(thread, "first_sent_on", None)
    precision = getattr(thread, "first_sent_on_precision", None) or DatePrecision.DAY
    return partial_date(value, precision) if value else None


def thread_letters(
    thread: CorrespondenceThread, *, audience: Audience = Audience.STAFF
) -> QuerySet[ThreadLetter]:
    """A thread's letters in date order (undated last) with their agencies and the
    statements they also are; for the public, only the published ones."""
    letters = thread.letters.all()
    if audience is Audience.PUBLIC:
        letters = letters.filter(is_public=True) if thread.is_public else letters.none()
    return letters.select_related(
        "sender_agency", "statement", "statement__agency"
    ).prefetch_related("recipient_agencies", "sources")


def thread_requests(
    thread: CorrespondenceThread, *, audience: Audience = Audience.STAFF
) -> QuerySet[OptOutRequest]:
    """The requests a thread is linked to, with their jurisdictions (the public: only the
    published ones)."""
    requests = thread.requests.select_related("jurisdiction").order_by("jurisdiction__name", "pk")
    return published(requests) if audience is Audience.PUBLIC else requests


def request_threads(
    request: OptOutRequest, *, audience: Audience = Audience.STAFF
) -> list[CorrespondenceThread]:
    """The threads linked to a request, each with its letters (``shown_letters``, in
    date order) that the audience sees: two queries, whatever the number of threads."""
    threads = request.threads.all()
    letters = ThreadLetter.objects.select_related("sender_agency")
    if audience is Audience.PUBLIC:
        threads = published(threads)
        letters = letters.filter(is_public=True)
    return list(
        threads.order_by("title", "pk").prefetch_related(
            Prefetch("letters", queryset=letters, to_attr="shown_letters")
        )
    )


def jurisdiction_threads(
    jurisdiction: Jurisdiction, *, audience: Audience = Audience.STAFF
) -> list[CorrespondenceThread]:
    """The threads linked to any of a jurisdiction's requests (for the public: published
    threads linked to a published request), with the letters the audience sees as
    ``shown_letters``: two queries."""
    requests = OptOutRequest.objects.filter(jurisdiction=jurisdiction)
    threads = CorrespondenceThread.objects.all()
    letters = ThreadLetter.objects.select_related("sender_agency")
    if audience is Audience.PUBLIC:
        requests = published(requests)
        threads = published(threads)
        letters = letters.filter(is_public=True)
    return list(
        threads.filter(pk__in=requests.values("threads"))
        .order_by("title", "pk")
        .prefetch_related(Prefetch("letters", queryset=letters, to_attr="shown_letters"))
    )


#: The most results of each kind of record the public search returns.
SEARCH_LIMIT = 50
#: The results of each kind the staff search shows on its first page; "more" leads to
#: that kind alone, :data:`SEARCH_PAGE_SIZE` a page.
SEARCH_SECTION_LIMIT = 10
#: Results a page of one kind shows.
SEARCH_PAGE_SIZE = 25
#: The text-search configuration: stems English words ("requested" finds "request").
SEARCH_CONFIG = "english"
#: Around a matched word in a snippet: private-use characters, so nothing a person typed
#: is taken for one; :func:`marked_snippet` turns them into ``<mark>`` after escaping.
MARK_START, MARK_STOP = "\ue000", "\ue001"
#: Characters of text a snippet shows on each side of the first match (SQLite).
SNIPPET_CONTEXT = 80


class SearchKind(StrEnum):
    """The kinds of record the staff search reads, in the order its page lists them."""

    REQUESTS = "requests"
    LETTERS = "letters"
    RESPONSES = "responses"
    MEETINGS = "meetings"
    STATEMENTS = "statements"
    CONTACTS = "contacts"
    AGENCIES = "agencies"
    JURISDICTIONS = "jurisdictions"


#: What the staff search reads of each kind of record, in the order the stored vector
#: joins them (the migrations' triggers write the same: ``0012_search_vectors`` and
#: ``0016_attachment_text_and_wider_search`` in tracker, ``0005_search_vectors`` in
#: jurisdictions). ``attachment_text`` is the text of the record's file.
SEARCHED_FIELDS: dict[type[Model], tuple[str, ...]] = {
    OptOutRequest: ("title", "summary"),
    Letter: ("subject", "summary", "attachment_text"),
    AgencyResponse: ("summary", "attachment_text"),
    Meeting: ("place", "outcome"),
    Statement: ("speaker", "source_title", "quote", "attachment_text"),
    Contact: ("name", "title"),
    Agency: ("name", "abbreviation"),
    Jurisdiction: ("name",),
}
#: The fields a result's snippet is cut from (its title is shown as the link).
SNIPPET_FIELDS: dict[type[Model], tuple[str, ...]] = {
    OptOutRequest: ("summary",),
    Letter: ("summary", "attachment_text"),
    AgencyResponse: ("summary", "attachment_text"),
    Meeting: ("place", "outcome"),
    Statement: ("quote", "source_title", "attachment_text"),
    Contact: (),
    Agency: (),
    Jurisdiction: (),
}


def _search_querysets() -> dict[SearchKind, QuerySet[Any]]:
    """Each kind's rows with what its results line shows, loaded in the same query."""
    return {
        SearchKind.REQUESTS: OptOutRequest.objects.select_related("jurisdiction"),
        SearchKind.LETTERS: Letter.objects.select_related("request__jurisdiction", "sender"),
        SearchKind.RESPONSES: AgencyResponse.objects.select_related(
            "request__jurisdiction", "agency"
        ),
        SearchKind.MEETINGS: Meeting.objects.select_related("request__jurisdiction"),
        SearchKind.STATEMENTS: Statement.objects.select_related("agency"),
        SearchKind.CONTACTS: Contact.objects.select_related("agency", "jurisdiction"),
        SearchKind.AGENCIES: Agency.objects.all(),
        SearchKind.JURISDICTIONS: Jurisdiction.objects.all(),
    }


@dataclass
class SearchSection:
    """The results of one kind: a page of them, and whether more follow."""

    kind: SearchKind
    items: list[Any]
    page: int = 1
    has_more: bool = False


@dataclass
class SearchResults:
    """What the staff search found, by kind of record (only kinds with results)."""

    query: str
    sections: list[SearchSection] = field(default_factory=list)
    #: The one kind asked for (its page of results), or None for every kind.
    kind: SearchKind | None = None

    def of(self, kind: SearchKind) -> list[Any]:
        return next((s.items for s in self.sections if s.kind == kind), [])

    @property
    def requests(self) -> list[OptOutRequest]:
        return self.of(SearchKind.REQUESTS)

    @property
    def letters(self) -> list[Letter]:
        return self.of(SearchKind.LETTERS)

    @property
    def responses(self) -> list[AgencyResponse]:
        return self.of(SearchKind.RESPONSES)

    @property
    def count(self) -> int:
        return sum(len(section.items) for section in self.sections)

    @property
    def has_more(self) -> bool:
        return any(section.has_more for section in self.sections)


def uses_full_text() -> bool:
    """PostgreSQL's full-text search, or (SQLite, on a laptop) a substring match."""
    return connection.vendor == "postgresql"


class StoredSearchVector(Expression):
    """The row's stored full-text vector (PostgreSQL only).

    The search migrations add a ``search_vector`` column to every searched table, the
    vector of the very fields the staff search reads (:data:`SEARCHED_FIELDS`), kept
    by a trigger on every write and indexed (GIN). It is not a model field, so nothing
    but the search reads it; this names it on the queryset's own table.
    """

    def __init__(self) -> None:
        from django.contrib.postgres.search import SearchVectorField

        super().__init__(output_field=SearchVectorField())

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[()]]:
        table = compiler.quote_name(compiler.query.get_initial_alias())
        return f"{table}.search_vector", ()


def marked_snippet(text: str) -> str:
    """A snippet as HTML: everything escaped, the matched words in ``<mark>``."""
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    html = str(escape(text)).replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>")
    # An unclosed mark (a match cut at the end) is closed.
    if html.count("<mark>") > html.count("</mark>"):
        html += "</mark>"
    return mark_safe(html)  # escaped above; only the markers become tags


def _substring_snippet(item: Model, text: str) -> str:
    """The first field mentioning ``text``, cut around it, the match marked (SQLite)."""
    needle = text.casefold()
    for name in SNIPPET_FIELDS[type(item)]:
        value = str(getattr(item, name) or "")
        at = value.casefold().find(needle)
        if at < 0:
            continue
        start, stop = max(0, at - SNIPPET_CONTEXT), at + len(text) + SNIPPET_CONTEXT
        before = ("…" if start else "") + value[start:at]
        after = value[at + len(text) : stop] + ("…" if stop < len(value) else "")
        return f"{before}{MARK_START}{value[at : at + len(text)]}{MARK_STOP}{after}"
    return ""


def _matching(queryset: QuerySet[Any], text: str, *, offset: int, limit: int) -> list[Any]:
    """Rows ``offset`` to ``offset + limit`` (one more, to tell whether more follow) of
    ``queryset`` matching ``text``, best first, each with its ``snippet``."""
    model = queryset.model
    fields = SEARCHED_FIELDS[model]
    snippet_fields = SNIPPET_FIELDS[model]
    if uses_full_text():
        from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank

        # The stored vector, indexed: the same vector SearchVector(*fields) would build
        # for every row on every search, so the same matches in the same order.
        query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
        # Ranked on the bare table, then joined for the few rows kept: a common word
        # matches thousands of rows, which need not each be joined to be ranked.
        best = (
            model._default_manager.alias(search=StoredSearchVector())
            .filter(search=query)
            .annotate(rank=SearchRank(StoredSearchVector(), query))
            .order_by("-rank", "pk")
            .values("pk")[offset : offset + limit + 1]
        )
        found = queryset.filter(pk__in=best).annotate(rank=SearchRank(StoredSearchVector(), query))
        if snippet_fields:
            # The matched words in their context, for the few rows shown only.
            document = Concat(
                *(p for name in snippet_fields for p in (F(name), Value(" "))),
                output_field=TextField(),
            )
            found = found.annotate(
                snippet=SearchHeadline(
                    document,
                    query,
                    config=SEARCH_CONFIG,
                    start_sel=MARK_START,
                    stop_sel=MARK_STOP,
                    max_words=30,
                    min_words=10,
                    max_fragments=2,
                    fragment_delimiter=" … ",
                )
            )
        rows = list(found.order_by("-rank", "pk"))
        for row in rows:
            raw = getattr(row, "snippet", "")
            row.snippet = marked_snippet(raw) if raw and MARK_START in raw else ""
        return rows
    rows = list(
        queryset.filter(_contains(text, *fields)).order_by("pk")[offset : offset + limit + 1]
    )
    for row in rows:
        raw = _substring_snippet(row, text)
        row.snippet = marked_snippet(raw) if raw else ""
    return rows


def search(
    text: str,
    *,
    kind: SearchKind | None = None,
    page: int = 1,
    limit: int | None = None,
) -> SearchResults:
    """The staff search over every kind of record (:class:`SearchKind`), published or
    not: requests, letters, replies, meetings, statements, contacts (name and title,
    never their ways of reaching them), agencies and jurisdictions, and the text of
    letters', replies' and statements' files.

    Without ``kind``, the first :data:`SEARCH_SECTION_LIMIT` results of every kind (one
    query each); with it, page ``page`` of that kind alone, :data:`SEARCH_PAGE_SIZE` a
    page. Each section says whether more follow; nothing is counted. Every result has
    a ``snippet``: the matched words in their context, marked, ready for a template.

    On PostgreSQL it is full-text search over stored, indexed vectors, best matches
    first: it understands word forms ("letters" finds "letter") and web-search syntax
    (quoted phrases, ``-word``). SQLite, used by ``make run`` on a laptop, has no such
    index, so there a case-insensitive substring match on the same fields keeps search
    working with the same results page.
    """
    text = text.strip()
    results = SearchResults(query=text, kind=kind)
    if not text:
        return results
    size = limit or (SEARCH_PAGE_SIZE if kind else SEARCH_SECTION_LIMIT)
    page = max(1, page)
    querysets = _search_querysets()
    for each in [kind] if kind else list(SearchKind):
        rows = _matching(querysets[each], text, offset=(page - 1) * size, limit=size)
        if each == SearchKind.LETTERS:
            for letter in rows:
                # Dated as on every timeline: an incoming letter by its receipt when unsent.
                letter.dated = letter_date(letter)
        if rows or kind:
            results.sections.append(
                SearchSection(each, rows[:size], page=page, has_more=len(rows) > size)
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


def _first_matching(queryset: QuerySet[_Record], *conditions: Q, limit: int) -> QuerySet[_Record]:
    """The rows of ``queryset`` matching any of ``conditions``, in the model's order, of
    which the first ``limit`` are right.

    Where the database allows it (PostgreSQL), the first ``limit`` rows matching each
    condition are found apart and the results joined: the conditions are on different
    tables (a record's own fields, its jurisdiction's name), which one ``OR`` would make
    the database test on every published row, and apart each can use its index.
    """
    if not connection.features.supports_slicing_ordering_in_compound:
        return queryset.filter(reduce(operator.or_, conditions))
    ordering = queryset.model._meta.ordering or ["pk"]
    firsts = [
        queryset.filter(found).order_by(*ordering).values("pk")[:limit] for found in conditions
    ]
    return queryset.filter(pk__in=firsts[0].union(*firsts[1:]))


def published_search(text: str, *, limit: int = SEARCH_LIMIT) -> PublishedSearchResults:
    """Published requests, letters, responses, meetings and statements mentioning ``text``.

    Searches only public fields of published items (never notes, never contacts'
    details), each with the jurisdiction its public timeline is on. Five queries,
    each capped at ``limit`` rows.

    A case-insensitive substring match, so part of a name finds it ("Hennes"). On
    PostgreSQL trigram indexes over the published rows serve it (see
    ``tracker/migrations/0012_search_vectors.py``); a match on the record's own fields
    and a match on the name of its jurisdiction or agency are looked up separately
    and joined, so each can use its index.
    """
    text = text.strip()
    results = PublishedSearchResults(query=text)
    if not text:
        return results
    results.requests = list(
        _first_matching(
            published_requests(),
            _contains(text, "title", "summary", "outcome"),
            _contains(text, "jurisdiction__name"),
            limit=limit,
        ).select_related("jurisdiction")[:limit]
    )
    results.letters = list(
        published_letters()
        .filter(_contains(text, "subject", "summary"))
        .select_related("request__jurisdiction")[:limit]
    )
    results.responses = list(
        _first_matching(
            published_responses(),
            _contains(text, "summary"),
            _contains(text, "agency__name"),
            limit=limit,
        ).select_related("agency", "request__jurisdiction")[:limit]
    )
    results.meetings = list(
        published_meetings()
        .filter(_contains(text, "place", "outcome"))
        .select_related("request__jurisdiction")[:limit]
    )
    results.statements = list(
        # A hit shows no citations: the statements' sources are not read.
        published_statements()
        .prefetch_related(None)
        .filter(_contains(text, "speaker", "quote", "source_title", "agency__name"))[:limit]
    )
    return results


def deletions_since(models: dict[str, type[Model]], since: dt.datetime | None) -> QuerySet[Any]:
    """Records deleted at or after ``since`` (all of them for None), from their
    history's deletion rows: one row per deletion, ``resource`` (the key of
    ``models``), ``id`` and ``deleted_at``, oldest first. One query for all kinds."""
    parts = []
    for resource, model in models.items():
        rows = model.history.filter(history_type="-").order_by()  # type: ignore[attr-defined]
        if since is not None:
            rows = rows.filter(history_date__gte=since)
        parts.append(
            rows.annotate(resource=Value(resource, output_field=TextField())).values(
                "resource", "id", deleted_at=F("history_date")
            )
        )
    first, *others = parts
    return first.union(*others, all=True).order_by("deleted_at", "resource", "id")
