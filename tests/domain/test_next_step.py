"""The next step of the documented process, and the move a reply implies: one rule each
(``tracker.domain.workflow``), read by the case page, the dashboard and the API."""

from __future__ import annotations

import pytest

from tracker.domain.workflow import (
    MOVE_IMPLIED_BY_REPLY,
    NEEDS_REASON,
    RequestFacts,
    State,
    find_edge,
    move_implied_by_reply,
    next_step,
)
from tracker.models import AgencyResponse

NOTIFIED = RequestFacts(has_sent_letter=True, notified_program_office=True, notified_sib=True)


def test_every_implied_move_is_a_kind_of_reply_and_a_move_of_the_workflow() -> None:
    assert set(MOVE_IMPLIED_BY_REPLY) <= set(AgencyResponse.Kind.values)
    for target in MOVE_IMPLIED_BY_REPLY.values():
        assert any(find_edge(source, target) for source in State)


@pytest.mark.parametrize(
    ("state", "kind", "target"),
    [
        (State.NOTICE_SENT, "acknowledged", State.ACKNOWLEDGED),
        (State.NOTICE_SENT, "meeting_requested", State.MEETING_REQUESTED),
        (State.ACKNOWLEDGED, "meeting_requested", State.MEETING_REQUESTED),
        (State.NOTICE_SENT, "denied", State.DENIED),
        (State.MEETING_HELD, "removed", State.REMOVED),
        (State.MEETING_HELD, "activation_changed", State.ACTIVATION_DEFERRED),
        (State.ACKNOWLEDGED, "acknowledged", None),  # already there
        (State.NOTICE_SENT, "removed", None),  # not before the meeting
        (State.NOTICE_SENT, "more_information", None),
        (State.DRAFT, "acknowledged", None),
    ],
)
def test_a_reply_implies_the_move_the_workflow_allows_once_it_is_logged(
    state: State, kind: str, target: State | None
) -> None:
    # Before the reply is logged the request has none: the move is still offered.
    edge = move_implied_by_reply(state, kind, NOTIFIED)
    assert (edge.target if edge else None) == target


def test_withdrawing_needs_a_reason() -> None:
    assert {State.WITHDRAWN} == NEEDS_REASON


@pytest.mark.parametrize(
    ("state", "facts", "overdue", "action", "move"),
    [
        (State.DRAFT, RequestFacts(), False, "Send the written notice to ICE's", None),
        (State.DRAFT, NOTIFIED, False, "Mark the notice as sent", State.NOTICE_SENT),
        (
            State.NOTICE_SENT,
            RequestFacts(has_sent_letter=True, notified_program_office=True),
            False,
            "Send the written notice to the State Identification Bureau as well",
            None,
        ),
        (State.NOTICE_SENT, NOTIFIED, False, "Log ICE's reply when it comes", None),
        (State.NOTICE_SENT, NOTIFIED, True, "Chase the overdue reply", State.ESCALATED),
        (State.ACKNOWLEDGED, NOTIFIED, False, "Log ICE's meeting request", None),
        (State.MEETING_REQUESTED, NOTIFIED, False, "Hold the meeting", None),
        (
            State.MEETING_REQUESTED,
            RequestFacts(has_held_meeting=True),
            False,
            "Record that the meeting was held",
            State.MEETING_HELD,
        ),
        (State.MEETING_HELD, NOTIFIED, False, "Record the resolution", None),
        (State.DENIED, NOTIFIED, False, "Escalate", State.ESCALATED),
        (State.WITHDRAWN, NOTIFIED, True, "None; re-open", None),
    ],
)
def test_the_next_step_follows_the_documented_process(
    state: State, facts: RequestFacts, overdue: bool, action: str, move: State | None
) -> None:
    step = next_step(state, facts, awaiting_reply=overdue, overdue=overdue)
    assert step.action.startswith(action)
    assert step.move == move
