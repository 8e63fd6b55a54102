"""Dates known only to the day, the month, the year, or as a range of days.

The 2010 record is full of dates like "earlier this year", "late August" or
"last week". A :class:`PartialDate` keeps such a date with its precision so that
nothing ever shows an invented day: the Washington Post report of 6 October 2010
quoting a senior ICE official "last week" is dated "between 27 September and
2 October 2010". A model declares one with :class:`PartialDateField`, which
stores it in three columns, the earliest day of the period (``<column>``), the
precision (``<column>_precision``) and the latest day (``<column>_until``), and
reads and writes it as one :class:`PartialDate`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import total_ordering
from typing import Any, Self, overload

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import pre_save
from django.utils import dateformat, timezone
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _


class DatePrecision(models.TextChoices):
    DAY = "day", _("Day")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")
    RANGE = "range", _("Range of days")


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


#: The separator of an ISO 8601 interval, ``2010-09-27/2010-10-02``.
RANGE_SEPARATOR = "/"


def _range_error(first: dt.date, last: dt.date) -> str | None:
    """Why ``first``..``last`` is not a range of days, or None when it is one."""
    if last < first:
        return gettext("The range ends before it starts: %(last)s is before %(first)s.") % {
            "first": first.isoformat(),
            "last": last.isoformat(),
        }
    for day in (first, last):
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            return gettext("%(value)s is out of range: dates run from %(min)s to %(max)s.") % {
                "value": day.isoformat(),
                "min": MIN_YEAR,
                "max": MAX_YEAR,
            }
    return None


@total_ordering
@dataclass(frozen=True, eq=True)
class PartialDate:
    """A date with its precision; ``value`` is always the first day of the period.

    A range of days (``precision`` ``RANGE``) also has ``until``, its last day;
    every other precision has ``until`` None (its last day follows from the
    precision). A range whose two days are the same is that day.

    Dates order by their bounds: first by the earliest possible day, then by the
    latest, so "September 2010" comes before "27 September to 2 October 2010",
    which comes before "6 October 2010"."""

    value: dt.date
    precision: DatePrecision = DatePrecision.DAY
    until: dt.date | None = None

    def __post_init__(self) -> None:
        precision = DatePrecision(self.precision)
        if precision == DatePrecision.RANGE:
            if self.until is None:
                raise ValueError("A range of days needs its last day.")
            problem = _range_error(self.value, self.until)
            if problem:
                raise ValueError(problem)
            if self.until == self.value:
                precision = DatePrecision.DAY
                object.__setattr__(self, "until", None)
        else:
            object.__setattr__(self, "until", None)
        object.__setattr__(self, "precision", precision)
        object.__setattr__(self, "value", truncate(self.value, precision))

    @classmethod
    def between(cls, first: dt.date, last: dt.date) -> PartialDate:
        """The range of days from ``first`` to ``last`` (the same day: that day)."""
        return cls(first, DatePrecision.RANGE, last)

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Parse ``2010-09-07``, ``2010-09``, ``2010`` or the interval
        ``2010-09-27/2010-10-02``; raise ``ValueError`` otherwise."""
        text = text.strip()
        if RANGE_SEPARATOR in text:
            first_text, _separator, last_text = text.partition(RANGE_SEPARATOR)
            first, last = cls.parse(first_text), cls.parse(last_text)
            if first.precision != DatePrecision.DAY or last.precision != DatePrecision.DAY:
                raise ValueError(
                    f"{text!r} is not a range of days: write both days in full, "
                    "YYYY-MM-DD/YYYY-MM-DD."
                )
            problem = _range_error(first.value, last.value)
            if problem:
                raise ValueError(problem)
            return cls.between(first.value, last.value)
        match = _ISO_PATTERN.match(text)
        if not match:
            raise ValueError(
                f"{text!r} is not a date: use YYYY-MM-DD, YYYY-MM or YYYY."
                " A range of days: YYYY-MM-DD/YYYY-MM-DD."
            )
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
        if self.until is not None:
            return self.until
        return latest_day(self.value, self.precision)

    def _key(self) -> tuple[dt.date, dt.date, str]:
        return (self.earliest, self.latest, str(self.precision))

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, PartialDate):
            return NotImplemented
        return self._key() < other._key()

    def isoformat(self) -> str:
        """``2010-09-07``, ``2010-09``, ``2010`` or ``2010-09-27/2010-10-02``: the form
        the API reads and writes."""
        if self.precision == DatePrecision.DAY:
            return self.value.isoformat()
        if self.precision == DatePrecision.MONTH:
            return f"{self.value.year:04d}-{self.value.month:02d}"
        if self.precision == DatePrecision.RANGE:
            return f"{self.value.isoformat()}{RANGE_SEPARATOR}{self.latest.isoformat()}"
        return f"{self.value.year:04d}"

    @property
    def html_datetime(self) -> str:
        """The value of an HTML ``<time datetime>``: a day, a month or a year. HTML has no
        range of days, so a range is written as the month, else the year, holding it
        (``2010`` for 27 September to 2 October 2010), else its first day."""
        if self.precision != DatePrecision.RANGE:
            return self.isoformat()
        first, last = self.value, self.latest
        if (first.year, first.month) == (last.year, last.month):
            return f"{first.year:04d}-{first.month:02d}"
        if first.year == last.year:
            return f"{first.year:04d}"
        return first.isoformat()

    def display(self) -> str:
        """``7 September 2010``, ``September 2010``, ``2010`` or ``between 27 September
        and 2 October 2010``, in the reader's language (``7 de septiembre de 2010``,
        ``septiembre de 2010``)."""
        if self.precision == DatePrecision.DAY:
            return format_day(self.value)
        if self.precision == DatePrecision.MONTH:
            return format_month(self.value)
        if self.precision == DatePrecision.RANGE:
            return format_range(self.value, self.latest)
        return str(self.value.year)

    def __str__(self) -> str:
        return self.display()

    def may_be_before(self, other: PartialDate) -> bool:
        """True unless this date is certainly later than ``other``."""
        return self.earliest <= other.latest


