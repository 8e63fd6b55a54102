"""When a reply to a letter is due, and how that date was worked out.

Pure date arithmetic: no database. :func:`tracker.domain.selectors.letter_deadline`
feeds it a letter's sending date, its recipients' reply windows and the
holiday list.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.utils.translation import gettext, ngettext

from core.dates import DatePrecision, PartialDate
from jurisdictions.models import MAX_REPLY_WINDOW_DAYS

CALENDAR = "calendar"
BUSINESS = "business"
KINDS = (CALENDAR, BUSINESS)


class WindowError(ValueError):
    """A reply window that cannot be used (zero, negative, or an unknown kind)."""


@dataclass(frozen=True)
class Deadline:
    """The due date of a reply, the "very overdue" date, and how both were counted."""

    due_on: dt.date
    window_days: int
    kind: str
    explanation: str
    very_overdue_on: dt.date
    very_overdue_explanation: str


#: The agencies' own limit (a year), checked again here for windows given directly.
MAX_WINDOW_DAYS = MAX_REPLY_WINDOW_DAYS


def check_window(days: int, kind: str) -> None:
    if kind not in KINDS:
        raise WindowError(f"A reply window counts {' or '.join(KINDS)} days, not {kind!r}.")
    if days < 1:
        raise WindowError(f"A reply window is at least one day (got {days}).")
    if days > MAX_WINDOW_DAYS:
        raise WindowError(f"A reply window is at most {MAX_WINDOW_DAYS} days (got {days}).")


def add_days(start: dt.date, days: int, kind: str, holidays: Iterable[dt.date] = ()) -> dt.date:
    """``days`` calendar days after ``start``, or ``days`` business days (skipping
    Saturdays, Sundays and ``holidays``).

    A letter sent on a Friday with a 1-business-day window is due on Monday (or
    Tuesday when Monday is a holiday).
    """
    check_window(days, kind)
    if kind == CALENDAR:
        return start + dt.timedelta(days=days)
    closed = holidays if isinstance(holidays, frozenset | set) else frozenset(holidays)
    current, remaining = start, days
    while remaining > 0:
        current += dt.timedelta(days=1)
        if is_business_day(current, closed):
            remaining -= 1
    return current


def is_business_day(day: dt.date, holidays: Iterable[dt.date] = ()) -> bool:
    closed = holidays if isinstance(holidays, frozenset | set) else frozenset(holidays)
    return day.weekday() < 5 and day not in closed


def _unit(days: int, kind: str) -> str:
    if kind == CALENDAR:
        return ngettext("%(days)s calendar day", "%(days)s calendar days", days) % {"days": days}
    return ngettext("%(days)s business day", "%(days)s business days", days) % {"days": days}


def _skipped_note(holidays: list[dt.date]) -> str:
    if not holidays:
        return gettext("; weekends skipped")
    return gettext("; weekends skipped, and holidays %(days)s") % {
        "days": ", ".join(d.isoformat() for d in holidays)
    }


def _skipped_holidays(start: dt.date, end: dt.date, holidays: frozenset[dt.date]) -> list[dt.date]:
    return sorted(day for day in holidays if start < day <= end and day.weekday() < 5)


def compute_deadline(
    sent: PartialDate, window_days: int, kind: str, holidays: Iterable[dt.date] = ()
) -> Deadline:
    """The due date counted from the latest day the letter may have been sent.

    A letter sent "September 2010" may have gone out on the 30th, so its wait is
    counted from then: nobody is told a reply is late before it can be.
    "Very overdue" is twice the window, counted the same way from the same day.
    """
    check_window(window_days, kind)
    closed = frozenset(holidays)
    start = sent.latest
    due_on = add_days(start, window_days, kind, closed)
    # Twice the window from the start is the same window again from the due date.
    very_overdue_on = add_days(due_on, window_days, kind, closed)
    if sent.precision == DatePrecision.DAY:
        basis = gettext("after it was sent on %(day)s") % {"day": start.isoformat()}
    else:
        basis = gettext(
            "after %(day)s, the latest day it may have been sent "
            "(the sending date is known only as %(known)s)"
        ) % {"day": start.isoformat(), "known": sent.display()}
    explanation = gettext("due %(due)s: %(window)s %(basis)s") % {
        "due": due_on.isoformat(),
        "window": _unit(window_days, kind),
        "basis": basis,
    }
    very_explanation = gettext(
        "very overdue after %(day)s: %(window)s (twice the window) %(basis)s"
    ) % {
        "day": very_overdue_on.isoformat(),
        "window": _unit(2 * window_days, kind),
        "basis": basis,
    }
    if kind == BUSINESS:
        skipped = _skipped_holidays(start, very_overdue_on, closed)
        skipped_before_due = [day for day in skipped if day <= due_on]
        explanation += _skipped_note(skipped_before_due)
        very_explanation += _skipped_note(skipped)
    return Deadline(
        due_on=due_on,
        window_days=window_days,
        kind=kind,
        explanation=explanation,
        very_overdue_on=very_overdue_on,
        very_overdue_explanation=very_explanation,
    )


# --- Holiday lists ----------------------------------------------------------------------


@dataclass(frozen=True)
class HolidayEntry:
    date: dt.date
    name: str
    line: int = 0


_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class HolidayFileError(ValueError):
    """A holiday list that cannot be read; names the line so a person can fix it."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


def parse_holiday_lines(lines: Iterable[str]) -> list[HolidayEntry]:
    """Read ``YYYY-MM-DD Name of the holiday`` lines; blank lines and ``#`` comments
    are skipped. An impossible date (``2010-02-30``), a missing name or the same
    day twice raises :class:`HolidayFileError` naming the line."""
    entries: list[HolidayEntry] = []
    seen: dict[dt.date, int] = {}
    for number, raw in enumerate(lines, start=1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        date_text, _sep, name = text.partition(" ")
        date_text = date_text.rstrip(",;")
        if not _ISO_DAY.match(date_text):
            raise HolidayFileError(number, f"{date_text!r}: write the date as YYYY-MM-DD.")
        try:
            day = dt.date.fromisoformat(date_text)
        except ValueError as error:
            raise HolidayFileError(number, f"{date_text} is not a real date ({error}).") from None
        name = name.strip(" \t,;")
        if not name:
            raise HolidayFileError(number, f"{date_text} has no name after the date.")
        if day in seen:
            raise HolidayFileError(number, f"{date_text} is already listed on line {seen[day]}.")
        seen[day] = number
        entries.append(HolidayEntry(day, name[:200], number))
    return entries


def us_federal_holidays(years: Iterable[int]) -> Iterator[HolidayEntry]:
    """US federal holidays, with the days they are observed, from the ``holidays`` package."""
    import holidays

    for day, name in sorted(holidays.country_holidays("US", years=list(years)).items()):
        yield HolidayEntry(day, str(name))
