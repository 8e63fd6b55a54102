"""Dates known only to the day, the month or the year.

The 2010 record is full of dates like "earlier this year" or "late August".
A :class:`PartialDate` keeps such a date with its precision so that nothing
ever shows an invented day. It is stored in two columns: the earliest day of
the period (``<name>``) and the precision (``<name>_precision``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class DatePrecision(models.TextChoices):
    DAY = "day", _("Day")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")


# ASCII digits only: str.isdigit() and \d also accept other scripts' digits.
_ISO_PATTERN = re.compile(r"^(?P<year>[0-9]{4})(?:-(?P<month>[0-9]{2})(?:-(?P<day>[0-9]{2}))?)?$")

#: The range of years the tracker accepts. Anything outside is a typing mistake,
#: and years near 9999 would overflow when a due date is added to them.
MIN_YEAR = 1900
MAX_YEAR = 2100


def validate_plausible_date(value: dt.date) -> None:
    """Refuse dates outside MIN_YEAR..MAX_YEAR with a message a person understands."""
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValidationError(
            "%(value)s is out of range: dates run from %(min)s to %(max)s.",
            code="date_out_of_range",
            params={"value": value.isoformat(), "min": MIN_YEAR, "max": MAX_YEAR},
        )


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date with its precision; ``value`` is always the first day of the period."""

    value: dt.date
    precision: DatePrecision = DatePrecision.DAY

    def __post_init__(self) -> None:
        object.__setattr__(self, "precision", DatePrecision(self.precision))
        object.__setattr__(self, "value", truncate(self.value, self.precision))

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Parse ``2010-09-07``, ``2010-09`` or ``2010``; raise ``ValueError`` otherwise."""
        match = _ISO_PATTERN.match(text.strip())
        if not match:
            raise ValueError(f"{text!r} is not a date: use YYYY-MM-DD, YYYY-MM or YYYY.")
        year = int(match["year"])
        month = int(match["month"] or 1)
        day = int(match["day"] or 1)
        try:
            value = dt.date(year, month, day)
        except ValueError as error:
            raise ValueError(f"{text!r} is not a real date ({error}).") from None
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(f"{text!r} is out of range: dates run from {MIN_YEAR} to {MAX_YEAR}.")
        if match["day"]:
            return cls(value, DatePrecision.DAY)
        if match["month"]:
            return cls(value, DatePrecision.MONTH)
        return cls(value, DatePrecision.YEAR)

    @property
    def earliest(self) -> dt.date:
        return self.value

    @property
    def latest(self) -> dt.date:
        if self.precision == DatePrecision.DAY:
            return self.value
        if self.precision == DatePrecision.MONTH:
            last_day = calendar.monthrange(self.value.year, self.value.month)[1]
            return self.value.replace(day=last_day)
        return self.value.replace(month=12, day=31)

    def isoformat(self) -> str:
        """``2010-09-07``, ``2010-09`` or ``2010``: the form the API reads and writes."""
        if self.precision == DatePrecision.DAY:
            return self.value.isoformat()
        if self.precision == DatePrecision.MONTH:
            return f"{self.value.year:04d}-{self.value.month:02d}"
        return f"{self.value.year:04d}"

    def display(self) -> str:
        """``7 September 2010``, ``September 2010`` or ``2010``."""
        month_name = calendar.month_name[self.value.month]
        if self.precision == DatePrecision.DAY:
            return f"{self.value.day} {month_name} {self.value.year}"
        if self.precision == DatePrecision.MONTH:
            return f"{month_name} {self.value.year}"
        return str(self.value.year)

    def __str__(self) -> str:
        return self.display()

    def may_be_before(self, other: PartialDate) -> bool:
        """True unless this date is certainly later than ``other``."""
        return self.earliest <= other.latest


def truncate(value: dt.date, precision: str) -> dt.date:
    if precision == DatePrecision.MONTH:
        return value.replace(day=1)
    if precision == DatePrecision.YEAR:
        return value.replace(month=1, day=1)
    return value


def partial_date(value: dt.date | None, precision: str) -> PartialDate | None:
    return None if value is None else PartialDate(value, DatePrecision(precision))


def display_partial(value: dt.date | None, precision: str, unknown: str = "date unknown") -> str:
    date = partial_date(value, precision)
    return unknown if date is None else date.display()