def latest_day(value: dt.date, precision: str) -> dt.date:
    """The last day of the day, month or year that starts on ``value``."""
    if precision == DatePrecision.MONTH:
        last_day = calendar.monthrange(value.year, value.month)[1]
        return value.replace(day=last_day)
    if precision == DatePrecision.YEAR:
        return value.replace(month=12, day=31)
    return value


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


def format_range(first: dt.date, last: dt.date) -> str:
    """``between 27 September and 2 October 2010``; ``between 27 and 30 September
    2010`` within a month; both years written when they differ (``between 28 December
    2009 and 3 January 2010``)."""
    if first.year != last.year:
        # Translators: a range of days in two years, "between 28 December 2009 and 3 January 2010".
        return gettext("between %(first)s and %(last)s") % {
            "first": format_day(first),
            "last": format_day(last),
        }
    if first.month != last.month:
        return gettext("between %(first)s and %(last)s") % {
            # Translators: Django date format of a day without its year, "27 September".
            "first": dateformat.format(first, pgettext("date format", "j F")),
            "last": format_day(last),
        }
    # Translators: a range of days within a month, "between 27 and 30 September 2010":
    # %(first)s and %(last)s are day numbers, %(month)s the month and its year.
    return gettext("between %(first)s and %(last)s %(month)s") % {
        "first": first.day,
        "last": last.day,
        "month": format_month(first),
    }


def truncate(value: dt.date, precision: str) -> dt.date:
    if precision == DatePrecision.MONTH:
        return value.replace(day=1)
    if precision == DatePrecision.YEAR:
        return value.replace(month=1, day=1)
    return value


def partial_date(
    value: dt.date | None, precision: str, until: dt.date | None = None
) -> PartialDate | None:
    """The date stored in a day, its precision and (for a range) its last day.

    A range stored without a sensible last day (never written by the tracker) reads
    as its first day, rather than failing a whole page."""
    if value is None:
        return None
    known = DatePrecision(precision)
    if known == DatePrecision.RANGE and (until is None or until < value):
        return PartialDate(value, DatePrecision.DAY)
    return PartialDate(value, known, until)


