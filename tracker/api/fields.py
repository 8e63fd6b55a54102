"""Serializer fields for the API's own representations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import QueryDict
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.dates import MAX_YEAR, MIN_YEAR, PartialDate, partial_date_stored_in
from core.inputs import MAX_ID

#: Years the API accepts in a date. Deadlines are computed from dates, so a
#: year like 9999 would overflow them; the record starts in the 2000s.
EARLIEST_YEAR = MIN_YEAR
LATEST_YEAR = MAX_YEAR

PARTIAL_DATE_HELP = (
    "A date with its precision: `YYYY-MM-DD` (known to the day), `YYYY-MM` (known only "
    "to the month), `YYYY` (known only to the year) or the ISO 8601 interval "
    "`YYYY-MM-DD/YYYY-MM-DD` (a day between these two, both included: "
    '`2010-09-27/2010-10-02`, "last week" in a report of 6 October 2010). The form of '
    f"the string is the precision. Years {EARLIEST_YEAR} to {LATEST_YEAR}; a range may "
    "not end before it starts."
)


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^\d{4}(-\d{2}(-\d{2}(/\d{4}-\d{2}-\d{2})?)?)?$",
        "example": "2010-09",
        "description": PARTIAL_DATE_HELP,
    }
)
class PartialDateField(serializers.Field):  # type: ignore[type-arg]
    """One string for a :class:`PartialDate`.

    Reading gives ``"2010-09-07"``, ``"2010-09"``, ``"2010"`` or the range of days
    ``"2010-09-27/2010-10-02"``; writing accepts the same forms and yields a
    :class:`PartialDate`, which a service takes as it is
    (``sent_on=PartialDate(...)``). On a record the field is named after the
    column that stores the day (``sent_on``) and reads the model's partial date
    (``Letter.sent``); on any other object it reads the attribute itself.
    """

    default_error_messages = {
        "invalid": PARTIAL_DATE_HELP,
        "out_of_range": format_lazy(
            _("The year must be between {earliest} and {latest}."),
            earliest=EARLIEST_YEAR,
            latest=LATEST_YEAR,
        ),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", PARTIAL_DATE_HELP)
        super().__init__(**kwargs)

    def get_attribute(self, instance: Any) -> Any:
        stored = partial_date_stored_in(type(instance), str(self.source))
        if stored is None:
            return super().get_attribute(instance)
        return stored.__get__(instance)

    def to_representation(self, value: PartialDate) -> str:
        return value.isoformat()

    def to_internal_value(self, data: Any) -> PartialDate:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            parsed = PartialDate.parse(data)
        except ValueError as error:
            raise serializers.ValidationError(str(error), code="invalid") from None
        if not EARLIEST_YEAR <= parsed.earliest.year <= parsed.latest.year <= LATEST_YEAR:
            self.fail("out_of_range")
        return parsed


_TEXT_FIELDS = (
    serializers.CharField,
    serializers.ChoiceField,
    serializers.SlugRelatedField,
    serializers.DateField,
    serializers.DateTimeField,
    PartialDateField,
)


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(isinstance(item, str) and "\x00" in item for item in value)
    return False


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def json_type_error(field: serializers.Field, value: Any) -> str | None:  # type: ignore[type-arg]
    """Why ``value`` has the wrong JSON type for ``field``, or ``None`` when its type
    is right (whether the value itself is valid is the field's business).

    JSON says what type each value is, so the API takes it at its word: text is a
    string (never the number 0 stored as ``"0"``), a flag is ``true`` or ``false``
    (never ``"yes"``), a number is a number, an id is a whole number (never ``1.5``
    rounded to 1) and a list of ids is a list of them.
    """
    if value is None:
        return None if field.allow_null else gettext("This field may not be null.")
    if _holds_nul(value):
        return gettext("A NUL character (\\u0000) is never valid.")
    if isinstance(field, serializers.ManyRelatedField):
        if not isinstance(value, list):
            return gettext("Must be a list of ids (a JSON array of whole numbers).")
        if not all(_is_id(item) for item in value):
            return gettext("Each id must be a whole number from 1 to %(max)s.") % {"max": MAX_ID}
        return None
    if isinstance(field, serializers.PrimaryKeyRelatedField):
        return (
            None
            if _is_id(value)
            else gettext("Must be an id: a whole number from 1 to %(max)s.") % {"max": MAX_ID}
        )
    if isinstance(field, serializers.BooleanField):
        return (
            None if isinstance(value, bool) else gettext("Must be true or false (a JSON boolean).")
        )
    if isinstance(field, serializers.IntegerField):
        if isinstance(value, int) and not isinstance(value, bool):
            return None
        return gettext("Must be a whole number (a JSON number, not a string).")
    if isinstance(field, serializers.FloatField | serializers.DecimalField):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return None
        return gettext("Must be a number (a JSON number, not a string).")
    if isinstance(field, _TEXT_FIELDS):
        return None if isinstance(value, str) else gettext("Must be text (a JSON string).")
    return None


def json_type_errors(
    fields: Mapping[str, serializers.Field],  # type: ignore[type-arg]
    data: Mapping[str, Any],
) -> dict[str, list[str]]:
    """Every writable field of ``data`` whose JSON type is wrong, with the reason."""
    errors: dict[str, list[str]] = {}
    for name, value in data.items():
        field = fields.get(name)
        if field is None or field.read_only:
            continue
        if (error := json_type_error(field, value)) is not None:
            errors[name] = [error]
    return errors


def is_json_object(data: Any) -> bool:
    """Whether ``data`` came from a JSON body (a form's or a multipart body's values
    are all text, and their fields parse that text as they always have)."""
    return isinstance(data, dict) and not isinstance(data, QueryDict)


def set_fields(instance: Any, values: dict[str, Any]) -> None:
    """Set each validated value on ``instance``; a partial date through the model's own
    ``PartialDateField``, which stores its day and its precision together."""
    for name, value in values.items():
        stored = partial_date_stored_in(type(instance), name)
        setattr(instance, stored.name if stored else name, value)


__all__ = [
    "PartialDateField",
    "is_json_object",
    "json_type_error",
    "json_type_errors",
    "set_fields",
]
