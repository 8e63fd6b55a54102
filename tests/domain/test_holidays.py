"""The holiday list: loading it from a file or the US federal calendar, and who may edit it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from core.dates import PartialDate
from jurisdictions.models import Agency
from tests.factories import AgencyFactory, RequestFactory
from tracker.domain import services
from tracker.domain.deadlines import HolidayFileError, parse_holiday_lines
from tracker.models import Holiday

pytestmark = pytest.mark.django_db


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "holidays.txt"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_it_loads_a_holiday_file_and_moves_business_day_due_dates(
    tmp_path: Path, editor: Any, capsys: Any
) -> None:
    one_business_day: Agency = AgencyFactory(reply_window_days=1, reply_window_kind="business")
    letter = services.letter_log(
        request=RequestFactory(),
        by=editor,
        sender=AgencyFactory(kind=Agency.Kind.SHERIFF),
        recipients=[one_business_day],
        subject="Notice",
        sent_on=PartialDate.parse("2010-09-03"),
    )
    assert letter.due_on == dt.date(2010, 9, 6)
    path = write(tmp_path, "# US federal, 2010\n2010-09-06 Labor Day\n\n2010-10-11 Columbus Day\n")
    call_command("load_holidays", path)
    assert dict(Holiday.objects.values_list("date", "name")) == {
        dt.date(2010, 9, 6): "Labor Day",
        dt.date(2010, 10, 11): "Columbus Day",
    }
    assert "2 added, 0 renamed, 0 already listed" in capsys.readouterr().out
    letter.refresh_from_db()
    assert letter.due_on == dt.date(2010, 9, 7)


def test_loading_the_same_file_twice_adds_nothing(tmp_path: Path, capsys: Any) -> None:
    path = write(tmp_path, "2010-11-11 Veterans Day\n")
    call_command("load_holidays", path)
    call_command("load_holidays", path)
    assert Holiday.objects.count() == 1
    assert "0 added, 0 renamed, 1 already listed" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("2010-09-06 Labor Day\n2010-02-30 Not a day\n", 2, "not a real date"),
        ("2010-09-06 Labor Day\n\n# comment\n2010-13-01 Month 13\n", 4, "not a real date"),
        ("2010-09-06 Labor Day\n06/09/2010 Labor Day\n", 2, "write the date as YYYY-MM-DD"),
        ("2010-09-06\n", 1, "has no name"),
        ("2010-09-06 Labor Day\n2010-09-06 Labour Day\n", 2, "already listed on line 1"),
    ],
)
def test_a_bad_line_stops_the_load_with_its_number_and_writes_nothing(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    with pytest.raises(CommandError) as caught:
        call_command("load_holidays", write(tmp_path, text))
    assert f"line {line}:" in str(caught.value)
    assert message in str(caught.value)
    assert "Nothing was loaded" in str(caught.value)
    assert not Holiday.objects.exists()


def test_the_holiday_parser_names_the_line_of_an_impossible_date() -> None:
    with pytest.raises(HolidayFileError) as caught:
        parse_holiday_lines(["2011-01-01 New Year", "2011-02-29 Not a leap year"])
    assert caught.value.line == 2


def test_a_missing_file_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match=r"Cannot read /nonexistent/holidays\.txt"):
        call_command("load_holidays", "/nonexistent/holidays.txt")


def test_the_command_needs_a_file_or_years() -> None:
    with pytest.raises(CommandError, match="Give a holiday file"):
        call_command("load_holidays")


def test_it_loads_the_us_federal_holidays_with_their_observed_days() -> None:
    call_command("load_holidays", "--us-federal", "2010")
    days = dict(Holiday.objects.values_list("date", "name"))
    assert days[dt.date(2010, 11, 11)] == "Veterans Day"
    assert days[dt.date(2010, 12, 24)] == "Christmas Day (observed)"
    assert len(days) == 13


def test_a_file_entry_wins_over_the_federal_name_for_the_same_day(tmp_path: Path) -> None:
    path = write(tmp_path, "2010-11-11 Veterans Day (office closed)\n")
    call_command("load_holidays", path, "--us-federal", "2010")
    assert Holiday.objects.get(date=dt.date(2010, 11, 11)).name == "Veterans Day (office closed)"


def test_an_absurd_year_is_refused() -> None:
    with pytest.raises(CommandError, match="between 1900 and 2200"):
        call_command("load_holidays", "--us-federal", "20100")


def test_editors_may_add_and_change_holidays_and_viewers_may_only_read(
    editor: Any, viewer: Any
) -> None:
    assert editor.has_perms(["tracker.add_holiday", "tracker.change_holiday"])
    assert not editor.has_perm("tracker.delete_holiday")
    assert viewer.has_perm("tracker.view_holiday")
    assert not viewer.has_perm("tracker.add_holiday")


def test_every_change_to_a_holiday_is_in_its_history(editor: Any) -> None:
    holiday = services.record_save(Holiday(date=dt.date(2010, 9, 6), name="Labor"), by=editor)
    holiday.name = "Labor Day"
    services.record_save(holiday, by=editor, expected_version=holiday.version)
    names = list(holiday.history.order_by("history_date").values_list("name", "history_user"))
    assert names == [("Labor", editor.pk), ("Labor Day", editor.pk)]


def test_two_holidays_on_the_same_day_are_refused(editor: Any) -> None:
    services.record_save(Holiday(date=dt.date(2010, 9, 6), name="Labor Day"), by=editor)
    with pytest.raises(ValidationError) as caught:
        services.record_save(Holiday(date=dt.date(2010, 9, 6), name="Again"), by=editor)
    assert "date" in caught.value.message_dict
    assert Holiday.objects.get().name == "Labor Day"
