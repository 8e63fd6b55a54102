"""Events around the cases: votes, lawsuits, press coverage, facts of the program."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from core import webhooks
from core.dates import PartialDate
from core.models import WebhookDelivery
from jurisdictions.models import Jurisdiction
from tests.factories import EventFactory, JurisdictionFactory, RequestFactory
from tracker.domain import publishing, selectors, services
from tracker.domain.selectors import Audience
from tracker.models import Basis, Event, OptOutRequest, Source

pytestmark = pytest.mark.django_db


# --- Rules of the record ----------------------------------------------------------------


def test_an_event_cannot_have_happened_in_the_future(editor: Any) -> None:
    ahead = PartialDate(dt.date.today() + dt.timedelta(days=30))
    with pytest.raises(ValidationError) as caught:
        services.event_create(by=editor, kind="vote", title="Vote", happened_on=ahead)
    assert "happened_on" in caught.value.message_dict
    assert not Event.objects.exists()


def test_an_inferred_event_needs_its_reasoning(editor: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        services.event_create(by=editor, kind="vote", title="Vote", basis=Basis.INFERRED)
    assert "inference" in caught.value.message_dict
    event = services.event_create(
        by=editor,
        kind="vote",
        title="Vote",
        basis=Basis.INFERRED,
        inference="Seed 004 says counties in Virginia voted.",
    )
    assert event.basis == "inferred"


def test_an_unknown_kind_is_refused(editor: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        services.event_create(by=editor, kind="rumour", title="Something")
    assert "kind" in caught.value.message_dict


def test_an_undated_event_stays_undated(editor: Any) -> None:
    event = services.event_create(by=editor, kind="vote", title="Vote")
    event.refresh_from_db()
    assert event.happened is None
    assert Event.happened.display(event) == "date unknown"


# --- Services ------------------------------------------------------------------------------


def test_creating_an_event_links_it_and_keeps_its_history_and_tells_the_webhooks(
    editor: Any, settings: Any
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    hook, _secret = webhooks.webhook_create(
        owner=editor, name="Hook", url="http://127.0.0.1:9/", event_types=["created", "changed"]
    )
    place: Jurisdiction = JurisdictionFactory()
    optout: OptOutRequest = RequestFactory(jurisdiction=place)
    source = Source.objects.create(seed="004", title="Seed 004")
    event = services.event_create(
        by=editor,
        kind="lawsuit",
        title="FOIA lawsuit",
        happened_on=PartialDate.parse("2010"),
        jurisdictions=[place],
        requests=[optout],
        sources=[source],
    )
    assert list(event.jurisdictions.all()) == [place]
    assert list(event.requests.all()) == [optout]
    assert list(event.sources.all()) == [source]
    created = event.history.get(history_type="+")
    assert created.history_user == editor
    # The history keeps the links too.
    assert [row.jurisdiction_id for row in event.history.first().jurisdictions.all()] == [place.pk]
    about_events = [
        delivery.payload
        for delivery in WebhookDelivery.objects.filter(subscription=hook)
        if delivery.payload["data"]["resource"] == "events"
    ]
    assert [(p["type"], p["data"]["url"]) for p in about_events] == [
        ("created", f"/api/v1/events/{event.pk}/")
    ]


def test_an_edit_writes_only_what_changed_and_refuses_a_stale_version(
    editor: Any, viewer: Any
) -> None:
    event: Event = EventFactory(by=editor)
    title = event.title
    mine = Event.objects.get(pk=event.pk)
    services.event_update(
        event=event,
        by=editor,
        expected_version=event.version,
        values={"happened_on": PartialDate.parse("2010-10-06")},
    )
    with pytest.raises(services.StaleRecord) as caught:
        services.event_update(
            event=mine, by=editor, expected_version=mine.version, values={"title": "Other"}
        )
    assert {change.field for change in caught.value.changes} == {
        "happened_on",
        "happened_on_precision",
        "happened_on_until",
    }
    event.refresh_from_db()
    assert event.happened == PartialDate.parse("2010-10-06")
    assert event.title == title


def test_an_edit_replaces_the_links_given(editor: Any) -> None:
    first: Jurisdiction = JurisdictionFactory()
    second: Jurisdiction = JurisdictionFactory()
    event = services.event_create(by=editor, kind="vote", title="Vote", jurisdictions=[first])
    services.event_update(
        event=event,
        by=editor,
        expected_version=event.version,
        values={},
        m2m={"jurisdictions": [second]},
    )
    assert list(event.jurisdictions.all()) == [second]
    with pytest.raises(ValidationError):
        services.event_update(
            event=event, by=editor, expected_version=None, values={}, m2m={"speakers": []}
        )


def test_deleting_an_event_keeps_its_history(editor: Any) -> None:
    event = EventFactory(by=editor)
    pk = event.pk
    with pytest.raises(services.StaleRecord):
        services.event_delete(event=event, by=editor, expected_version=event.version + 1)
    services.event_delete(event=event, by=editor, expected_version=event.version)
    assert not Event.objects.filter(pk=pk).exists()
    assert Event.history.filter(id=pk, history_type="-").exists()


# --- Timelines ----------------------------------------------------------------------------


def test_a_request_timeline_shows_the_events_that_bear_on_it(editor: Any) -> None:
    optout: OptOutRequest = RequestFactory()
    other: OptOutRequest = RequestFactory()
    event: Event = EventFactory(requests=[optout])
    EventFactory(requests=[other])
    entries = selectors.request_timeline(optout, audience=Audience.STAFF)
    shown = [entry.item for entry in entries if entry.kind == "event"]
    assert shown == [event]


def test_a_jurisdiction_timeline_shows_each_event_once(editor: Any) -> None:
    place = JurisdictionFactory()
    first, second = RequestFactory(jurisdiction=place), RequestFactory(jurisdiction=place)
    named = EventFactory(jurisdictions=[place], requests=[first, second])
    through_a_request = EventFactory(requests=[second])
    EventFactory(jurisdictions=[JurisdictionFactory()])
    timeline = selectors.jurisdiction_timeline(place, audience=Audience.STAFF)
    shown = [entry.item for entry in timeline.entries if entry.kind == "event"]
    assert sorted(e.pk for e in shown) == sorted([named.pk, through_a_request.pk])
    assert all(entry.request is None for entry in timeline.entries if entry.kind == "event")


def test_an_event_comes_before_the_letters_of_its_day_and_undated_ones_last(
    editor: Any,
) -> None:
    optout = RequestFactory(opened_on=dt.date(2010, 10, 6))
    dated = EventFactory(
        requests=[optout], happened_on=dt.date(2010, 10, 6), happened_on_precision="day"
    )
    undated = EventFactory(requests=[optout], happened_on=None, happened_on_precision=None)
    entries = selectors.timeline_entries(
        selectors.with_timeline(type(optout).objects.filter(pk=optout.pk), audience=Audience.STAFF),
        audience=Audience.STAFF,
        openings=True,
    )
    kinds = [(entry.kind, entry.item.pk) for entry in entries]
    assert kinds[0] == ("event", dated.pk)
    assert kinds[1][0] == "request"
    assert kinds[-1] == ("event", undated.pk)


def test_the_public_sees_only_published_events_with_their_sources(editor: Any) -> None:
    place = JurisdictionFactory()
    hidden_case = RequestFactory(jurisdiction=place, is_public=False)
    RequestFactory(jurisdiction=place, is_public=True)
    source = Source.objects.create(seed="001", title="Seed 001", url="https://example.org/1")
    shown: Event = EventFactory(
        jurisdictions=[place],
        requests=[hidden_case],
        sources=[source],
        is_public=True,
        basis="inferred",
        inference="It follows.",
    )
    EventFactory(jurisdictions=[place], is_public=False)
    timeline = publishing.public_timeline(place)
    events = [entry.item for entry in timeline.entries if entry.kind == "event"]
    assert [e["reference"] for e in events] == [shown.reference]
    (item,) = events
    assert item["requests"] == []  # never names an unpublished request
    assert item["basis"] == "inferred" and item["inference"] == "It follows."
    assert item["sources"][0]["seed"] == "001"
    assert item["sources"][0]["url"] == "https://example.org/1"
    assert "notes" not in item
    assert list(selectors.published_events()) == [shown]


# --- The 2010 record ----------------------------------------------------------------------


def test_load_record_loads_the_events_of_2010_as_precisely_as_the_seeds() -> None:
    call_command("load_record", verbosity=0)
    events = {event.reference: event for event in Event.objects.all()}
    assert len(events) == 11
    for event in events.values():
        event.full_clean()
        assert event.sources.exists(), event
        assert all(source.seed for source in event.sources.all())
    arlington = events["2010-arlington-vote"]
    assert arlington.happened is None
    assert arlington.basis == "inferred" and "County Board" in arlington.inference
    assert [j.reference for j in arlington.jurisdictions.all()] == ["va-arlington-county"]
    assert [r.reference for r in arlington.requests.all()] == ["arlington-2010"]
    dc = events["2010-dc-vote"]
    assert dc.happened is None and dc.basis == "inferred" and "Council" in dc.inference
    assert "Jim Graham" in dc.summary
    lawsuit = events["2010-foia-lawsuit"]
    assert lawsuit.happened == PartialDate.parse("2010")
    assert {a.reference for a in lawsuit.agencies.all()} == {"ccr", "cardozo", "ndlon"}
    assert {s.reference for s in lawsuit.sources.all()} == {"seed-002", "seed-003", "seed-004"}
    assert events["2010-program-begins"].happened == PartialDate.parse("2008-10")
    assert events["2010-660-jurisdictions"].happened == PartialDate.parse("2010-10")
    assert events["2010-one-quarter-no-record"].happened == PartialDate.parse("2010-08")
    assert events["2010-memorandum-with-states"].happened is None
    assert events["2010-sf-activated-despite-sheriff"].happened is None
    assert events["2010-10-06-press-twi"].publication == "The Washington Independent"
    # Loading again changes nothing.
    call_command("load_record", verbosity=0)
    assert Event.objects.count() == 11
