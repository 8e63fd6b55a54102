"""Dates known as a range of days: the Washington Post report of 6 October 2010 quotes
a senior ICE official "last week", a day between 27 September and 2 October 2010."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.utils import DatabaseError

from core.dates import DatePrecision, PartialDate, display_partial, partial_date
from tests.factories import LetterFactory, ResponseFactory, StatementFactory
from tracker.domain import selectors
from tracker.domain.deadlines import CALENDAR, compute_deadline
from tracker.domain.statements import contradictions
from tracker.models import AgencyResponse, Letter, Meeting, OptOutRequest, Source, Statement

LAST_WEEK = PartialDate.between(dt.date(2010, 9, 27), dt.date(2010, 10, 2))
WAPO = "2010-09-ice-official-washington-post"


# --- The date itself ------------------------------------------------------------------


def test_a_range_reads_and_writes_as_an_iso_interval() -> None:
    parsed = PartialDate.parse("2010-09-27/2010-10-02")
    assert parsed == LAST_WEEK
    assert parsed.precision == DatePrecision.RANGE
    assert (parsed.earliest, parsed.latest) == (dt.date(2010, 9, 27), dt.date(2010, 10, 2))
    assert parsed.isoformat() == "2010-09-27/2010-10-02"
    assert PartialDate.parse(parsed.isoformat()) == parsed
    assert PartialDate.parse(" 2010-09-27/2010-10-02 ") == parsed


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("2010-09-27/2010-10-02", "between 27 September and 2 October 2010"),
        ("2010-09-27/2010-09-30", "between 27 and 30 September 2010"),
        ("2009-12-28/2010-01-03", "between 28 December 2009 and 3 January 2010"),
    ],
)
def test_a_range_is_written_in_words(text: str, words: str) -> None:
    assert PartialDate.parse(text).display() == words
    assert str(PartialDate.parse(text)) == words


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("2010-09-07", "2010-09-07"),
        ("2010-09", "2010-09"),
        ("2010", "2010"),
        ("2010-09-20/2010-09-27", "2010-09"),
        ("2010-09-27/2010-10-02", "2010"),
        ("2010-12-30/2011-01-02", "2010-12-30"),
    ],
)
def test_a_date_is_written_as_an_html_time_value(text: str, html: str) -> None:
    # HTML's <time datetime> takes a day, a month or a year, never a range.
    assert PartialDate.parse(text).html_datetime == html


def test_a_range_of_one_day_is_that_day() -> None:
    day = PartialDate.between(dt.date(2010, 10, 6), dt.date(2010, 10, 6))
    assert day == PartialDate(dt.date(2010, 10, 6))
    assert day.isoformat() == "2010-10-06"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2010-10-02/2010-09-27", "The range ends before it starts"),
        ("2010-09/2010-10-02", "is not a range of days"),
        ("2010-09-27/2010", "is not a range of days"),
        ("2010-09-27/", "is not a date"),
        ("2010-09-27/2010-10-02/2010-10-03", "is not a range of days"),
        ("2010-09-27/2010-02-30", "is not a real date"),
        ("1899-12-27/1900-01-02", "out of range"),
        ("2100-12-27/2101-01-02", "out of range"),
    ],
)
def test_a_bad_range_is_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PartialDate.parse(text)


def test_a_range_needs_its_last_day_and_an_order() -> None:
    with pytest.raises(ValueError, match="needs its last day"):
        PartialDate(dt.date(2010, 9, 27), DatePrecision.RANGE)
    with pytest.raises(ValueError, match="ends before it starts"):
        PartialDate.between(dt.date(2010, 10, 2), dt.date(2010, 9, 27))
    # Only a range keeps a last day of its own.
    assert PartialDate(dt.date(2010, 9, 7), DatePrecision.MONTH, dt.date(2010, 9, 9)).until is None


def test_dates_order_by_their_bounds() -> None:
    september = PartialDate(dt.date(2010, 9, 1), DatePrecision.MONTH)
    seventh = PartialDate(dt.date(2010, 9, 7))
    october_6 = PartialDate(dt.date(2010, 10, 6))
    year = PartialDate(dt.date(2010, 1, 1), DatePrecision.YEAR)
    assert sorted([october_6, LAST_WEEK, seventh, september, year]) == [
        year,
        september,
        seventh,
        LAST_WEEK,
        october_6,
    ]
    assert october_6 > LAST_WEEK and not LAST_WEEK.may_be_before(seventh)
    assert LAST_WEEK.may_be_before(PartialDate(dt.date(2010, 9, 28)))
    assert LAST_WEEK.may_be_before(october_6)


def test_a_range_stored_without_its_last_day_reads_as_its_first_day() -> None:
    assert partial_date(dt.date(2010, 9, 27), "range", None) == PartialDate(dt.date(2010, 9, 27))
    assert display_partial(dt.date(2010, 9, 27), "range", until=dt.date(2010, 10, 2)) == (
        "between 27 September and 2 October 2010"
    )


def test_the_deadline_is_counted_from_the_last_day_of_the_range() -> None:
    deadline = compute_deadline(LAST_WEEK, 30, CALENDAR)
    assert deadline.due_on == dt.date(2010, 11, 1)
    assert "after 2010-10-02, the latest day it may have been sent" in deadline.explanation
    assert "between 27 September and 2 October 2010" in deadline.explanation


# --- On the models --------------------------------------------------------------------

pytestmark_db = pytest.mark.django_db


@pytestmark_db
@pytest.mark.parametrize(
    ("date", "until"),
    [
        (PartialDate(dt.date(2010, 9, 7)), dt.date(2010, 9, 7)),
        (PartialDate(dt.date(2010, 9, 7), DatePrecision.MONTH), dt.date(2010, 9, 30)),
        (PartialDate(dt.date(2010, 2, 7), DatePrecision.YEAR), dt.date(2010, 12, 31)),
        (LAST_WEEK, dt.date(2010, 10, 2)),
    ],
)
def test_every_partial_date_stores_its_latest_possible_day(date: PartialDate, until: Any) -> None:
    letter: Letter = LetterFactory(sent_on=date)
    stored = Letter.objects.values_list("sent_on", "sent_on_precision", "sent_on_until").get()
    assert stored == (date.earliest, date.precision, until)
    letter.refresh_from_db()
    assert letter.sent == date


@pytestmark_db
def test_a_letter_sent_last_week_is_due_counting_from_the_last_day() -> None:
    letter: Letter = LetterFactory(sent_on=LAST_WEEK)
    assert letter.due_on == dt.date(2010, 11, 1)
    request = selectors.with_request_flags(OptOutRequest.objects.filter(pk=letter.request_id))
    assert selectors.waiting_since(request.get()) == LAST_WEEK


@pytestmark_db
def test_changing_the_precision_recomputes_the_last_day() -> None:
    letter: Letter = LetterFactory(sent_on=LAST_WEEK)
    letter.sent_on_precision = DatePrecision.DAY
    letter.save()
    assert Letter.objects.values_list("sent_on_until", flat=True).get() == dt.date(2010, 9, 27)


@pytestmark_db
def test_the_model_refuses_a_range_that_ends_before_it_starts_or_has_no_end() -> None:
    statement: Statement = StatementFactory()
    statement.stated_on_precision = DatePrecision.RANGE
    statement.stated_on = dt.date(2010, 10, 2)
    statement.stated_on_until = dt.date(2010, 9, 27)
    with pytest.raises(ValidationError) as caught:
        statement.full_clean()
    assert "The range ends before it starts" in str(caught.value.message_dict["stated_on_until"])
    statement.stated_on_until = None
    with pytest.raises(ValidationError) as caught:
        statement.full_clean()
    assert "needs its last day" in str(caught.value.message_dict["stated_on"])


@pytestmark_db
def test_a_reply_dated_as_a_range_is_compared_by_its_last_day_in_the_database() -> None:
    letter: Letter = LetterFactory(sent_on=dt.date(2010, 10, 1))
    # Its last day is on or after the letter's: it may be a reply to it.
    response: AgencyResponse = ResponseFactory(
        request=letter.request, letter=letter, responded_on=LAST_WEEK
    )
    assert response.responded == LAST_WEEK
    # Entirely before the letter: the database refuses it too.
    with (
        pytest.raises(DatabaseError, match="tracker_response_not_before_letter"),
        transaction.atomic(),
    ):
        AgencyResponse.objects.filter(pk=response.pk).update(
            responded_on_until=dt.date(2010, 9, 30)
        )
    # Moving the letter after the range's last day is refused.
    with (
        pytest.raises(DatabaseError, match="tracker_response_not_before_letter"),
        transaction.atomic(),
    ):
        Letter.objects.filter(pk=letter.pk).update(sent_on=dt.date(2010, 10, 3))


@pytestmark_db
def test_the_migration_fills_the_last_day_of_dates_already_stored() -> None:
    LetterFactory(sent_on=PartialDate(dt.date(2010, 9, 1), DatePrecision.MONTH))
    StatementFactory(stated_on=PartialDate(dt.date(2010, 1, 1), DatePrecision.YEAR))
    Letter.objects.update(sent_on_until=None)
    Statement.objects.update(stated_on_until=None)
    OptOutRequest.objects.update(waiting_since_until=None)
    migration = importlib.import_module("tracker.migrations.0018_date_ranges")
    state = MigrationExecutor(connection).loader.project_state(("tracker", "0018_date_ranges"))
    migration.fill_until(state.apps, None)
    assert Letter.objects.values_list("sent_on_until", flat=True).get() == dt.date(2010, 9, 30)
    assert Statement.objects.values_list("stated_on_until", flat=True).get() == (
        dt.date(2010, 12, 31)
    )
    assert OptOutRequest.objects.values_list("waiting_since_until", flat=True).get() == (
        dt.date(2010, 9, 30)
    )
    assert Letter.history.filter(sent_on_until=dt.date(2010, 9, 30)).exists()


@pytestmark_db
def test_every_model_with_a_partial_date_has_the_third_column() -> None:
    for model, column in [
        (OptOutRequest, "opened_on"),
        (Letter, "sent_on"),
        (Letter, "received_on"),
        (AgencyResponse, "responded_on"),
        (Meeting, "held_on"),
        (Statement, "stated_on"),
        (Source, "published_on"),
    ]:
        field = model._meta.get_field(f"{column}_until")
        assert (field.null, field.get_internal_type()) == (True, "DateField")
        history: Any = model.history.model
        assert history._meta.get_field(f"{column}_until").get_internal_type() == "DateField"


# --- The 2010 record ------------------------------------------------------------------


@pytestmark_db
def test_the_washington_post_statement_is_dated_last_week(record_2010: None) -> None:
    statement = Statement.objects.get(reference=WAPO)
    assert statement.stated == LAST_WEEK
    assert statement.stated_on_until == dt.date(2010, 10, 2)
    assert Statement.stated.display(statement) == "between 27 September and 2 October 2010"


@pytestmark_db
def test_the_washington_post_statement_certainly_comes_before_the_6_october_ones(
    record_2010: None,
) -> None:
    statements = list(selectors.published_statements())
    order = [s.reference for s in statements]
    wapo = order.index(WAPO)
    october = [i for i, s in enumerate(statements) if s.stated_on == dt.date(2010, 10, 6)]
    assert october and all(wapo < i for i in october)
    dated = {s.reference: s.stated for s in statements}
    for i in october:
        later = statements[i].stated
        assert later is not None and dated[WAPO] is not None
        assert dated[WAPO].latest <= later.earliest and dated[WAPO] < later
    found = {c.key: c for c in contradictions(statements)}
    pair = found[f"2010-09-07-napolitano--{WAPO}"]
    # From 7 September to the range: 20 to 25 days, and certainly in that order.
    assert (pair.days.fewest, pair.days.most) == (20, 25)
    assert pair.order_certain
    # Against every dated statement, the order is certain (an undated one can't be).
    assert all(
        c.order_certain
        for c in found.values()
        if WAPO in c.key and c.earlier.stated is not None and c.later.stated is not None
    )
