"""The opt-out workflow as data: states, the transition table, guards and the checklist.

This module is pure Python (no queries). :mod:`tracker.domain.services` gathers the
:class:`RequestFacts` of a request from the database and asks this module what
is allowed; the admin, the staff pages, the API and the docs all read the same
table, so a rule is written exactly once.

The process follows what ICE's "Setting the Record Straight" memo and the
7/8 September 2010 letters to Rep. Lofgren described: notify ICE's Secure
Communities program office *and* the State Identification Bureau in writing;
ICE requests a meeting; the meeting ends in a resolution. A fourth step follows
the process rather than belonging to it: a jurisdiction that is not activated
remains responsible for telling its local ICE field office about suspected
criminal aliens (seed 000, quoting the 7 September letter). No move waits for it,
so it is not a state or a checklist item.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    NOTICE_SENT = "notice_sent", _("Notice sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    MEETING_REQUESTED = "meeting_requested", _("Meeting requested")
    MEETING_HELD = "meeting_held", _("Meeting held")
    REMOVED = "removed", _("Removed from the deployment plan")
    ACTIVATION_DEFERRED = "activation_deferred", _("Activation deferred")
    DENIED = "denied", _("Denied")
    ESCALATED = "escalated", _("Escalated")
    WITHDRAWN = "withdrawn", _("Withdrawn")


STATE_DESCRIPTIONS: dict[State, StrOrPromise] = {
    State.DRAFT: _("Being prepared; no notice has gone out yet."),
    State.NOTICE_SENT: _("Written notice sent to ICE and/or the State Identification Bureau."),
    State.ACKNOWLEDGED: _("An agency acknowledged the notice."),
    State.MEETING_REQUESTED: _("ICE asked for a meeting with the jurisdiction and the state."),
    State.MEETING_HELD: _("The meeting took place; waiting for a resolution."),
    State.REMOVED: _("Closed: the jurisdiction was removed from the deployment plan."),
    State.ACTIVATION_DEFERRED: _("Closed: the jurisdiction's activation date was adjusted."),
    State.DENIED: _("Closed: the request was refused."),
    State.ESCALATED: _(
        "Pursued through Congress, the courts or the press after a denial or silence."
    ),
    State.WITHDRAWN: _("Closed: the jurisdiction withdrew its request."),
}

#: States in which a request is finished; they carry a close date.
CLOSED_STATES: frozenset[State] = frozenset(
    {State.REMOVED, State.ACTIVATION_DEFERRED, State.DENIED, State.WITHDRAWN}
)
#: States that count as a success for the jurisdiction.
SUCCESS_STATES: frozenset[State] = frozenset({State.REMOVED, State.ACTIVATION_DEFERRED})


@dataclass(frozen=True)
class RequestFacts:
    """What the guards need to know about a request, gathered in one place."""

    has_sent_letter: bool = False
    notified_program_office: bool = False
    notified_sib: bool = False
    has_response: bool = False
    has_held_meeting: bool = False
    has_letter_since_state_entered: bool = False


Guard = Callable[[RequestFacts], str | None]


def needs_sent_letter(facts: RequestFacts) -> str | None:
    if not facts.has_sent_letter:
        return gettext("log a letter sent by the jurisdiction on this request first")
    return None


def needs_response(facts: RequestFacts) -> str | None:
    if not facts.has_response:
        return gettext("record the agency's response on this request first")
    return None


def needs_held_meeting(facts: RequestFacts) -> str | None:
    if not facts.has_held_meeting:
        return gettext("record a meeting that was held on this request first")
    return None


def needs_new_letter(facts: RequestFacts) -> str | None:
    if not facts.has_letter_since_state_entered:
        return gettext("log the new letter that renews the notice first")
    return None


@dataclass(frozen=True)
class Edge:
    source: State
    target: State
    label: StrOrPromise
    guard: Guard | None = None
    #: A re-opening edge: a closed request brought back by an editor.
    reopens: bool = False

    def blocked_by(self, facts: RequestFacts) -> str | None:
        return self.guard(facts) if self.guard else None


def _edges(source: State, *targets: tuple[State, StrOrPromise, Guard | None]) -> list[Edge]:
    return [Edge(source, target, label, guard) for target, label, guard in targets]


_WITHDRAW = (State.WITHDRAWN, _("Withdraw the request"), None)
_DENY = (State.DENIED, _("Record a denial"), needs_response)
_ESCALATE = (State.ESCALATED, _("Escalate (Congress, courts, press)"), None)

TRANSITIONS: tuple[Edge, ...] = (
    *_edges(
        State.DRAFT,
        (State.NOTICE_SENT, _("Mark the notice as sent"), needs_sent_letter),
        _WITHDRAW,
    ),
    *_edges(
        State.NOTICE_SENT,
        (State.ACKNOWLEDGED, _("Record an acknowledgement"), needs_response),
        (State.MEETING_REQUESTED, _("Record ICE's meeting request"), needs_response),
        _DENY,
        _ESCALATE,
        _WITHDRAW,
    ),
    *_edges(
        State.ACKNOWLEDGED,
        (State.MEETING_REQUESTED, _("Record ICE's meeting request"), needs_response),
        _DENY,
        _ESCALATE,
        _WITHDRAW,
    ),
    *_edges(
        State.MEETING_REQUESTED,
        (State.MEETING_HELD, _("Record that the meeting was held"), needs_held_meeting),
        _DENY,
        _ESCALATE,
        _WITHDRAW,
    ),
    *_edges(
        State.MEETING_HELD,
        (State.REMOVED, _("Record removal from the deployment plan"), None),
        (State.ACTIVATION_DEFERRED, _("Record a deferred activation"), None),
        _DENY,
        _ESCALATE,
        _WITHDRAW,
    ),
    *_edges(
        State.DENIED,
        (State.NOTICE_SENT, _("Renew the notice with a new letter"), needs_new_letter),
        _ESCALATE,
    ),
    *_edges(
        State.ESCALATED,
        (State.NOTICE_SENT, _("Renew the notice with a new letter"), needs_new_letter),
        (State.MEETING_REQUESTED, _("Record ICE's meeting request"), needs_response),
        _WITHDRAW,
    ),
)

#: Where each state can go, in table order.
NEXT_STATES: dict[State, tuple[State, ...]] = {
    state: tuple(edge.target for edge in TRANSITIONS if edge.source == state) for state in State
}


class WorkflowError(Exception):
    """A move the workflow does not allow; the message says what would be allowed."""

    def __init__(self, message: str, *, current: State, allowed: list[State]) -> None:
        super().__init__(message)
        self.message = message
        self.current = current
        self.allowed = allowed


def _labels(states: list[State]) -> str:
    return ", ".join(f"{s.label} ({s.value})" for s in states) or gettext("none")


def find_edge(source: State, target: State) -> Edge | None:
    return next((e for e in TRANSITIONS if e.source == source and e.target == target), None)


def available_edges(state: State, facts: RequestFacts) -> list[Edge]:
    """The edges out of ``state`` whose guards pass."""
    return [e for e in TRANSITIONS if e.source == state and e.blocked_by(facts) is None]


def allowed_targets(state: State, facts: RequestFacts) -> list[State]:
    return [edge.target for edge in available_edges(state, facts)]


def check_transition(current: State, target: State, facts: RequestFacts) -> Edge:
    """Return the edge for the move, or raise :class:`WorkflowError` saying why not."""
    current, target = State(current), State(target)
    allowed = allowed_targets(current, facts)
    edge = find_edge(current, target)
    if edge is None:
        raise WorkflowError(
            gettext(
                "A request in state %(current)s (%(current_code)s) cannot move to "
                "%(target)s (%(target_code)s). Allowed next states: %(allowed)s."
            )
            % {
                "current": current.label,
                "current_code": current.value,
                "target": target.label,
                "target_code": target.value,
                "allowed": _labels(allowed),
            },
            current=current,
            allowed=allowed,
        )
    reason = edge.blocked_by(facts)
    if reason is not None:
        raise WorkflowError(
            gettext(
                "Cannot move to %(target)s (%(target_code)s) yet: %(reason)s. "
                "Allowed next states now: %(allowed)s."
            )
            % {
                "target": target.label,
                "target_code": target.value,
                "reason": reason,
                "allowed": _labels(allowed),
            },
            current=current,
            allowed=allowed,
        )
    return edge


def check_reopen(current: State) -> None:
    if State(current) not in CLOSED_STATES:
        raise WorkflowError(
            gettext("Only a closed request can be re-opened; this one is %(state)s (%(code)s).")
            % {"state": State(current).label, "code": State(current).value},
            current=State(current),
            allowed=[],
        )


# --- The documented process -------------------------------------------------


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    done: bool


def checklist(facts: RequestFacts) -> list[ChecklistItem]:
    """The steps ICE and DHS said a jurisdiction must take, and which are done."""
    return [
        ChecklistItem(
            "notice_program_office",
            gettext("Written notice to ICE's Secure Communities program office"),
            facts.notified_program_office,
        ),
        ChecklistItem(
            "notice_sib",
            gettext("Written notice to the State Identification Bureau"),
            facts.notified_sib,
        ),
        ChecklistItem(
            "meeting_held", gettext("Meeting with ICE and the state held"), facts.has_held_meeting
        ),
    ]


def mermaid_diagram() -> str:
    """The transition table as a Mermaid state diagram (kept in docs/architecture.md)."""
    lines = ["stateDiagram-v2", f"    [*] --> {State.DRAFT.value}"]
    for edge in TRANSITIONS:
        guard = f": {edge.guard.__name__}" if edge.guard else ""
        lines.append(f"    {edge.source.value} --> {edge.target.value}{guard}")
    for state in sorted(CLOSED_STATES, key=list(State).index):
        lines.append(f"    {state.value} --> [*]")
    return "\n".join(lines)


# --- Moves that need a reason, and moves a reply implies --------------------------

#: Moves a person confirms on a page of their own, giving the reason (kept as the
#: move's note): they close a case the jurisdiction may still care about.
NEEDS_REASON: frozenset[State] = frozenset({State.WITHDRAWN})


def missing_reason(*, target: str | None, reopening: bool, note: str) -> StrOrPromise | None:
    """What to say when a move that closes or re-opens a case (:data:`NEEDS_REASON`, or
    a re-opening) comes without its reason in the note; None when nothing is missing."""
    if (reopening or target in NEEDS_REASON) and not note.strip():
        return _("Say why in the note: a withdrawal or a re-opening is kept with its reason.")
    return None


#: The move an agency's reply of each kind (``AgencyResponse.Kind``) brings about.
MOVE_IMPLIED_BY_REPLY: dict[str, State] = {
    "acknowledged": State.ACKNOWLEDGED,
    "meeting_requested": State.MEETING_REQUESTED,
    "denied": State.DENIED,
    "removed": State.REMOVED,
    "activation_changed": State.ACTIVATION_DEFERRED,
}


def move_implied_by_reply(state: State, kind: str, facts: RequestFacts) -> Edge | None:
    """The move a reply of ``kind`` implies for a request in ``state``, once the reply is
    logged (so the request then has a reply), if the workflow allows it from there."""
    target = MOVE_IMPLIED_BY_REPLY.get(kind)
    edge = find_edge(State(state), target) if target is not None else None
    if edge is None:
        return None
    logged = replace(facts, has_response=True)
    return edge if edge.blocked_by(logged) is None else None


def move_implied_by_held_meeting(state: State, facts: RequestFacts) -> Edge | None:
    """The "meeting held" move a planned meeting marked held implies for a request in
    ``state``, once it is held (so the request then has a held meeting), if the workflow
    allows it from there."""
    edge = find_edge(State(state), State.MEETING_HELD)
    if edge is None:
        return None
    held = replace(facts, has_held_meeting=True)
    return edge if edge.blocked_by(held) is None else None


# --- What a case waits for, and its next step in the documented process ------------


@dataclass(frozen=True)
class NextStep:
    """What a request in a state waits for and what staff do next; ``move`` is the move
    that step ends in, when the workflow allows it now."""

    waits_for: str
    action: str
    move: State | None = None


def next_step(
    state: State, facts: RequestFacts, *, awaiting_reply: bool, overdue: bool
) -> NextStep:
    """The documented process (notify ICE's program office and the SIB in writing; ICE
    requests a meeting; the meeting ends in a resolution) read for one request: the one
    rule behind the case page's summary line, the dashboard's "next step" column and
    the API's ``next_step``."""
    state = State(state)
    allowed = set(allowed_targets(state, facts))

    def can(target: State) -> State | None:
        return target if target in allowed else None

    reply = gettext("a reply to the jurisdiction's letter")
    if state in {State.REMOVED, State.ACTIVATION_DEFERRED, State.WITHDRAWN}:
        return NextStep(
            gettext("nothing: the request is closed"),
            gettext("None; re-open the request if the case starts again"),
        )
    if state == State.DENIED:
        return NextStep(
            gettext("nothing: the request was refused"),
            gettext("Escalate (Congress, courts, press), or renew the notice with a new letter"),
            can(State.ESCALATED),
        )
    missing = [
        label
        for done, label in (
            (facts.notified_program_office, gettext("ICE's Secure Communities program office")),
            (facts.notified_sib, gettext("the State Identification Bureau")),
        )
        if not done
    ]
    if state == State.DRAFT:
        if not facts.has_sent_letter:
            return NextStep(
                gettext("the written notice"),
                gettext("Send the written notice to %(whom)s, and log the letter")
                % {"whom": gettext(" and ").join(missing)},
            )
        return NextStep(
            gettext("the notice to be marked as sent"),
            gettext("Mark the notice as sent"),
            can(State.NOTICE_SENT),
        )
    chase = gettext("Chase the overdue reply, or escalate (Congress, courts, press)")
    if state == State.NOTICE_SENT:
        if missing:
            return NextStep(
                reply if awaiting_reply else gettext("a reply from ICE or the SIB"),
                gettext("Send the written notice to %(whom)s as well, and log the letter")
                % {"whom": gettext(" and ").join(missing)},
            )
        if overdue:
            return NextStep(reply, chase, can(State.ESCALATED))
        return NextStep(
            reply if awaiting_reply else gettext("a reply from ICE or the SIB"),
            gettext("Log ICE's reply when it comes: an acknowledgement or a meeting request"),
        )
    if state == State.ACKNOWLEDGED:
        if overdue:
            return NextStep(reply, chase, can(State.ESCALATED))
        return NextStep(
            gettext("ICE's request for a meeting"),
            gettext("Log ICE's meeting request when it comes"),
        )
    if state == State.MEETING_REQUESTED:
        if facts.has_held_meeting:
            return NextStep(
                gettext("nothing: the meeting was held"),
                gettext("Record that the meeting was held"),
                can(State.MEETING_HELD),
            )
        return NextStep(
            gettext("the meeting with ICE and the state"),
            gettext("Hold the meeting, then log it as held"),
        )
    if state == State.MEETING_HELD:
        return NextStep(
            gettext("ICE's resolution after the meeting"),
            gettext(
                "Record the resolution: removal from the deployment plan, a deferred "
                "activation, or a denial"
            ),
        )
    # Escalated.
    if overdue:
        return NextStep(reply, chase)
    return NextStep(
        gettext("Congress, the courts or the press"),
        gettext("Renew the notice with a new letter, or record ICE's meeting request"),
    )
