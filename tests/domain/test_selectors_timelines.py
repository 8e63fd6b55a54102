"""The timeline selectors: what each audience sees, and the request's opening."""

from __future__ import annotations

from typing import Any

import pytest

from core.dates import PartialDate
from jurisdictions.models import Agency
from tests.factories import JurisdictionFactory, LetterFactory, MeetingFactory, RequestFactory
from tracker.domain import selectors, services
from tracker.domain.selectors import Audience
from tracker.models import Letter, OptOutRequest

pytestmark = pytest.mark.django_db


def test_the_public_sees_only_published_items_however_they_were_loaded() -> None:
    optout = RequestFactory(is_public=True)
    shown: Letter = LetterFactory(request=optout, is_public=True, subject="Shown")
    LetterFactory(request=optout, is_public=False, subject="Draft")
    loaded_for_staff = selectors.with_timeline(
        OptOutRequest.objects.filter(pk=optout.pk), audience=Audience.STAFF
    )
    entries = selectors.timeline_entries(loaded_for_staff, audience=Audience.PUBLIC)
    # The published letter, and the status log (public exactly when its request is).
    assert [entry.item for entry in entries if entry.kind == "letter"] == [shown]
    assert [entry.kind for entry in entries if entry.kind != "letter"] == ["transition"]
    staff_entries = selectors.timeline_entries(loaded_for_staff, audience=Audience.STAFF)
    # Both letters and the opening entry of the status log.
    assert len(staff_entries) == 3


def test_an_unpublished_request_has_no_public_timeline() -> None:
    optout = RequestFactory(is_public=False)
    LetterFactory(request=optout, is_public=True)
    MeetingFactory(request=optout, is_public=True)
    assert selectors.request_timeline(optout, audience=Audience.PUBLIC) == []
    # The letter, the meeting and the opening entry of the status log.
    assert len(selectors.request_timeline(optout, audience=Audience.STAFF)) == 3


def test_the_opening_takes_the_place_of_the_status_logs_first_row(editor: Any) -> None:
    jurisdiction = JurisdictionFactory()
    optout = services.request_open(
        jurisdiction=jurisdiction,
        title="Opt out",
        by=editor,
        opened_on=PartialDate.parse("2010-08"),
    )
    with_log = selectors.jurisdiction_timeline(jurisdiction, audience=Audience.STAFF)
    assert [(entry.kind, entry.item) for entry in with_log.entries] == [
        ("transition", optout.transitions.get())
    ]
    with_opening = selectors.jurisdiction_timeline(
        jurisdiction, audience=Audience.STAFF, openings=True
    )
    (opening,) = with_opening.entries
    assert (opening.kind, opening.item, opening.date) == (
        "request",
        optout,
        PartialDate.parse("2010-08"),
    )
    assert with_opening.requests == [optout]


def test_a_request_timeline_takes_six_queries_whatever_its_length(
    django_assert_num_queries: Any,
) -> None:
    optout = RequestFactory()
    for _ in range(5):
        LetterFactory(request=optout)
        MeetingFactory(request=optout)
    # The request, its letters, responses, meetings, status changes and events (their
    # sources and links only when there are events).
    with django_assert_num_queries(6):
        entries = selectors.request_timeline(optout, audience=Audience.STAFF)
    # Five letters, five meetings, and the opening entry of the status log.
    assert len(entries) == 11
    # The request is not published: the public reads nothing of it.
    with django_assert_num_queries(1):
        entries = selectors.request_timeline(optout, audience=Audience.PUBLIC)
    assert entries == []


def test_only_records_that_can_be_published_can_be_narrowed_to_the_published() -> None:
    with pytest.raises(TypeError, match="Agency records are never published"):
        selectors.published(Agency.objects.all())
