"""When a reply to a letter is due, and how that date was worked out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from tracker.dates import DatePrecision, PartialDate

CALENDAR = "calendar"
BUSINESS = "business"


@dataclass(frozen=True)
class Deadline:
    due_on: dt.date
    window_days: int
    kind: str
    explanation: str


def add_days(start: dt.date, days: int, kind: str, holidays: Iterable[dt.date] = ()) -> dt.date:
    """``days`` calendar days after ``start``, or ``days`` business days (skipping
    weekends and ``holidays``)."""
    if kind == CALENDAR:
        return start + dt.timedelta(days=days)
    closed = set(holidays)
    current, remaining = start, days
    while remaining > 0:
        current += dt.timedelta(days=1)
        if current.weekday() < 5 and current not in closed:
            remaining -= 1
    return current


def compute_deadline(
    sent: PartialDate, window_days: int, kind: str, holidays: Iterable[dt.date] = ()
) -> Deadline:
    """The due date counted from the latest day the letter may have been sent."""
    if window_days < 1:
        raise ValueError("A reply window is at least one day.")
    start = sent.latest
    due_on = add_days(start, window_days, kind, holidays)
    unit = "calendar days" if kind == CALENDAR else "business days"
    if sent.precision == DatePrecision.DAY:
        basis = f"after it was sent on {start.isoformat()}"
    else:
        basis = (
            f"after {start.isoformat()}, the latest day it may have been sent "
            f"(the sending date is known only as {sent.display()})"
        )
    return Deadline(
        due_on=due_on,
        window_days=window_days,
        kind=kind,
        explanation=f"due {due_on.isoformat()}: {window_days} {unit} {basis}",
    )
