"""The charts' reads: reply times per agency, cases by status over time, letters
awaiting a reply by age; counted in the database, for the staff or the public."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from core.dates import DatePrecision, PartialDate
from tests.factories import AgencyFactory, LetterFactory, RequestFactory, ResponseFactory
from tracker.domain import charts, selectors
from tracker.domain.selectors import Audience
from tracker.models import Letter, Transition

pytestmark = pytest.mark.django_db

TODAY = dt.date(2011, 6, 1)


def _by_agency(audience: Audience = Audience.STAFF) -> dict[str, charts.AgencyReplies]:
    return {row.agency.name: row for row in charts.agency_replies(audience=audience, today=TODAY)}


def test_a_reply_known_to_the_day_counts_in_its_band_and_the_median() -> None:
    ice = AgencyFactory(name="ICE")
    for sent, replied in [
        (dt.date(2010, 9, 1), dt.date(2010, 9, 21)),
        (dt.date(2010, 9, 1), dt.date(2010, 11, 30)),
    ]:
        request = RequestFactory()
        letter = LetterFactory(request=request, recipients=[ice], sent_on=sent)
        ResponseFactory(request=request, letter=letter, agency=ice, responded_on=replied)
    row = _by_agency()["ICE"]
    assert row.letters == 2
    assert row.bands["within_30"] == 1  # 20 days
    assert row.bands["within_90"] == 1  # 90 days
    assert row.median_days == 55.0
    assert row.never_answered == 0
    assert row.share_never_answered == 0


def test_letters_with_no_reply_are_waiting_until_due_then_never_answered() -> None:
    sib = AgencyFactory(name="SIB")
    LetterFactory(recipients=[sib], sent_on=dt.date(2010, 9, 10))  # due 10 October 2010
    LetterFactory(recipients=[sib], sent_on=dt.date(2011, 5, 20))  # due 19 June 2011
    row = _by_agency()["SIB"]
    assert (row.bands["never_answered"], row.bands["waiting"]) == (1, 1)
    assert row.median_days is None
    assert row.share_never_answered == 1.0


def test_a_reply_known_only_to_the_month_is_counted_apart() -> None:
    ice = AgencyFactory(name="ICE")
    request = RequestFactory()
    letter = LetterFactory(request=request, recipients=[ice])
    ResponseFactory(
        request=request,
        letter=letter,
        agency=ice,
        responded_on=dt.date(2010, 11, 1),
        responded_on_precision=DatePrecision.MONTH,
    )
    row = _by_agency()["ICE"]
    assert row.bands["imprecise"] == 1
    assert sum(row.bands[key] for key, *_rest in charts.REPLY_BANDS) == 0


def test_the_public_counts_only_published_letters_and_replies() -> None:
    ice = AgencyFactory(name="ICE")
    shown = RequestFactory(is_public=True)
    published = LetterFactory(request=shown, recipients=[ice], is_public=True)
    ResponseFactory(
        request=shown, letter=published, agency=ice, responded_on=dt.date(2010, 9, 20)
    )  # the reply itself is not published
    LetterFactory(request=shown, recipients=[ice])  # not published
    LetterFactory(request=RequestFactory(), recipients=[ice], is_public=True)  # request hidden
    public = _by_agency(Audience.PUBLIC)["ICE"]
    assert public.letters == 1
    assert public.bands["never_answered"] == 1
    assert _by_agency()["ICE"].letters == 3


def test_reply_times_take_two_queries_however_many_letters(django_assert_num_queries: Any) -> None:
    for name in ("ICE", "SIB", "Sheriff"):
        agency = AgencyFactory(name=name)
        for _ in range(3):
            LetterFactory(recipients=[agency])
    # Expect 2 queries: the counts per agency, the agencies.
    with django_assert_num_queries(2):
        assert len(charts.agency_replies(audience=Audience.STAFF, today=TODAY)) == 3


def _move(request: Any, at: dt.datetime, from_state: str, to_state: str) -> None:
    moved = Transition.objects.create(request=request, from_state=from_state, to_state=to_state)
    Transition.objects.filter(pk=moved.pk).update(at=at, happened_on=at.date())


def _at(year: int, month: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, 15, 12))


def test_cases_by_status_follow_the_status_log_month_by_month() -> None:
    request = RequestFactory()
    Transition.objects.filter(request=request).update(
        at=_at(2011, 1), happened_on=dt.date(2011, 1, 15)
    )
    _move(request, _at(2011, 3), "draft", "notice_sent")
    months = charts.cases_by_status(audience=Audience.STAFF, today=dt.date(2011, 4, 2))
    counts = {m.month: (m.counts["draft"], m.counts["notice_sent"]) for m in months}
    assert counts == {
        dt.date(2011, 1, 1): (1, 0),
        dt.date(2011, 2, 1): (1, 0),
        dt.date(2011, 3, 1): (0, 1),
        dt.date(2011, 4, 1): (0, 1),
    }


def test_a_request_without_a_status_log_counts_from_the_month_it_opened() -> None:
    request = RequestFactory(opened_on=dt.date(2010, 9, 7))
    Transition.objects.filter(request=request).delete()
    type(request).objects.filter(pk=request.pk).update(status="notice_sent")
    months = charts.cases_by_status(audience=Audience.STAFF, today=dt.date(2010, 10, 1))
    assert [(m.month, m.counts["notice_sent"], m.total) for m in months] == [
        (dt.date(2010, 9, 1), 1, 1),
        (dt.date(2010, 10, 1), 1, 1),
    ]


def test_the_public_status_chart_counts_only_published_requests() -> None:
    RequestFactory(is_public=True)
    RequestFactory()
    today = timezone.localdate()
    assert charts.cases_by_status(audience=Audience.PUBLIC, today=today)[-1].total == 1
    assert charts.cases_by_status(audience=Audience.STAFF, today=today)[-1].total == 2


def test_cases_by_status_take_three_queries(django_assert_num_queries: Any) -> None:
    for _ in range(4):
        RequestFactory()
    # Expect 3 queries: moves into each state per month, moves out of each, and the
    # requests with no status log by the month they opened.
    with django_assert_num_queries(3):
        charts.cases_by_status(audience=Audience.STAFF)


SENT = [
    (dt.date(2011, 5, 25), DatePrecision.DAY),
    (dt.date(2011, 5, 1), DatePrecision.MONTH),
    (dt.date(2011, 3, 3), DatePrecision.DAY),
    (dt.date(2011, 3, 1), DatePrecision.MONTH),
    (dt.date(2011, 1, 1), DatePrecision.MONTH),
    (dt.date(2010, 12, 1), DatePrecision.MONTH),
    (dt.date(2010, 6, 2), DatePrecision.DAY),
    (dt.date(2010, 6, 1), DatePrecision.MONTH),
    (dt.date(2010, 1, 1), DatePrecision.YEAR),
    (dt.date(2009, 1, 1), DatePrecision.YEAR),
    (dt.date(2009, 6, 2), DatePrecision.DAY),
]


def _band_of(days: int) -> str:
    found = [key for key, _label, fewest in charts.AGE_BANDS if days >= fewest]
    return found[-1]


def test_letters_awaiting_a_reply_are_banded_by_the_days_the_staff_pages_show() -> None:
    """Each letter falls in the band of its days waiting as the staff pages count them
    (from the latest day it may have been sent), whatever its date's precision."""
    expected: dict[str, int] = dict.fromkeys((key for key, *_rest in charts.AGE_BANDS), 0)
    for sent, precision in SENT:
        LetterFactory(sent_on=sent, sent_on_precision=precision)
        days = selectors.days_waiting(PartialDate(sent, precision), today=TODAY)
        assert days is not None
        expected[_band_of(days)] += 1
    bands = charts.awaiting_by_age(audience=Audience.STAFF, today=TODAY)
    assert {band.key: band.total for band in bands} == expected
    assert sum(expected.values()) == len(SENT)