def display_partial(
    value: dt.date | None,
    precision: str,
    unknown: str | None = None,
    until: dt.date | None = None,
) -> str:
    date = partial_date(value, precision, until)
    if date is None:
        return gettext("date unknown") if unknown is None else unknown
    return date.display()


# --- On a model ---------------------------------------------------------------------

PRECISION_HELP = _(
    "How much of the date is known: the day, only the month, only the year, "
    "or a range of days (the last day goes in the date's “to”)."
)
UNTIL_HELP = _(
    "The latest day the date may be: the day itself, the last day of the month or of the "
    "year, or the last day of the range. Filled in on saving; queries compare with it."
)


class _PeriodStartField(models.DateField):  # type: ignore[type-arg]
    """The column holding a partial date's first day.

    Saving stores the first day of the period the precision names, whatever day
    was set, so a month-precision date never keeps an invented day. Migrations
    see a plain ``DateField``.
    """

    precision_attname = ""
    until_attname = ""

    def validate(self, value: Any, model_instance: models.Model | None) -> None:
        super().validate(value, model_instance)
        # The last day's own check is skipped when it is empty (the column may be).
        if (
            model_instance is not None
            and value is not None
            and getattr(model_instance, self.precision_attname) == DatePrecision.RANGE
            and getattr(model_instance, self.until_attname, None) is None
        ):
            raise ValidationError(
                gettext("A range of days needs its last day."), code="range_without_end"
            )

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


class _PeriodEndField(models.DateField):  # type: ignore[type-arg]
    """The column holding a partial date's latest possible day.

    Saving works it out from the first day and the precision (the day itself, the
    last day of the month or of the year); only a range of days keeps the last day
    it was given. Queries compare with it ("sent before" a day, deadlines, the
    triggers between letters and replies). Migrations see a plain ``DateField``."""

    start_attname = ""
    precision_attname = ""

    def end_of(self, model_instance: models.Model) -> dt.date | None:
        start = getattr(model_instance, self.start_attname)
        if start is None:
            return None
        start = self.to_python(start)
        precision = getattr(model_instance, self.precision_attname)
        if precision == DatePrecision.RANGE:
            until = getattr(model_instance, self.attname)
            return None if until is None else self.to_python(until)
        return latest_day(truncate(start, precision), precision)

    def pre_save(self, model_instance: models.Model, add: bool) -> dt.date | None:
        end = self.end_of(model_instance)
        setattr(model_instance, self.attname, end)
        return end

    def validate(self, value: Any, model_instance: models.Model | None) -> None:
        super().validate(value, model_instance)
        if model_instance is None:
            return
        if getattr(model_instance, self.precision_attname) != DatePrecision.RANGE:
            return
        start = getattr(model_instance, self.start_attname)
        if start is None:
            return
        if value is None:
            raise ValidationError(
                gettext("A range of days needs its last day."), code="range_without_end"
            )
        problem = _range_error(self.to_python(start), self.to_python(value))
        if problem:
            raise ValidationError(problem, code="range_ends_before_start")

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DateField", args, kwargs


