"""Reply windows: due dates across weekends and holidays, overdue and very overdue."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command

from core.dates import PartialDate
from jurisdictions.models import Agency
from tests.factories import AgencyFactory, RequestFactory
from tracker.domain import selectors, services
from tracker.domain.deadlines import BUSINESS, CALENDAR, WindowError, add_days, compute_deadline
from tracker.models import AgencyResponse, Holiday, Letter

pytestmark = pytest.mark.django_db

FRIDAY = dt.date(2010, 9, 3)  # the Friday before Labor Day 2010 (Monday 6 September)
LABOR_DAY = dt.date(2010, 9, 6)


def log_letter(by: Any, sent: str, *recipients: Agency) -> Letter:
    return services.letter_log(
        request=RequestFactory(),
        by=by,
        sender=AgencyFactory(kind=Agency.Kind.SHERIFF, level=Agency.Level.LOCAL),
        recipients=recipients,
        subject="Notice",
        sent_on=PartialDate.parse(sent),
    )


# --- Counting days (no database) ------------------------------------------------------


def test_a_calendar_window_counts_every_day_and_explains_itself() -> None:
    deadline = compute_deadline(PartialDate.parse("2010-09-07"), 30, CALENDAR)
    assert deadline.due_on == dt.date(2010, 10, 7)
    assert deadline.explanation == (
        "due 2010-10-07: 30 calendar days after it was sent on 2010-09-07"
    )


def test_a_business_window_skips_the_weekend() -> None:
    assert add_days(dt.date(2010, 9, 10), 1, BUSINESS) == dt.date(2010, 9, 13)
    assert add_days(dt.date(2010, 9, 10), 5, BUSINESS) == dt.date(2010, 9, 17)


def test_a_letter_sent_on_a_saturday_starts_counting_on_monday() -> None:
    assert add_days(dt.date(2010, 9, 11), 1, BUSINESS) == dt.date(2010, 9, 13)


def test_a_business_window_skips_holidays_and_names_them() -> None:
    deadline = compute_deadline(PartialDate(FRIDAY), 1, BUSINESS, [LABOR_DAY])
    assert deadline.due_on == dt.date(2010, 9, 7)
    assert "weekends skipped, and holidays 2010-09-06" in deadline.explanation
    assert deadline.explanation.startswith("due 2010-09-07: 1 business day after it was sent")


def test_a_holiday_on_a_weekend_does_not_cost_a_second_day() -> None:
    saturday_holiday = dt.date(2010, 9, 11)
    assert add_days(dt.date(2010, 9, 10), 1, BUSINESS, [saturday_holiday]) == dt.date(2010, 9, 13)


def test_holidays_do_not_move_a_calendar_window() -> None:
    assert add_days(FRIDAY, 3, CALENDAR, [LABOR_DAY]) == LABOR_DAY


def test_a_month_precision_letter_counts_from_the_last_day_of_the_month_and_says_so() -> None:
    deadline = compute_deadline(PartialDate.parse("2010-09"), 30, CALENDAR)
    assert deadline.due_on == dt.date(2010, 10, 30)
    assert deadline.explanation == (
        "due 2010-10-30: 30 calendar days after 2010-09-30, the latest day it may have "
        "been sent (the sending date is known only as September 2010)"
    )


def test_a_year_precision_letter_counts_from_the_thirty_first_of_december() -> None:
    deadline = compute_deadline(PartialDate.parse("2010"), 30, CALENDAR)
    assert (deadline.due_on, deadline.very_overdue_on) == (
        dt.date(2011, 1, 30),
        dt.date(2011, 3, 1),
    )


def test_very_overdue_is_twice_the_window_counted_the_same_way() -> None:
    calendar = compute_deadline(PartialDate.parse("2010-09-07"), 30, CALENDAR)
    assert calendar.very_overdue_on == dt.date(2010, 11, 6)
    assert calendar.very_overdue_explanation == (
        "very overdue after 2010-11-06: 60 calendar days (twice the window) "
        "after it was sent on 2010-09-07"
    )
    business = compute_deadline(PartialDate(FRIDAY), 5, BUSINESS, [LABOR_DAY])
    assert business.due_on == dt.date(2010, 9, 13)
    assert business.very_overdue_on == dt.date(2010, 9, 20)


@pytest.mark.parametrize("days", [0, -1, -30])
def test_a_window_of_zero_or_fewer_days_is_refused(days: int) -> None:
    with pytest.raises(WindowError, match="at least one day"):
        compute_deadline(PartialDate.parse("2010-09-07"), days, CALENDAR)


def test_an_unknown_kind_of_window_is_refused() -> None:
    with pytest.raises(WindowError, match="calendar or business"):
        add_days(FRIDAY, 3, "lunar")


@pytest.mark.parametrize("days", [0, -5])
def test_an_agency_cannot_be_given_a_window_of_zero_or_fewer_days(days: int) -> None:
    agency = AgencyFactory.build(reply_window_days=days)
    with pytest.raises(ValidationError) as caught:
        agency.full_clean()
    assert "reply_window_days" in caught.value.message_dict


# --- Stored due dates ------------------------------------------------------------------


def test_a_logged_letter_stores_both_dates_using_the_holiday_list(editor: Any) -> None:
    Holiday.objects.create(date=LABOR_DAY, name="Labor Day")
    agency = AgencyFactory(reply_window_days=1, reply_window_kind=BUSINESS)
    letter = log_letter(editor, FRIDAY.isoformat(), agency)
    letter.refresh_from_db()
    assert (letter.due_on, letter.very_overdue_on) == (dt.date(2010, 9, 7), dt.date(2010, 9, 8))
    deadline = selectors.letter_deadline(letter)
    assert deadline is not None and "holidays 2010-09-06" in deadline.explanation


def test_the_longest_recipient_window_decides(editor: Any) -> None:
    quick = AgencyFactory(reply_window_days=10, reply_window_kind=CALENDAR)
    slow = AgencyFactory(reply_window_days=45, reply_window_kind=CALENDAR)
    letter = log_letter(editor, "2010-09-07", quick, slow)
    assert letter.due_on == dt.date(2010, 10, 22)


def test_adding_a_holiday_moves_the_stored_due_dates(editor: Any) -> None:
    agency = AgencyFactory(reply_window_days=1, reply_window_kind=BUSINESS)
    letter = log_letter(editor, FRIDAY.isoformat(), agency)
    assert letter.due_on == LABOR_DAY
    holiday = services.record_save(Holiday(date=LABOR_DAY, name="Labor Day"), by=editor)
    letter.refresh_from_db()
    assert letter.due_on == dt.date(2010, 9, 7)
    services.record_delete(holiday, by=editor)
    letter.refresh_from_db()
    assert letter.due_on == LABOR_DAY


def test_changing_an_agencys_window_moves_the_stored_due_dates(editor: Any) -> None:
    agency = AgencyFactory(reply_window_days=30, reply_window_kind=CALENDAR)
    letter = log_letter(editor, "2010-09-07", agency)
    agency.reply_window_days = 10
    services.record_save(agency, by=editor, expected_version=agency.version)
    letter.refresh_from_db()
    assert (letter.due_on, letter.very_overdue_on) == (dt.date(2010, 9, 17), dt.date(2010, 9, 27))


def test_the_recompute_command_repairs_stale_due_dates(editor: Any, capsys: Any) -> None:
    letter = log_letter(editor, "2010-09-07", AgencyFactory())
    Letter.objects.filter(pk=letter.pk).update(due_on=dt.date(2000, 1, 1), very_overdue_on=None)
    call_command("recompute_due_dates")
    letter.refresh_from_db()
    assert (letter.due_on, letter.very_overdue_on) == (dt.date(2010, 10, 7), dt.date(2010, 11, 6))
    assert "1 letter(s) changed" in capsys.readouterr().out


@pytest.mark.parametrize("letters", [5, 50])
def test_recomputing_takes_the_same_number_of_queries_for_5_or_50_letters(
    editor: Any, django_assert_num_queries: Any, letters: int
) -> None:
    agency = AgencyFactory(reply_window_days=5, reply_window_kind=BUSINESS)
    for _ in range(letters):
        log_letter(editor, "2010-09-07", agency)
    # Stored without the service, which would recompute the due dates itself.
    Holiday.objects.create(date=dt.date(2010, 9, 10), name="A new holiday")
    # Expect 9 queries: savepoint, holidays, letters, their recipients, one UPDATE for
    # every changed letter; then their requests' flag dates: lock the requests, work
    # their facts out, one UPDATE for the changed ones; release savepoint.
    with django_assert_num_queries(9):
        assert services.letters_recompute_due_dates() == letters


# --- Overdue and very overdue, derived from today's date ---------------------------------


@pytest.fixture
def waiting_letter(editor: Any) -> Letter:
    """Sent 7 September 2010 with a 30-calendar-day window: due 7 October, very
    overdue after 6 November."""
    return log_letter(editor, "2010-09-07", AgencyFactory(reply_window_days=30))


@pytest.mark.parametrize(
    ("today", "overdue"),
    [(dt.date(2010, 10, 6), False), (dt.date(2010, 10, 7), False), (dt.date(2010, 10, 8), True)],
)
def test_a_letter_is_overdue_from_the_day_after_its_due_date(
    waiting_letter: Letter, today: dt.date, overdue: bool
) -> None:
    letters = Letter.objects.filter(pk=waiting_letter.pk)
    assert selectors.letters_with_flag(letters, "overdue", today=today).exists() is overdue
    # The flag read with the letter says the same as the filter.
    assert selectors.with_letter_flags(letters, today=today).get().flag_overdue is overdue


@pytest.mark.parametrize(
    ("today", "very_overdue"),
    [(dt.date(2010, 11, 5), False), (dt.date(2010, 11, 6), False), (dt.date(2010, 11, 7), True)],
)
def test_a_letter_is_very_overdue_from_the_day_after_twice_its_window(
    waiting_letter: Letter, today: dt.date, very_overdue: bool
) -> None:
    letters = Letter.objects.filter(pk=waiting_letter.pk)
    assert (
        selectors.letters_with_flag(letters, "very_overdue", today=today).exists() is very_overdue
    )
    flagged = selectors.with_letter_flags(letters, today=today).get()
    assert flagged.flag_very_overdue is very_overdue


def test_overdue_follows_the_frozen_clock_when_no_day_is_given(waiting_letter: Letter) -> None:
    with time_machine.travel(dt.datetime(2010, 10, 7, 23, 0, tzinfo=dt.UTC), tick=False):
        # 23:00 UTC is still 7 October in New York: due today, not yet late.
        assert not selectors.letters_with_flag(Letter.objects.all(), "overdue").exists()
    with time_machine.travel(dt.datetime(2010, 10, 8, 16, 0, tzinfo=dt.UTC), tick=False):
        assert list(selectors.letters_with_flag(Letter.objects.all(), "overdue")) == [
            waiting_letter
        ]
        assert not selectors.letters_with_flag(Letter.objects.all(), "very_overdue").exists()


def test_logging_a_reply_ends_the_wait(waiting_letter: Letter, editor: Any) -> None:
    late = dt.date(2010, 12, 1)
    assert selectors.letters_with_flag(Letter.objects.all(), "very_overdue", today=late).exists()
    services.response_record(
        request=waiting_letter.request,
        by=editor,
        agency=waiting_letter.recipients.get(),
        kind=AgencyResponse.Kind.ACKNOWLEDGED,
        responded_on=PartialDate.parse("2010-11-30"),
        letter=waiting_letter,
    )
    assert not selectors.letters_with_flag(Letter.objects.all(), "overdue", today=late).exists()
    assert not selectors.letters_with_flag(
        Letter.objects.all(), "very_overdue", today=late
    ).exists()


# --- The 2010 record ----------------------------------------------------------------------


def test_san_franciscos_unanswered_second_letter_is_overdue_and_very_overdue(
    record_2010: None,
) -> None:
    second = Letter.objects.get(reference="san-francisco-2010-letter-2")
    with time_machine.travel(dt.datetime(2011, 3, 2, 17, 0, tzinfo=dt.UTC), tick=False):
        assert second in selectors.letters_with_flag(Letter.objects.all(), "overdue")
        assert second in selectors.letters_with_flag(Letter.objects.all(), "very_overdue")
    deadline = selectors.letter_deadline(second)
    assert deadline is not None
    assert deadline.explanation == (
        "due 2011-01-30: 30 calendar days after 2010-12-31, the latest day it may have been "
        "sent (the sending date is known only as 2010)"
    )


def test_the_fixtures_store_very_overdue_dates_that_agree_with_the_rules(
    record_2010: None,
) -> None:
    for letter in Letter.objects.all():
        deadline = selectors.letter_deadline(letter)
        assert deadline is not None
        assert (letter.due_on, letter.very_overdue_on) == (
            deadline.due_on,
            deadline.very_overdue_on,
        )