def test_overdue_letters_are_told_apart_from_those_not_yet_due() -> None:
    slow = AgencyFactory(reply_window_days=60)
    LetterFactory(sent_on=dt.date(2011, 4, 15), recipients=[slow])  # due 14 June 2011
    LetterFactory(sent_on=dt.date(2011, 5, 1))  # due 31 May 2011
    second = charts.awaiting_by_age(audience=Audience.STAFF, today=TODAY)[1]
    assert second.key == "30_to_89"
    assert (second.overdue, second.not_yet_due) == (1, 1)


def test_answered_letters_and_unpublished_ones_are_left_out() -> None:
    request = RequestFactory(is_public=True)
    answered = LetterFactory(request=request, is_public=True)
    ResponseFactory(request=request, letter=answered)
    LetterFactory(request=request, is_public=True)
    LetterFactory(request=request)
    assert not Letter.objects.get(pk=answered.pk).awaiting_reply
    public = sum(b.total for b in charts.awaiting_by_age(audience=Audience.PUBLIC, today=TODAY))
    staff = sum(b.total for b in charts.awaiting_by_age(audience=Audience.STAFF, today=TODAY))
    assert (public, staff) == (1, 2)


def test_letters_by_age_take_one_query(django_assert_num_queries: Any) -> None:
    for sent, precision in SENT:
        LetterFactory(sent_on=sent, sent_on_precision=precision)
    # Expect 1 query: every band's two counts, as conditional aggregates.
    with django_assert_num_queries(1):
        charts.awaiting_by_age(audience=Audience.STAFF, today=TODAY)
