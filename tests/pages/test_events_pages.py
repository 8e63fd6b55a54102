"""The staff pages of events, and events on the timelines and the public pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from jurisdictions.models import Jurisdiction
from tests.conftest import csv_rows
from tests.factories import EventFactory, JurisdictionFactory, RequestFactory
from tracker.models import Event, OptOutRequest, Source

pytestmark = pytest.mark.django_db


@pytest.fixture
def place() -> Jurisdiction:
    jurisdiction: Jurisdiction = JurisdictionFactory(name="Arlington County", state="VA")
    return jurisdiction


@pytest.fixture
def seed_004() -> Source:
    return Source.objects.create(seed="004", title="Setting the record straight, reversed")


def _arlington_vote(place: Jurisdiction, source: Source, **extra: Any) -> Event:
    optout: OptOutRequest = RequestFactory(jurisdiction=place, title="Arlington's request")
    event: Event = EventFactory(
        title="Arlington County votes to opt out",
        jurisdictions=[place],
        requests=[optout],
        sources=[source],
        happened_on=None,
        happened_on_precision=None,
        basis="inferred",
        inference="Seed 004 says counties in Virginia voted.",
        **extra,
    )
    return event


# --- The list ---------------------------------------------------------------------------------


def test_the_list_shows_each_event_with_its_sources_and_basis(
    viewer_client: Client, place: Jurisdiction, seed_004: Source
) -> None:
    _arlington_vote(place, seed_004)
    page = viewer_client.get(reverse("events")).text
    assert "Arlington County votes to opt out" in page
    assert "date unknown" in page
    assert "Inferred" in page and "Seed 004 says counties in Virginia voted." in page
    assert "004: Setting the record straight, reversed" in page
    assert "Arlington&#x27;s request" in page
    # A viewer may read, not record or edit.
    assert "Record an event" not in page and "Edit this event" not in page


def test_the_list_filters_by_kind_jurisdiction_and_basis(
    viewer_client: Client, place: Jurisdiction, seed_004: Source
) -> None:
    _arlington_vote(place, seed_004)
    EventFactory(kind="press", title="Press item")
    votes = viewer_client.get(reverse("events"), {"kind": "vote"}).text
    assert "Arlington County votes" in votes and "Press item" not in votes
    here = viewer_client.get(reverse("events"), {"jurisdiction": place.pk}).text
    assert "Arlington County votes" in here and "Press item" not in here
    stated = viewer_client.get(reverse("events"), {"basis": "stated"}).text
    assert "Arlington County votes" not in stated and "Press item" in stated
    wrong = viewer_client.get(reverse("events"), {"kind": "rumour"})
    assert wrong.status_code == 400


@pytest.mark.parametrize("rows", [5, 50])
def test_the_list_costs_the_same_queries_whatever_the_page_size(
    viewer_client: Client, place: Jurisdiction, rows: int, django_assert_num_queries: Any
) -> None:
    source = Source.objects.create(seed="000", title="Seed 000")
    optout = RequestFactory(jurisdiction=place)
    for _ in range(rows):
        EventFactory(jurisdictions=[place], requests=[optout], sources=[source])
    # Expect 11 queries: session, user, the user's and the group's permissions (read
    # once for the three checks), the count (capped), the ids of the page's events,
    # those events, their sources, jurisdictions, agencies, requests.
    with django_assert_num_queries(11):
        response = viewer_client.get(reverse("events"))
    assert response.text.count('class="entry entry-event"') == rows


# --- Recording and correcting ---------------------------------------------------------------


def test_an_editor_records_an_event_from_the_form(
    editor_client: Client, place: Jurisdiction, seed_004: Source
) -> None:
    assert editor_client.get(reverse("event-create")).status_code == 200
    response = editor_client.post(
        reverse("event-create"),
        {
            "event-kind": "lawsuit",
            "event-title": "CCR, Cardozo and NDLON sue for the program's records",
            "event-happened_on": "2010",
            "event-jurisdictions": [place.pk],
            "event-sources": [seed_004.pk],
            "event-basis": "stated",
        },
    )
    assert response.status_code == 302
    event = Event.objects.get()
    assert response["Location"].endswith(f"#event-{event.pk}")
    assert event.happened is not None and event.happened.isoformat() == "2010"
    assert list(event.jurisdictions.all()) == [place]
    assert list(event.sources.all()) == [seed_004]


def test_the_form_refuses_a_future_date_and_an_inference_without_reasoning(
    editor_client: Client,
) -> None:
    ahead = (dt.date.today() + dt.timedelta(days=60)).isoformat()
    future = editor_client.post(
        reverse("event-create"),
        {
            "event-kind": "vote",
            "event-title": "Vote",
            "event-happened_on": ahead,
            "event-basis": "stated",
        },
    )
    assert future.status_code == 400
    assert "in the future" in future.text
    unexplained = editor_client.post(
        reverse("event-create"),
        {"event-kind": "vote", "event-title": "Vote", "event-basis": "inferred"},
    )
    assert unexplained.status_code == 400
    assert "Say how it is inferred" in unexplained.text
    assert not Event.objects.exists()


def test_a_viewer_cannot_record_or_edit(viewer_client: Client) -> None:
    event: Event = EventFactory()
    assert viewer_client.get(reverse("event-create")).status_code == 403
    assert viewer_client.post(reverse("event-create"), {}).status_code == 403
    assert viewer_client.get(reverse("event-edit", args=[event.pk])).status_code == 403


def test_an_edit_on_an_old_version_is_refused_naming_the_change(editor_client: Client) -> None:
    event: Event = EventFactory(title="Vote")
    address = reverse("event-edit", args=[event.pk])
    form = editor_client.get(address)
    assert 'value="Vote"' in form.text
    fields = {
        "event-kind": "vote",
        "event-title": "The District votes to opt out",
        "event-basis": "stated",
        "event-version": event.version,
    }
    saved = editor_client.post(address, fields)
    assert saved.status_code == 302
    stale = editor_client.post(address, {**fields, "event-title": "Another title"})
    assert stale.status_code == 409
    assert "changed by someone else" in stale.text
    event.refresh_from_db()
    assert event.title == "The District votes to opt out"


# --- On the timelines -----------------------------------------------------------------------


def test_the_jurisdiction_and_request_pages_show_the_event(
    viewer_client: Client, place: Jurisdiction, seed_004: Source
) -> None:
    event = _arlington_vote(place, seed_004)
    optout = event.requests.get()
    for address in (place.get_absolute_url(), optout.get_absolute_url()):
        page = viewer_client.get(address).text
        assert f'id="event-{event.pk}"' in page, address
        assert "Arlington County votes to opt out" in page
        assert "Seed 004 says counties in Virginia voted." in page


def test_the_public_pages_show_published_events_with_their_citations(
    client: Client, place: Jurisdiction, seed_004: Source
) -> None:
    seed_004.url = "https://example.org/004"
    seed_004.save()
    event = _arlington_vote(place, seed_004, is_public=True)
    optout = event.requests.get()
    optout.is_public = True
    optout.save()
    EventFactory(title="An unpublished event", jurisdictions=[place])
    listing = client.get(reverse("public-events")).text
    assert "Arlington County votes to opt out" in listing
    assert "Inferred from its sources" in listing
    assert "Seed 004 says counties in Virginia voted." in listing
    assert '<a href="https://example.org/004"' in listing
    assert "An unpublished event" not in listing
    timeline = client.get(reverse("public-jurisdiction", args=[place.reference])).text
    assert "Arlington County votes to opt out" in timeline
    assert "Setting the record straight, reversed" in timeline
    assert "An unpublished event" not in timeline
    printable = client.get(reverse("public-events-print")).text
    assert "(https://example.org/004)" in printable


@pytest.mark.parametrize("rows", [5, 50])
def test_the_public_list_costs_the_same_queries_whatever_the_page_size(
    client: Client, place: Jurisdiction, rows: int, django_assert_num_queries: Any
) -> None:
    source = Source.objects.create(seed="000", title="Seed 000")
    for _ in range(rows):
        EventFactory(jurisdictions=[place], sources=[source], is_public=True)
    # Expect 6 queries: the count, the page, its sources, jurisdictions, agencies,
    # requests.
    with django_assert_num_queries(6):
        response = client.get(reverse("public-events"))
    assert response.text.count('class="entry entry-event"') == rows


def test_the_csv_holds_every_event_of_the_filtered_list(
    viewer_client: Client, place: Jurisdiction, seed_004: Source
) -> None:
    vote = _arlington_vote(place, seed_004)
    EventFactory(kind="press", title="Press item")
    response = viewer_client.get(reverse("events"), {"kind": "vote", "format": "csv"})
    assert response.status_code == 200
    rows = csv_rows(response)
    assert [row["reference"] for row in rows] == [vote.reference]
    (row,) = rows
    assert row["happened"] == "" and row["basis"] == "inferred"
    assert row["jurisdictions"] == place.reference
    assert row["sources"] == seed_004.reference
    refused = viewer_client.get(reverse("events"), {"kind": "rumour", "format": "csv"})
    assert refused.status_code == 400