class PartialDateField(property):
    """A model's date known to the day, the month, the year or as a range of days,
    declared once.

    ``sent = PartialDateField(_("sent"), column="sent_on",
    precision_verbose_name=_("sent precision"))`` on a model adds three concrete
    fields, ``sent_on`` (the first day of the period; ``options`` go to its
    ``DateField``), ``sent_on_precision`` and ``sent_on_until`` (the latest possible
    day, whatever the precision), and makes ``sent`` read and write a
    :class:`PartialDate` (``None`` when there is no date). Queries, ordering,
    filters, constraints and the history use the columns; everything else
    reads and writes the date through ``sent``. Saving stores the first day of
    the period, whatever day was set, and its last day.

    Being a property, it is accepted by the model's constructor
    (``Letter(sent=PartialDate(...))``); django-stubs checks a constructor's
    keywords against the fields only, so typed code assigns it after building
    the record (``letter.sent = ...``), and reads the date through it rather
    than through the columns, which the type checker does not see.

    Everything a partial date is made of, stored as and read as lives here and
    in :class:`PartialDate`.
    """

    def __init__(
        self,
        verbose_name: Any,
        *,
        column: str,
        precision_verbose_name: Any,
        happened: bool = False,
        until_verbose_name: Any = None,
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
        self.until_column = f"{column}_until"
        # Built here, not in contribute_to_class, so that the fields take the
        # declaration's place in the model's field order.
        self.date_field = _PeriodStartField(verbose_name, **options)
        self.date_field.precision_attname = self.precision_column
        self.date_field.until_attname = self.until_column
        self.precision_field: models.CharField[Any, Any] = models.CharField(
            precision_verbose_name,
            max_length=5,
            choices=DatePrecision.choices,
            default=DatePrecision.DAY,
            help_text=PRECISION_HELP,
        )
        self.until_field = _PeriodEndField(
            until_verbose_name or _("to"),
            null=True,
            blank=True,
            validators=[validate_plausible_date],
            help_text=UNTIL_HELP,
        )
        self.until_field.start_attname = self.column
        self.until_field.precision_attname = self.precision_column

    @property
    def columns(self) -> tuple[str, str, str]:
        """The concrete fields, for ``.only()`` and the admin's inputs."""
        return (self.column, self.precision_column, self.until_column)

    def contribute_to_class(self, cls: type[models.Model], name: str) -> None:
        self.name = name
        cls.add_to_class(self.column, self.date_field)
        cls.add_to_class(self.precision_column, self.precision_field)
        cls.add_to_class(self.until_column, self.until_field)
        setattr(cls, name, self)
        # Fixtures are saved "raw", without the fields' pre_save: the last day is
        # filled in for them too.
        pre_save.connect(self._fill_until, sender=cls, weak=False)

    def _fill_until(self, sender: type, instance: models.Model, **kwargs: Any) -> None:
        if kwargs.get("raw"):
            setattr(instance, self.until_column, self.until_field.end_of(instance))

    @overload
    def __get__(self, instance: None, owner: type | None = None, /) -> Self: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None, /) -> PartialDate | None: ...

    def __get__(self, instance: object, owner: type | None = None, /) -> Self | PartialDate | None:
        if instance is None:
            return self
        return partial_date(
            getattr(instance, self.column),
            getattr(instance, self.precision_column),
            getattr(instance, self.until_column, None),
        )

    def __set__(self, instance: object, value: PartialDate | None, /) -> None:
        if value is None:
            # The precision stays as it was: without a date it says nothing.
            setattr(instance, self.column, None)
            setattr(instance, self.until_column, None)
            return
        if not isinstance(value, PartialDate):
            raise TypeError(f"{self.name} takes a PartialDate or None, not {value!r}.")
        setattr(instance, self.column, value.value)
        setattr(instance, self.precision_column, value.precision)
        setattr(instance, self.until_column, value.latest)

    def display(self, instance: object, unknown: str | None = None) -> str:
        """``7 September 2010``, ``September 2010``, ``2010``, ``between 27 September
        and 2 October 2010`` or ``unknown``."""
        return display_partial(
            getattr(instance, self.column),
            getattr(instance, self.precision_column),
            unknown,
            getattr(instance, self.until_column, None),
        )


def may_fall_between(column: str, first: dt.date | None, last: dt.date | None) -> models.Q:
    """Records whose partial date stored in ``column`` may fall between ``first`` and
    ``last`` (both included, either may be None): its latest possible day is on or
    after ``first`` and its earliest on or before ``last``. A letter sent "September
    2010", or "between 27 September and 2 October 2010", may have been sent on or after
    1 October, and on or before 30 September."""
    condition = models.Q()
    if first is not None:
        condition &= models.Q(**{f"{column}_until__gte": first})
    if last is not None:
        condition &= models.Q(**{f"{column}__lte": last})
    return condition


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
