"""Correspondence not tied to one request, and statements contradicting across agencies."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from core.dates import PartialDate
from jurisdictions.models import Agency
from tests.correspondence import (
    LOFGREN_THREAD,
    WEICH_NAPOLITANO,
    WEICH_NAPOLITANO_LABEL,
)
from tests.factories import AgencyFactory, JurisdictionFactory, StatementFactory
from tracker.domain import selectors, services
from tracker.domain.selectors import Audience
from tracker.domain.statements import contradictions
from tracker.models import CorrespondenceThread, OptOutRequest, Statement, ThreadLetter

pytestmark = pytest.mark.django_db

P = Statement.Position
T = Statement.Topic


# --- The 2010 record ---------------------------------------------------------------------


def test_the_lofgren_thread_concerns_all_four_requests_and_holds_three_letters(
    record_2010: None,
) -> None:
    thread = CorrespondenceThread.objects.get(reference=LOFGREN_THREAD)
    assert set(thread.requests.values_list("reference", flat=True)) == {
        "arlington-2010",
        "san-francisco-2010",
        "santa-clara-2010",
        "dc-2010",
    }
    letters = list(selectors.thread_letters(thread))
    assert [(str(letter.sent), letter.statement.reference) for letter in letters] == [
        ("27 July 2010", "2010-07-27-lofgren"),
        ("7 September 2010", "2010-09-07-napolitano"),
        ("8 September 2010", "2010-09-08-weich"),
    ]
    assert [letter.sender_agency.reference for letter in letters] == [
        "house-immigration-subcommittee",
        "dhs",
        "doj",
    ]
    # The two seeds disagree on when Lofgren wrote; the record keeps the explicit date.
    assert "last month" in letters[0].notes
    assert set(thread.sources.values_list("reference", flat=True)) >= {"seed-000", "seed-003"}


def test_every_correspondence_record_is_valid(record_2010: None) -> None:
    for item in [*CorrespondenceThread.objects.all(), *ThreadLetter.objects.all()]:
        item.full_clean()
        assert all(source.seed for source in item.sources.all())
        assert item.sources.exists()


def test_load_record_loads_the_correspondence_once() -> None:
    call_command("load_record", verbosity=0)
    call_command("load_record", verbosity=0)
    assert CorrespondenceThread.objects.count() == 1
    assert ThreadLetter.objects.count() == 3


def test_each_of_the_four_cases_shows_the_thread(record_2010: None) -> None:
    for optout in OptOutRequest.objects.all():
        threads = selectors.request_threads(optout)
        assert [t.reference for t in threads] == [LOFGREN_THREAD]
        assert len(threads[0].shown_letters) == 3


def test_weich_and_the_reversal_are_paired_across_agencies(record_2010: None) -> None:
    found = {c.key: c for c in contradictions(selectors.published_statements())}
    pair = found[WEICH_NAPOLITANO]
    assert pair.across_agencies
    assert pair.label == WEICH_NAPOLITANO_LABEL
    assert pair.earlier.reference == "2010-09-08-weich"
    assert pair.days is not None and pair.days.fewest == 28
    assert pair.order_certain
    # DOJ against ICE too; the pairs within DHS's family stay as they were, once each.
    assert "2010-09-08-weich--2010-10-06-ice-official-twi" in found
    assert found["2010-09-07-napolitano--2010-10-06-napolitano"].across_agencies is False
    assert len(found) == len(contradictions(selectors.published_statements()))
    # Rep. Lofgren asks; she contradicts no one.
    assert not any("lofgren" in key for key in found)
    # The pair rests on the shared topic: without it, DOJ and DHS are not paired.
    Statement.objects.filter(reference="2010-09-08-weich").update(topic="")
    after = {c.key for c in contradictions(selectors.published_statements())}
    assert WEICH_NAPOLITANO not in after
    assert set(found) - after == {key for key in found if "weich" in key}


# --- Pairs across agencies, by topic ---------------------------------------------------


@pytest.fixture
def agencies() -> dict[str, Agency]:
    dhs: Agency = AgencyFactory(name="Department of Homeland Security", abbreviation="DHS")
    ice: Agency = AgencyFactory(name="Immigration", abbreviation="ICE", parent=dhs)
    cbp: Agency = AgencyFactory(name="Border", abbreviation="CBP", parent=dhs)
    doj: Agency = AgencyFactory(name="Department of Justice", abbreviation="DOJ")
    return {"dhs": dhs, "ice": ice, "cbp": cbp, "doj": doj}


def said(agency: Agency, position: str, when: str, topic: str = "", name: str = "") -> Statement:
    date = PartialDate.parse(when)
    statement: Statement = StatementFactory(
        agency=agency,
        position=position,
        topic=topic,
        stated_on=date.value,
        stated_on_precision=date.precision,
        reference=name or f"{agency.abbreviation}-{when}".lower(),
    )
    return statement


def keys(statements: list[Statement]) -> set[str]:
    return {c.key for c in contradictions(statements)}


def test_unrelated_agencies_are_paired_only_on_a_shared_topic(agencies: dict[str, Agency]) -> None:
    doj = said(agencies["doj"], P.POSSIBLE, "2010-09-08", T.OPT_OUT)
    dhs = said(agencies["dhs"], P.IMPOSSIBLE, "2010-10-06", T.OPT_OUT)
    other = said(agencies["dhs"], P.IMPOSSIBLE, "2010-10-07", T.LOCAL_CONSENT, "dhs-other")
    untopical = said(agencies["doj"], P.POSSIBLE, "2010-09-09", "", "doj-untopical")
    assert keys([doj, dhs, other, untopical]) == {"doj-2010-09-08--dhs-2010-10-06"}


def test_sibling_agencies_are_paired_on_a_shared_topic(agencies: dict[str, Agency]) -> None:
    ice = said(agencies["ice"], P.CONDITIONAL, "2010-08", T.OPT_OUT)
    cbp = said(agencies["cbp"], P.IMPOSSIBLE, "2010-10-06", T.OPT_OUT)
    (pair,) = contradictions([cbp, ice])
    assert (pair.earlier, pair.later) == (ice, cbp)
    assert pair.label == "ICE (August 2010) vs CBP (6 October 2010)"
    assert "whether localities can opt out" in pair.relation


def test_a_family_pair_with_a_topic_is_found_once_as_a_family_pair(
    agencies: dict[str, Agency],
) -> None:
    ice = said(agencies["ice"], P.POSSIBLE, "2010-08-01", T.OPT_OUT)
    dhs = said(agencies["dhs"], P.IMPOSSIBLE, "2010-10-06", T.OPT_OUT)
    found = list(contradictions([ice, dhs]))
    assert len(found) == 1
    assert not found[0].across_agencies
    assert found[0].relation == "ICE is part of DHS"


def test_overlapping_dates_across_agencies_are_flagged_uncertain(
    agencies: dict[str, Agency],
) -> None:
    # "September 2010" (the Post's ICE official) may fall before or after 8 September.
    doj = said(agencies["doj"], P.POSSIBLE, "2010-09-08", T.OPT_OUT)
    ice = said(agencies["ice"], P.IMPOSSIBLE, "2010-09", T.OPT_OUT)
    (pair,) = contradictions([doj, ice])
    assert not pair.order_certain
    assert pair.days is not None and (pair.days.fewest, pair.days.most) == (0, 22)


def test_the_same_position_is_never_a_contradiction_across_agencies(
    agencies: dict[str, Agency],
) -> None:
    a = said(agencies["doj"], P.POSSIBLE, "2010-09-08", T.OPT_OUT)
    b = said(agencies["dhs"], P.POSSIBLE, "2010-09-07", T.OPT_OUT)
    c = said(agencies["dhs"], P.UNCLEAR, "2010-09-09", T.OPT_OUT, "dhs-unclear")
    assert keys([a, b, c]) == set()


@pytest.mark.parametrize("rows", [6, 40])
def test_pairs_across_agencies_take_no_more_queries_with_more_statements(
    rows: int, agencies: dict[str, Agency], django_assert_num_queries: Any
) -> None:
    for n in range(rows):
        StatementFactory(
            agency=agencies["doj"] if n % 2 else agencies["ice"],
            position=P.POSSIBLE if n % 2 else P.IMPOSSIBLE,
            topic=T.OPT_OUT,
            stated_on=dt.date(2010, 1, 1) + dt.timedelta(days=n),
        )
    # Expect 2 queries: statements with their agencies, then ICE's parent (DHS).
    with django_assert_num_queries(2):
        found = contradictions(Statement.objects.select_related("agency"))
        described = found[:]
    assert len(found) == (rows // 2) ** 2
    assert all(pair.across_agencies for pair in described)


# --- Services ------------------------------------------------------------------------------


def test_a_thread_is_opened_with_many_requests_or_none(editor: Any) -> None:
    first = services.request_open(jurisdiction=JurisdictionFactory(), title="A", by=editor)
    second = services.request_open(jurisdiction=JurisdictionFactory(), title="B", by=editor)
    linked = services.thread_open(by=editor, title="Lofgren", requests=[first, second])
    alone = services.thread_open(by=editor, title="Not yet linked")
    assert set(linked.requests.all()) == {first, second}
    assert not alone.requests.exists()
    assert linked.history.first().history_user == editor
    assert [t.pk for t in selectors.request_threads(first)] == [linked.pk]


def test_a_refused_thread_or_letter_writes_nothing(editor: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        services.thread_open(by=editor, title="")
    assert "title" in refused.value.error_dict
    thread = services.thread_open(by=editor, title="Lofgren")
    with pytest.raises(ValidationError) as refused:
        services.thread_letter_log(
            by=editor,
            thread=thread,
            sender="Rep. Zoe Lofgren",
            recipients="Napolitano",
            subject="Opting out",
            sent_on=PartialDate(dt.date.today() + dt.timedelta(days=40)),
        )
    assert "sent_on" in refused.value.error_dict
    assert CorrespondenceThread.objects.count() == 1
    assert not ThreadLetter.objects.exists()


def test_a_letter_is_logged_with_its_agencies_and_statement(editor: Any) -> None:
    dhs: Agency = AgencyFactory(abbreviation="DHS")
    house: Agency = AgencyFactory(abbreviation="House")
    statement: Statement = StatementFactory(agency=dhs, position=P.POSSIBLE)
    thread = services.thread_open(by=editor, title="Lofgren")
    letter = services.thread_letter_log(
        by=editor,
        thread=thread,
        sender="Secretary Janet Napolitano",
        sender_agency=dhs,
        recipients="Rep. Zoe Lofgren",
        recipient_agencies=[house],
        subject="The steps",
        sent_on=PartialDate.parse("2010-09-07"),
        statement=statement,
    )
    assert list(letter.recipient_agencies.all()) == [house]
    assert letter.statement == statement
    assert str(letter.sent) == "7 September 2010"


def test_an_edit_is_versioned_and_a_stale_one_refused(editor: Any, viewer: Any) -> None:
    thread = services.thread_open(by=editor, title="Lofgren")
    optout = services.request_open(jurisdiction=JurisdictionFactory(), title="A", by=editor)
    read_at = thread.version
    services.record_edit(
        thread,
        by=editor,
        expected_version=read_at,
        values={"title": "Rep. Lofgren's letter"},
        m2m={"requests": [optout]},
    )
    thread.refresh_from_db()
    assert thread.version == read_at + 1
    assert list(thread.requests.all()) == [optout]
    with pytest.raises(services.StaleRecord):
        services.record_edit(thread, by=editor, expected_version=read_at, values={"summary": "x"})


def test_the_public_sees_only_published_threads_and_letters(editor: Any) -> None:
    public_request = services.request_open(
        jurisdiction=JurisdictionFactory(), title="Public", by=editor, is_public=True
    )
    private_request = services.request_open(
        jurisdiction=JurisdictionFactory(), title="Private", by=editor
    )
    shown = services.thread_open(
        by=editor, title="Shown", requests=[public_request, private_request], is_public=True
    )
    hidden = services.thread_open(by=editor, title="Hidden", requests=[public_request])
    for public, subject in ((True, "Published"), (False, "Kept back")):
        services.thread_letter_log(
            by=editor,
            thread=shown,
            sender="Rep. Lofgren",
            recipients="DHS",
            subject=subject,
            is_public=public,
        )
    services.thread_letter_log(
        by=editor, thread=hidden, sender="x", recipients="y", subject="z", is_public=True
    )
    public = Audience.PUBLIC
    assert [t.title for t in selectors.threads_list(audience=public)] == ["Shown"]
    assert [t.letter_count for t in selectors.threads_list(audience=public)] == [1]
    assert [t.request_count for t in selectors.threads_list(audience=public)] == [1]
    assert [x.subject for x in selectors.thread_letters(shown, audience=public)] == ["Published"]
    assert not selectors.thread_letters(hidden, audience=public).exists()
    assert list(selectors.thread_requests(shown, audience=public)) == [public_request]
    assert [t.title for t in selectors.request_threads(public_request, audience=public)] == [
        "Shown"
    ]
    hidden_letter = ThreadLetter.objects.get(thread=hidden)
    assert hidden_letter.is_public and not selectors.is_published(hidden_letter)
