"""The transition table, its guards and the documented-process checklist (no database)."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from tracker.domain.workflow import (
    CLOSED_STATES,
    NEXT_STATES,
    TRANSITIONS,
    RequestFacts,
    State,
    WorkflowError,
    allowed_targets,
    check_reopen,
    check_transition,
    checklist,
    mermaid_diagram,
)

EVERYTHING_DONE = RequestFacts(
    has_sent_letter=True,
    notified_program_office=True,
    notified_sib=True,
    has_response=True,
    has_held_meeting=True,
    has_letter_since_state_entered=True,
)
NOTHING_DONE = RequestFacts()

# The table as DESIGN.md describes it, written out independently of workflow.py.
EXPECTED_EDGES = {
    ("draft", "notice_sent"),
    ("draft", "withdrawn"),
    ("notice_sent", "acknowledged"),
    ("notice_sent", "meeting_requested"),
    ("notice_sent", "denied"),
    ("notice_sent", "escalated"),
    ("notice_sent", "withdrawn"),
    ("acknowledged", "meeting_requested"),
    ("acknowledged", "denied"),
    ("acknowledged", "escalated"),
    ("acknowledged", "withdrawn"),
    ("meeting_requested", "meeting_held"),
    ("meeting_requested", "denied"),
    ("meeting_requested", "escalated"),
    ("meeting_requested", "withdrawn"),
    ("meeting_held", "removed"),
    ("meeting_held", "activation_deferred"),
    ("meeting_held", "denied"),
    ("meeting_held", "escalated"),
    ("meeting_held", "withdrawn"),
    ("denied", "notice_sent"),
    ("denied", "escalated"),
    ("escalated", "notice_sent"),
    ("escalated", "meeting_requested"),
    ("escalated", "withdrawn"),
}


def test_the_table_matches_the_documented_workflow() -> None:
    assert {(e.source.value, e.target.value) for e in TRANSITIONS} == EXPECTED_EDGES


@pytest.mark.parametrize(("source", "target"), sorted(EXPECTED_EDGES))
def test_every_allowed_transition_passes_when_its_guard_is_met(source: str, target: str) -> None:
    edge = check_transition(State(source), State(target), EVERYTHING_DONE)
    assert (edge.source, edge.target) == (source, target)


FORBIDDEN = sorted(
    (a.value, b.value)
    for a, b in itertools.product(State, State)
    if (a.value, b.value) not in EXPECTED_EDGES
)


@pytest.mark.parametrize(("source", "target"), FORBIDDEN)
def test_every_forbidden_transition_is_refused_naming_the_allowed_states(
    source: str, target: str
) -> None:
    with pytest.raises(WorkflowError) as caught:
        check_transition(State(source), State(target), EVERYTHING_DONE)
    error = caught.value
    assert error.current == State(source)
    assert error.allowed == list(NEXT_STATES[State(source)])
    assert str(State(source).label) in error.message
    for allowed in error.allowed:
        assert allowed.value in error.message


GUARDED = [
    ("draft", "notice_sent", "has_sent_letter", "log a letter"),
    ("notice_sent", "acknowledged", "has_response", "response"),
    ("notice_sent", "meeting_requested", "has_response", "response"),
    ("notice_sent", "denied", "has_response", "response"),
    ("acknowledged", "meeting_requested", "has_response", "response"),
    ("acknowledged", "denied", "has_response", "response"),
    ("meeting_requested", "denied", "has_response", "response"),
    ("meeting_held", "denied", "has_response", "response"),
    ("meeting_requested", "meeting_held", "has_held_meeting", "meeting"),
    ("denied", "notice_sent", "has_letter_since_state_entered", "new letter"),
    ("escalated", "notice_sent", "has_letter_since_state_entered", "new letter"),
    ("escalated", "meeting_requested", "has_response", "response"),
]


@pytest.mark.parametrize(("source", "target", "fact", "hint"), GUARDED)
def test_each_guard_blocks_its_edge_until_its_fact_holds(
    source: str, target: str, fact: str, hint: str
) -> None:
    missing = dataclasses.replace(EVERYTHING_DONE, **{fact: False})
    with pytest.raises(WorkflowError) as caught:
        check_transition(State(source), State(target), missing)
    assert hint in caught.value.message
    assert State(target) not in caught.value.allowed
    check_transition(State(source), State(target), EVERYTHING_DONE)


def test_unguarded_edges_need_no_facts() -> None:
    guarded = {(s, t) for s, t, _f, _h in GUARDED}
    for source, target in EXPECTED_EDGES - guarded:
        check_transition(State(source), State(target), NOTHING_DONE)


def test_a_draft_with_no_letter_can_only_be_withdrawn() -> None:
    assert allowed_targets(State.DRAFT, NOTHING_DONE) == [State.WITHDRAWN]


def test_closed_states_have_no_way_forward_but_reopening() -> None:
    for state in CLOSED_STATES - {State.DENIED}:
        assert allowed_targets(state, EVERYTHING_DONE) == []
        check_reopen(state)


def test_only_closed_requests_can_be_reopened() -> None:
    for state in set(State) - CLOSED_STATES:
        with pytest.raises(WorkflowError, match="Only a closed request"):
            check_reopen(state)


def test_checklist_lists_the_three_documented_steps_and_what_is_missing() -> None:
    facts = RequestFacts(notified_program_office=True)
    items = {item.key: item.done for item in checklist(facts)}
    assert items == {"notice_program_office": True, "notice_sib": False, "meeting_held": False}
    assert all(item.done for item in checklist(EVERYTHING_DONE))


def test_the_diagram_shows_every_edge() -> None:
    diagram = mermaid_diagram()
    for source, target in EXPECTED_EDGES:
        assert f"{source} --> {target}" in diagram
