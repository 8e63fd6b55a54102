"""Events around the cases through the API: CRUD for editors, the public record for all."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rest_framework.test import APIClient

from jurisdictions.models import Jurisdiction
from tests.api.conftest import ids
from tests.conftest import csv_rows
from tests.factories import EventFactory, JurisdictionFactory, RequestFactory
from tracker.models import Event, OptOutRequest, Source

pytestmark = pytest.mark.django_db

URL = "/api/v1/events/"


@pytest.fixture
def place() -> Jurisdiction:
    jurisdiction: Jurisdiction = JurisdictionFactory(name="Arlington County", state="VA")
    return jurisdiction


def test_an_editor_records_an_event_with_its_links_and_sources(
    api: APIClient, place: Jurisdiction
) -> None:
    optout: OptOutRequest = RequestFactory(jurisdiction=place)
    source = Source.objects.create(seed="004", title="Seed 004")
    answer = api.post(
        URL,
        {
            "kind": "vote",
            "title": "Arlington County votes to opt out",
            "jurisdictions": [place.pk],
            "requests": [optout.pk],
            "sources": [source.pk],
            "basis": "inferred",
            "inference": "Seed 004 says counties in Virginia voted.",
        },
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["happened_on"] is None
    assert body["jurisdictions"] == [place.pk] and body["requests"] == [optout.pk]
    assert body["sources"] == [source.pk]
    assert answer["ETag"] == '"1"'
    assert Event.objects.get().basis == "inferred"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "rumour", "title": "T"}, "kind"),
        ({"kind": "vote"}, "title"),
        ({"kind": "vote", "title": "T", "happened_on": "2010-13"}, "happened_on"),
        ({"kind": "vote", "title": "T", "happened_on": "2099"}, "happened_on"),
        ({"kind": "vote", "title": "T", "basis": "inferred"}, "inference"),
        ({"kind": "vote", "title": "T", "jurisdictions": [999999]}, "jurisdictions"),
        ({"kind": "vote", "title": "T", "status": "open"}, "status"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(
    api: APIClient, body: dict[str, Any], field: str
) -> None:
    answer = api.post(URL, body, format="json")
    assert answer.status_code == 400, answer.json()
    assert field in answer.json()["errors"]
    assert not Event.objects.exists()


def test_a_viewer_reads_but_cannot_write(reader: APIClient) -> None:
    event: Event = EventFactory()
    assert reader.get(f"{URL}{event.pk}/").status_code == 200
    assert reader.post(URL, {"kind": "vote", "title": "T"}, format="json").status_code == 403
    answer = reader.patch(f"{URL}{event.pk}/", {"title": "X"}, format="json", HTTP_IF_MATCH='"1"')
    assert answer.status_code == 403


def test_a_change_needs_if_match_and_a_stale_one_is_refused(api: APIClient) -> None:
    event: Event = EventFactory()
    address = f"{URL}{event.pk}/"
    assert api.patch(address, {"title": "X"}, format="json").status_code == 428
    answer = api.patch(
        address, {"happened_on": "2010"}, format="json", HTTP_IF_MATCH=f'"{event.version}"'
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["happened_on"] == "2010"
    stale = api.patch(address, {"title": "Late"}, format="json", HTTP_IF_MATCH=f'"{event.version}"')
    assert stale.status_code == 412
    assert stale.json()["code"] == "stale_record"
    event.refresh_from_db()
    assert event.title != "Late"


def test_only_an_admin_deletes_an_event(api: APIClient, admin_user: Any) -> None:
    event: Event = EventFactory()
    address = f"{URL}{event.pk}/"
    assert api.delete(address, HTTP_IF_MATCH='"1"').status_code == 403
    admin = APIClient()
    admin.force_login(admin_user)
    assert admin.delete(address).status_code == 428
    assert admin.delete(address, HTTP_IF_MATCH='"1"').status_code == 204
    assert not Event.objects.exists()


def test_events_are_filtered_by_kind_jurisdiction_and_date(
    reader: APIClient, place: Jurisdiction
) -> None:
    vote: Event = EventFactory(jurisdictions=[place], happened_on=dt.date(2010, 9, 1))
    through_request: Event = EventFactory(
        kind="lawsuit",
        requests=[RequestFactory(jurisdiction=place)],
        happened_on=dt.date(2010, 1, 1),
        happened_on_precision="year",
    )
    press: Event = EventFactory(kind="press", jurisdictions=[JurisdictionFactory()])
    assert ids(reader.get(URL, {"jurisdiction": place.pk})) == [through_request.pk, vote.pk]
    assert ids(reader.get(URL, {"kind": "lawsuit"})) == [through_request.pk]
    assert ids(reader.get(URL, {"happened_on_after": "2010-06-01"})) == [vote.pk, press.pk]
    assert ids(reader.get(URL, {"happened_on_before": "2010-06-01"})) == [through_request.pk]
    refused = reader.get(URL, {"kind": "rumour"})
    assert refused.status_code == 400 and "kind" in refused.json()["errors"]


def test_the_public_reads_published_events_with_their_sources(
    client: Any, place: Jurisdiction
) -> None:
    source = Source.objects.create(
        seed="003", title="Napolitano Confirms Secure Communities Opt-Out Process"
    )
    hidden_case: OptOutRequest = RequestFactory(jurisdiction=place, is_public=False)
    shown: Event = EventFactory(
        kind="lawsuit",
        title="FOIA lawsuit",
        happened_on=dt.date(2010, 1, 1),
        happened_on_precision="year",
        requests=[hidden_case],
        sources=[source],
        is_public=True,
        notes="Internal only",
    )
    EventFactory(is_public=False)
    anonymous = APIClient()
    answer = anonymous.get(URL)
    assert answer.status_code == 200
    (item,) = answer.json()["results"]
    assert item["id"] == shown.pk
    assert item["happened"] == {"date": "2010", "date_display": "2010"}
    assert item["kind_display"] == "Lawsuit"
    assert item["sources"][0]["seed"] == "003"
    assert item["requests"] == []
    assert "notes" not in item
    assert anonymous.get(URL, {"is_public": "true"}).status_code == 400
    assert anonymous.post(URL, {"kind": "vote", "title": "T"}, format="json").status_code in (
        401,
        403,
    )


@pytest.mark.parametrize("rows", [5, 50])
def test_the_public_list_costs_a_fixed_number_of_queries(
    rows: int, place: Jurisdiction, django_assert_num_queries: Any
) -> None:
    source = Source.objects.create(seed="000", title="Seed 000")
    for _ in range(rows):
        EventFactory(jurisdictions=[place], sources=[source], is_public=True)
    # The count, the page, then its sources, jurisdictions, agencies, requests.
    with django_assert_num_queries(6):
        answer = APIClient().get(URL, {"page_size": 100})
    assert len(answer.json()["results"]) == rows


def test_a_signed_in_reader_downloads_the_filtered_list_as_csv(reader: APIClient) -> None:
    lawsuit: Event = EventFactory(kind="lawsuit", title="FOIA lawsuit")
    EventFactory(kind="vote")
    answer = reader.get(URL, {"kind": "lawsuit", "format": "csv"})
    assert answer.status_code == 200
    assert [row["reference"] for row in csv_rows(answer)] == [lawsuit.reference]
    assert APIClient().get(URL, {"format": "csv"}).status_code == 401
