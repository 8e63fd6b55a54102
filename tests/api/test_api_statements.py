"""Statements and their contradictions through the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rest_framework.test import APIClient

from jurisdictions.models import Agency
from tests.api.conftest import ids
from tests.factories import AgencyFactory, StatementFactory
from tracker.models import Statement

pytestmark = pytest.mark.django_db

P = Statement.Position


@pytest.fixture
def family() -> dict[str, Agency]:
    dhs: Agency = AgencyFactory(name="Department of Homeland Security", abbreviation="DHS")
    ice: Agency = AgencyFactory(
        name="Immigration and Customs Enforcement", abbreviation="ICE", parent=dhs
    )
    office: Agency = AgencyFactory(name="Secure Communities", parent=ice)
    doj: Agency = AgencyFactory(name="Department of Justice", abbreviation="DOJ")
    found: dict[str, Agency] = {"dhs": dhs, "ice": ice, "office": office, "doj": doj}
    return found


def said(agency: Agency, position: str, day: str, speaker: str, **extra: Any) -> Statement:
    statement: Statement = StatementFactory(
        agency=agency,
        position=position,
        stated_on=dt.date.fromisoformat(day),
        speaker=speaker,
        **extra,
    )
    return statement


def test_statements_are_filtered_by_agency_and_optionally_its_parts(
    reader: APIClient, family: dict[str, Agency]
) -> None:
    by_dhs = said(family["dhs"], P.POSSIBLE, "2010-09-07", "Janet Napolitano")
    by_office = said(family["office"], P.IMPOSSIBLE, "2010-10-06", "A program official")
    said(family["doj"], P.POSSIBLE, "2010-09-08", "Ronald Weich")
    assert ids(reader.get("/api/v1/statements/", {"agency": family["dhs"].pk})) == [by_dhs.pk]
    with_parts = reader.get(
        "/api/v1/statements/",
        {"agency": family["dhs"].pk, "include_parts": "true", "ordering": "stated_on"},
    )
    assert ids(with_parts) == [by_dhs.pk, by_office.pk]


def test_statements_are_filtered_by_speaker_positions_and_date(
    reader: APIClient, family: dict[str, Agency]
) -> None:
    napolitano = said(family["dhs"], P.POSSIBLE, "2010-09-07", "Janet Napolitano")
    october = said(family["dhs"], P.IMPOSSIBLE, "2010-10-06", "Secretary Napolitano")
    weich = said(family["doj"], P.CONDITIONAL, "2010-09-08", "Ronald Weich")
    said(family["ice"], P.UNCLEAR, "2010-07-27", "A spokesperson")
    assert sorted(ids(reader.get("/api/v1/statements/", {"speaker": "napolitano"}))) == sorted(
        [napolitano.pk, october.pk]
    )
    several = reader.get(
        "/api/v1/statements/", {"position": ["possible", "conditional"], "ordering": "id"}
    )
    assert ids(several) == [napolitano.pk, weich.pk]
    september = reader.get(
        "/api/v1/statements/",
        {"stated_on_after": "2010-09-01", "stated_on_before": "2010-09-30", "ordering": "id"},
    )
    assert ids(september) == [napolitano.pk, weich.pk]


@pytest.mark.parametrize(
    "params",
    [{"position": "maybe"}, {"stated_on_after": "2010-02-30"}, {"agency": "999999"}],
)
def test_a_bad_statement_filter_is_a_400(reader: APIClient, params: dict[str, str]) -> None:
    response = reader.get("/api/v1/statements/", params)
    assert response.status_code == 400
    assert response.json()["errors"]


def test_the_fixtures_7_september_letter_and_6_october_statement_are_a_pair(
    reader: APIClient, record_2010: None
) -> None:
    for client in (reader, APIClient()):
        body = client.get("/api/v1/statements/contradictions/", {"page_size": 200}).json()
        keys = [pair["key"] for pair in body["results"]]
        assert "2010-09-07-napolitano--2010-10-06-napolitano" in keys
        (pair,) = [
            p for p in body["results"] if p["key"] == "2010-09-07-napolitano--2010-10-06-napolitano"
        ]
        assert pair["earlier"]["reference"] == "2010-09-07-napolitano"
        assert (pair["days_fewest"], pair["days_most"], pair["days_display"]) == (29, 29, "29 days")
        assert pair["earlier"]["source_url"] or pair["earlier"]["source_title"]


def test_contradictions_pair_an_agency_with_its_parent_in_date_order(
    reader: APIClient, family: dict[str, Agency]
) -> None:
    later = said(family["ice"], P.IMPOSSIBLE, "2010-10-06", "ICE official")
    earlier = said(family["dhs"], P.POSSIBLE, "2010-09-07", "Janet Napolitano")
    said(family["doj"], P.IMPOSSIBLE, "2010-10-01", "Not related")
    body = reader.get("/api/v1/statements/contradictions/").json()
    assert body["count"] == 1
    (pair,) = body["results"]
    assert (pair["earlier"]["id"], pair["later"]["id"]) == (earlier.pk, later.pk)
    assert pair["relation"] == "ICE is part of DHS"
    assert pair["order_certain"] is True


def test_contradictions_are_filtered_by_agency(
    reader: APIClient, family: dict[str, Agency]
) -> None:
    said(family["ice"], P.IMPOSSIBLE, "2010-10-06", "ICE official")
    said(family["dhs"], P.POSSIBLE, "2010-09-07", "Janet Napolitano")
    said(family["office"], P.POSSIBLE, "2010-08-01", "Program office")
    url = "/api/v1/statements/contradictions/"
    assert reader.get(url).json()["count"] == 2
    assert reader.get(url, {"agency": family["office"].pk}).json()["count"] == 1
    assert reader.get(url, {"agency": family["doj"].pk}).json()["count"] == 0
    assert (
        reader.get(url, {"agency": family["ice"].pk, "include_parts": "true"}).json()["count"] == 2
    )
    assert reader.get(url, {"agency": "nope"}).status_code == 400


def test_signed_in_readers_see_contradictions_of_unpublished_statements_and_the_public_does_not(
    reader: APIClient, family: dict[str, Agency]
) -> None:
    said(family["dhs"], P.POSSIBLE, "2010-09-07", "Published", is_public=True)
    said(family["dhs"], P.IMPOSSIBLE, "2010-10-06", "Not published", is_public=False)
    url = "/api/v1/statements/contradictions/"
    assert reader.get(url).json()["count"] == 1
    assert APIClient().get(url).json()["count"] == 0


def _statements(n: int) -> None:
    dhs = AgencyFactory(abbreviation="DHS")
    ice = AgencyFactory(abbreviation="ICE", parent=dhs)
    office = AgencyFactory(abbreviation="SC", parent=ice)
    for i in range(n):
        said(ice if i % 2 else office, P.POSSIBLE if i % 3 else P.IMPOSSIBLE, "2010-09-07", f"S{i}")


@pytest.mark.parametrize("rows", [5, 50])
def test_contradictions_cost_a_fixed_number_of_queries(
    reader: APIClient, django_assert_num_queries: Any, rows: int
) -> None:
    _statements(rows)
    # session, user, user permissions, group permissions; the statements with their
    # agencies, their sources, the agencies above them that said nothing (one query per
    # level: DHS)
    with django_assert_num_queries(7):
        response = reader.get("/api/v1/statements/contradictions/")
    assert response.json()["count"] > 0
    # The same without signing in: the published statements, their sources, the
    # agencies above them.
    Statement.objects.update(is_public=True)
    with django_assert_num_queries(3):
        response = APIClient().get("/api/v1/statements/contradictions/")
    assert response.json()["count"] > 0
