"""Which statements contradict each other: the rule, the pairs, the days between them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from core.dates import PartialDate
from jurisdictions.models import Agency
from tests.factories import AgencyFactory, StatementFactory
from tracker.domain.selectors import published_statements
from tracker.domain.statements import (
    CONFLICTS,
    DaysBetween,
    conflict_table_markdown,
    contradictions,
    positions_conflict,
)
from tracker.models import Statement

pytestmark = pytest.mark.django_db

P = Statement.Position


@pytest.fixture
def dhs() -> Agency:
    return AgencyFactory(name="Department of Homeland Security", abbreviation="DHS")


@pytest.fixture
def ice(dhs: Agency) -> Agency:
    return AgencyFactory(name="Immigration and Customs Enforcement", abbreviation="ICE", parent=dhs)


@pytest.fixture
def program_office(ice: Agency) -> Agency:
    return AgencyFactory(name="Secure Communities Program Office", parent=ice)


@pytest.fixture
def cbp(dhs: Agency) -> Agency:
    return AgencyFactory(name="Customs and Border Protection", abbreviation="CBP", parent=dhs)


@pytest.fixture
def doj() -> Agency:
    return AgencyFactory(name="Department of Justice", abbreviation="DOJ")


def said(agency: Agency, position: str, when: str, speaker: str = "An official") -> Statement:
    date = PartialDate.parse(when)
    return StatementFactory(
        agency=agency,
        position=position,
        stated_on=date.value,
        stated_on_precision=date.precision,
        speaker=speaker,
        reference=f"{speaker}-{when}".lower().replace(" ", "-"),
    )


def pairs(statements: list[Statement]) -> set[tuple[str, str]]:
    return {(c.earlier.speaker, c.later.speaker) for c in contradictions(statements)}


def test_the_conflict_table_is_symmetric_and_unclear_conflicts_with_nothing() -> None:
    for position in P:
        for other in P:
            assert positions_conflict(position, other) == positions_conflict(other, position)
    assert CONFLICTS[P.UNCLEAR] == frozenset()
    assert positions_conflict(P.POSSIBLE, P.IMPOSSIBLE)
    assert positions_conflict(P.CONDITIONAL, P.IMPOSSIBLE)
    assert not positions_conflict(P.POSSIBLE, P.CONDITIONAL)
    assert not positions_conflict(P.IMPOSSIBLE, P.IMPOSSIBLE)


def test_it_pairs_conflicting_statements_of_the_same_agency_earlier_first(dhs: Agency) -> None:
    later = said(dhs, P.IMPOSSIBLE, "2010-10-06", "Napolitano in October")
    earlier = said(dhs, P.POSSIBLE, "2010-09-07", "Napolitano in September")
    (pair,) = contradictions([later, earlier])
    assert (pair.earlier, pair.later) == (earlier, later)
    assert pair.relation == "the same agency (DHS)"
    assert pair.days == DaysBetween(29, 29)
    assert pair.days.display() == "29 days"
    assert pair.order_certain


def test_it_pairs_an_agency_with_its_parent_and_grandparent(
    dhs: Agency, ice: Agency, program_office: Agency
) -> None:
    ice_possible = said(ice, P.POSSIBLE, "2010-08", "ICE memo")
    dhs_impossible = said(dhs, P.IMPOSSIBLE, "2010-10-06", "Secretary")
    office_conditional = said(program_office, P.CONDITIONAL, "2010-09-01", "Program office")
    found = contradictions([ice_possible, dhs_impossible, office_conditional])
    assert {(c.earlier.speaker, c.later.speaker, c.relation) for c in found} == {
        ("ICE memo", "Secretary", "ICE is part of DHS"),
        ("Program office", "Secretary", "Secure Communities Program Office is part of DHS"),
    }


def test_it_never_pairs_unrelated_or_sibling_agencies(
    dhs: Agency, ice: Agency, cbp: Agency, doj: Agency
) -> None:
    statements = [
        said(doj, P.POSSIBLE, "2010-09-08", "DOJ"),
        said(dhs, P.IMPOSSIBLE, "2010-10-06", "DHS"),
        said(ice, P.POSSIBLE, "2010-08", "ICE"),
        said(cbp, P.IMPOSSIBLE, "2010-10-07", "CBP"),
    ]
    # DOJ is no part of DHS; ICE and CBP are both under DHS but neither speaks for the other.
    assert pairs(statements) == {("ICE", "DHS")}


def test_it_never_pairs_the_same_position_or_an_unclear_one(dhs: Agency, ice: Agency) -> None:
    statements = [
        said(ice, P.POSSIBLE, "2010-08", "ICE"),
        said(dhs, P.POSSIBLE, "2010-09-07", "DHS"),
        said(dhs, P.UNCLEAR, "2010-09-20", "DHS asks"),
        said(ice, P.UNCLEAR, "2010-10-01", "ICE evades"),
        said(dhs, P.CONDITIONAL, "2010-10-02", "DHS conditions"),
    ]
    assert pairs(statements) == set()


def test_a_known_set_gives_exactly_the_right_pairs(
    dhs: Agency, ice: Agency, program_office: Agency, cbp: Agency, doj: Agency
) -> None:
    statements = [
        said(ice, P.POSSIBLE, "2010-08", "ICE memo"),
        said(dhs, P.POSSIBLE, "2010-09-07", "Secretary letter"),
        said(doj, P.POSSIBLE, "2010-09-08", "DOJ letter"),
        said(ice, P.IMPOSSIBLE, "2010-09", "ICE official"),
        said(dhs, P.IMPOSSIBLE, "2010-10-06", "Secretary press"),
        said(program_office, P.CONDITIONAL, "2010-07-01", "Office"),
        said(cbp, P.IMPOSSIBLE, "2010-11", "CBP"),
        said(doj, P.UNCLEAR, "2010-10", "DOJ asks"),
    ]
    assert pairs(statements) == {
        ("ICE memo", "ICE official"),
        ("ICE memo", "Secretary press"),
        ("Secretary letter", "ICE official"),
        ("Secretary letter", "Secretary press"),
        ("Office", "ICE official"),
        ("Office", "Secretary press"),
        ("Secretary letter", "CBP"),
    }


def test_pairs_come_in_date_order(dhs: Agency) -> None:
    statements = [
        said(dhs, P.IMPOSSIBLE, "2010-12-01", "D"),
        said(dhs, P.POSSIBLE, "2010-11-01", "C"),
        said(dhs, P.POSSIBLE, "2010-01-01", "A"),
    ]
    assert [(c.earlier.speaker, c.later.speaker) for c in contradictions(statements)] == [
        ("A", "D"),
        ("C", "D"),
    ]


def test_days_between_partial_dates_run_from_the_bounds_of_each_period(
    dhs: Agency, ice: Agency
) -> None:
    memo = said(ice, P.POSSIBLE, "2010-08", "ICE memo")
    letter = said(dhs, P.IMPOSSIBLE, "2010-09-07", "Secretary")
    (pair,) = contradictions([memo, letter])
    # From 31 August (the latest the memo can be) to 7 September, and from 1 August.
    assert pair.days == DaysBetween(7, 37)
    assert pair.days.display() == "7 to 37 days"
    assert pair.order_certain


def test_a_day_inside_a_month_sorts_by_the_middle_of_the_month_and_is_flagged_uncertain(
    dhs: Agency, ice: Agency
) -> None:
    official = said(ice, P.IMPOSSIBLE, "2010-09", "ICE official")
    letter = said(dhs, P.POSSIBLE, "2010-09-07", "Secretary")
    (pair,) = contradictions([official, letter])
    assert (pair.earlier, pair.later) == (letter, official)
    assert pair.days == DaysBetween(0, 23)
    assert not pair.order_certain


def test_a_statement_without_a_date_is_paired_last_with_no_days(dhs: Agency) -> None:
    undated: Statement = StatementFactory(agency=dhs, position=P.IMPOSSIBLE, stated_on=None)
    dated = said(dhs, P.POSSIBLE, "2010-09-07", "Secretary")
    (pair,) = contradictions([undated, dated])
    assert (pair.earlier, pair.later, pair.days) == (dated, undated, None)
    assert not pair.order_certain


def test_the_2010_record_pairs_the_7_september_letter_with_the_6_october_statement(
    record_2010: None,
) -> None:
    found = {c.key: c for c in contradictions(published_statements())}
    pair = found["2010-09-07-napolitano--2010-10-06-napolitano"]
    assert pair.days == DaysBetween(29, 29)
    assert "2010-08-ice-setting-the-record-straight--2010-09-ice-official-washington-post" in found
    involved = {c.earlier.reference for c in found.values()} | {
        c.later.reference for c in found.values()
    }
    # DOJ's letter has no DOJ statement to contradict: it is paired only across agencies,
    # on their shared topic. Lofgren's letter asks, it does not assert.
    assert all(c.across_agencies for c in found.values() if "2010-09-08-weich" in c.key)
    assert "2010-09-08-weich--2010-10-06-napolitano" in found
    assert "2010-07-27-lofgren" not in involved


def test_the_2010_record_has_exactly_the_expected_pairs(record_2010: None) -> None:
    keys = {c.key for c in contradictions(published_statements())}
    assert keys == {
        "2010-08-ice-setting-the-record-straight--2010-09-ice-official-washington-post",
        "2010-08-ice-setting-the-record-straight--2010-10-06-napolitano",
        "2010-08-ice-setting-the-record-straight--2010-10-06-ice-official-twi",
        "2010-09-07-napolitano--2010-09-ice-official-washington-post",
        "2010-09-07-napolitano--2010-10-06-napolitano",
        "2010-09-07-napolitano--2010-10-06-ice-official-twi",
        # ICE's undated statements (seed 001): its website's opt-out steps against the
        # reversal, and its official's confirmation against the steps.
        "2010-08-ice-setting-the-record-straight--2010-ice-official-fingerprints-without-consent",
        "2010-09-07-napolitano--2010-ice-official-fingerprints-without-consent",
        "2010-ice-official-fingerprints-without-consent--2010-ice-website-opt-out-steps",
        "2010-09-ice-official-washington-post--2010-ice-website-opt-out-steps",
        "2010-10-06-napolitano--2010-ice-website-opt-out-steps",
        "2010-10-06-ice-official-twi--2010-ice-website-opt-out-steps",
        # DOJ against the reversal, across agencies on whether localities can opt out.
        "2010-09-08-weich--2010-09-ice-official-washington-post",
        "2010-09-08-weich--2010-10-06-napolitano",
        "2010-09-08-weich--2010-10-06-ice-official-twi",
    }


@pytest.mark.parametrize("rows", [5, 50])
def test_finding_contradictions_takes_the_same_queries_for_5_and_50_statements(
    rows: int, program_office: Agency, django_assert_num_queries: Any
) -> None:
    for n in range(rows):
        StatementFactory(
            agency=program_office,
            position=P.IMPOSSIBLE if n % 2 else P.POSSIBLE,
            stated_on=dt.date(2010, 1, 1) + dt.timedelta(days=n),
        )
    # Expect 3 queries: statements with their agencies, then one per level of
    # the agency tree above the program office (ICE, then DHS).
    with django_assert_num_queries(3):
        found = contradictions(Statement.objects.select_related("agency"))
    assert len(found) == (rows // 2) * ((rows + 1) // 2)


def test_the_public_record_page_shows_the_current_conflict_table() -> None:
    page = Path(__file__).resolve().parents[2] / "docs" / "public-record.md"
    assert conflict_table_markdown() in page.read_text()


def test_the_pairs_can_be_read_a_page_at_a_time(dhs: Agency) -> None:
    statements = [
        said(dhs, P.POSSIBLE if n % 2 else P.IMPOSSIBLE, f"2010-0{n + 1}", f"S{n}")
        for n in range(6)
    ]
    found = contradictions(statements)
    assert len(found) == 9
    assert found[2:4] == [found[2], found[3]]
    assert [(c.earlier.speaker, c.later.speaker) for c in found[:2]] == [("S0", "S1"), ("S0", "S3")]
