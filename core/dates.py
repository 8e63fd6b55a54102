"""Dates known only to the day, the month or the year.

The 2010 record is full of dates like "earlier this year" or "late August".
A :class:`PartialDate` keeps such a date with its precision so that nothing
ever shows an invented day. A model declares one with :class:`PartialDateField`,
which stores it in two columns, the earliest day of the period (``<column>``)
and the precision (``<column>_precision``), and reads and writes it as one
:class:`PartialDate`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Self, overload

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import dateformat, timezone
from django.utils.translation import gettext, pgettext
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


#: Days past today's date that a date which has already happened may carry: the
#: person typing it may be a day ahead of the server's time zone.
FUTURE_SLACK_DAYS = 2


def latest_past_date(today: dt.date | None = None) -> dt.date:
    """The latest day a date that has already happened may be (today plus the slack)."""
    return (today or timezone.localdate()) + dt.timedelta(days=FUTURE_SLACK_DAYS)


def validate_not_future(value: dt.date) -> None:
    """Refuse a date that has not happened yet (a letter "sent" in 2099).

    For dates of things that have happened: letters sent and received, replies,
    statements, requests opened, meetings held. Planned dates (a meeting still
    planned, an activation scheduled, a holiday) are not checked. A partial date is
    checked by its first day, so "this month" is always accepted."""
    latest = latest_past_date()
    if value > latest:
        raise ValidationError(
            gettext(
                "%(value)s is in the future: this date records something that has happened "
                "(dates up to %(latest)s are accepted)."
            ),
            code="date_in_future",
            params={"value": value.isoformat(), "latest": latest.isoformat()},
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
        """``7 September 2010``, ``September 2010`` or ``2010``, in the reader's language
        (``7 de septiembre de 2010``, ``septiembre de 2010``)."""
        if self.precision == DatePrecision.DAY:
            return format_day(self.value)
        if self.precision == DatePrecision.MONTH:
            return format_month(self.value)
        return str(self.value.year)

    def __str__(self) -> str:
        return self.display()

    def may_be_before(self, other: PartialDate) -> bool:
        """True unless this date is certainly later than ``other``."""
        return self.earliest <= other.latest


# --- How a date is written ----------------------------------------------------------
# The formats are Django's date-format letters, translated like any other text, so each
# language writes a date its own way with Django's own month names: English "7 September
# 2010", Spanish "7 de septiembre de 2010" (j \d\e F \d\e Y).


def day_format() -> str:
    # Translators: Django date format of a day, "7 September 2010". Escape literal letters.
    return pgettext("date format", "j F Y")


def month_format() -> str:
    # Translators: Django date format of a month, "September 2010". Escape literal letters.
    return pgettext("date format", "F Y")


def day_time_format() -> str:
    # Translators: Django date format of a day and time, "7 September 2010, 14:05".
    return pgettext("date format", "j F Y, H:i")


def short_day_time_format() -> str:
    # Translators: Django date format of a day and time, short, "7 Sep 2010, 14:05".
    return pgettext("date format", "j M Y, H:i")


def format_day(value: dt.date) -> str:
    """``7 September 2010`` (``7 de septiembre de 2010`` in Spanish)."""
    return dateformat.format(value, day_format())


def format_month(value: dt.date) -> str:
    """``September 2010`` (``septiembre de 2010`` in Spanish)."""
    return dateformat.format(value, month_format())


def truncate(value: dt.date, precision: str) -> dt.date:
    if precision == DatePrecision.MONTH:
        return value.replace(day=1)
    if precision == DatePrecision.YEAR:
        return value.replace(month=1, day=1)
    return value


def partial_date(value: dt.date | None, precision: str) -> PartialDate | None:
    return None if value is None else PartialDate(value, DatePrecision(precision))


def display_partial(value: dt.date | None, precision: str, unknown: str | None = None) -> str:
    date = partial_date(value, precision)
    if date is None:
        return gettext("date unknown") if unknown is None else unknown
    return date.display()


# --- On a model ---------------------------------------------------------------------

PRECISION_HELP = _("How much of the date is known: the day, only the month, or only the year.")


class _PeriodStartField(models.DateField):  # type: ignore[type-arg]
    """The column holding a partial date's first day.

    Saving stores the first day of the period the precision names, whatever day
    was set, so a month-precision date never keeps an invented day. Migrations
    see a plain ``DateField``.
    """

    precision_attname = ""

    def pre_save(self, model_instance: models.Model, add: bool) -> dt.date | None:
        value = super().pre_save(model_instance, add)
        if value is None:
            return None
        start = truncate(self.to_python(value), getattr(model_instance, self.precision_attname))
        setattr(model_instance, self.attname, start)
        return start

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DateField", args, kwargs


class PartialDateField(property):
    """A model's date known to the day, the month or the year, declared once.

    ``sent = PartialDateField(_("sent"), column="sent_on",
    precision_verbose_name=_("sent precision"))`` on a model adds two concrete
    fields, ``sent_on`` (the first day of the period; ``options`` go to its
    ``DateField``) and ``sent_on_precision``, and makes ``sent`` read and write a
    :class:`PartialDate` (``None`` when there is no date). Queries, ordering,
    filters, constraints and the history use the two columns; everything else
    reads and writes the date through ``sent``. Saving stores the first day of
    the period, whatever day was set.

    Being a property, it is accepted by the model's constructor
    (``Letter(sent=PartialDate(...))``); django-stubs checks a constructor's
    keywords against the fields only, so typed code assigns it after building
    the record (``letter.sent = ...``), and reads the date through it rather
    than through the columns, which the type checker does not see.

    Everything a partial date is made of, stored as and read as lives here and
    in :class:`PartialDate`: a date given as a range of days extends these two.
    """

    def __init__(
        self,
        verbose_name: Any,
        *,
        column: str,
        precision_verbose_name: Any,
        happened: bool = False,
        **options: Any,
    ) -> None:
        super().__init__()
        options.setdefault("null", True)
        options.setdefault("blank", True)
        options.setdefault(
            "validators",
            [validate_plausible_date, *([validate_not_future] if happened else [])],
        )
        self.name = ""
        self.column = column
        self.precision_column = f"{column}_precision"
        # Built here, not in contribute_to_class, so that the two fields take
        # the declaration's place in the model's field order.
        self.date_field = _PeriodStartField(verbose_name, **options)
        self.date_field.precision_attname = self.precision_column
        self.precision_field: models.CharField[Any, Any] = models.CharField(
            precision_verbose_name,
            max_length=5,
            choices=DatePrecision.choices,
            default=DatePrecision.DAY,
            help_text=PRECISION_HELP,
        )

    @property
    def columns(self) -> tuple[str, str]:
        """The concrete fields, for ``.only()`` and the admin's two inputs."""
        return (self.column, self.precision_column)

    def contribute_to_class(self, cls: type[models.Model], name: str) -> None:
        self.name = name
        cls.add_to_class(self.column, self.date_field)
        cls.add_to_class(self.precision_column, self.precision_field)
        setattr(cls, name, self)

    @overload
    def __get__(self, instance: None, owner: type | None = None, /) -> Self: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None, /) -> PartialDate | None: ...

    def __get__(self, instance: object, owner: type | None = None, /) -> Self | PartialDate | None:
        if instance is None:
            return self
        return partial_date(
            getattr(instance, self.column), getattr(instance, self.precision_column)
        )

    def __set__(self, instance: object, value: PartialDate | None, /) -> None:
        if value is None:
            # The precision stays as it was: without a date it says nothing.
            setattr(instance, self.column, None)
            return
        if not isinstance(value, PartialDate):
            raise TypeError(f"{self.name} takes a PartialDate or None, not {value!r}.")
        setattr(instance, self.column, value.value)
        setattr(instance, self.precision_column, value.precision)

    def display(self, instance: object, unknown: str | None = None) -> str:
        """``7 September 2010``, ``September 2010``, ``2010`` or ``unknown``."""
        return display_partial(
            getattr(instance, self.column), getattr(instance, self.precision_column), unknown
        )


_stored_in: dict[tuple[type, str], PartialDateField | None] = {}


def partial_date_stored_in(model: type, column: str) -> PartialDateField | None:
    """The partial date of ``model`` whose day is stored in ``column``, if there is one."""
    key = (model, column)
    if key not in _stored_in:
        _stored_in[key] = next(
            (
                value
                for klass in model.__mro__
                for value in vars(klass).values()
                if isinstance(value, PartialDateField) and value.column == column
            ),
            None,
        )
    return _stored_in[key]
