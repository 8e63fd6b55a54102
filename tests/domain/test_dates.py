"""Dates known to the day, the month or the year."""

from __future__ import annotations

import datetime as dt

import pytest

from core.dates import DatePrecision, PartialDate, display_partial
from tests.factories import LetterFactory
from tracker.models import Letter


@pytest.mark.parametrize(
    ("text", "shown", "earliest", "latest"),
    [
        ("2010-09-07", "7 September 2010", dt.date(2010, 9, 7), dt.date(2010, 9, 7)),
        ("2010-09", "September 2010", dt.date(2010, 9, 1), dt.date(2010, 9, 30)),
        ("2010-02", "February 2010", dt.date(2010, 2, 1), dt.date(2010, 2, 28)),
        ("2010", "2010", dt.date(2010, 1, 1), dt.date(2010, 12, 31)),
    ],
)
def test_a_partial_date_shows_only_what_is_known(
    text: str, shown: str, earliest: dt.date, latest: dt.date
) -> None:
    date = PartialDate.parse(text)
    assert date.display() == shown
    assert (date.earliest, date.latest) == (earliest, latest)
    assert date.isoformat() == text


@pytest.mark.parametrize(
    "text",
    [
        "2010-13",
        "2010-02-30",
        "10/09/2010",
        "",
        "2010-9-7",
        "abcd",
        "\uff11\uff19\uff19\uff10",
        "0001",
        "9999",
    ],
)
def test_malformed_dates_are_refused_with_a_message(text: str) -> None:
    with pytest.raises(ValueError, match="date"):
        PartialDate.parse(text)


def test_a_month_precision_date_forgets_any_day_it_was_given() -> None:
    assert PartialDate(dt.date(2010, 9, 17), DatePrecision.MONTH).value == dt.date(2010, 9, 1)


def test_an_unknown_date_says_so() -> None:
    assert display_partial(None, "day") == "date unknown"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("given", "precision", "shown"),
    [
        (dt.date(2010, 9, 7), "day", "7 September 2010"),
        (dt.date(2010, 9, 17), "month", "September 2010"),
        (dt.date(2010, 6, 17), "year", "2010"),
    ],
)
def test_precision_round_trips_through_the_database(
    given: dt.date, precision: str, shown: str
) -> None:
    letter = LetterFactory(sent_on=given, sent_on_precision=precision)
    stored = Letter.objects.get(pk=letter.pk)
    assert stored.sent is not None
    assert stored.sent.display() == shown
    assert stored.sent_on_precision == precision
