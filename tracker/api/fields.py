"""Serializer fields for the API's own representations."""

from __future__ import annotations

from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.dates import MAX_YEAR, MIN_YEAR, PartialDate, partial_date_stored_in

#: Years the API accepts in a date. Deadlines are computed from dates, so a
#: year like 9999 would overflow them; the record starts in the 2000s.
EARLIEST_YEAR = MIN_YEAR
LATEST_YEAR = MAX_YEAR

PARTIAL_DATE_HELP = (
    "A date with its precision: `YYYY-MM-DD` (known to the day), `YYYY-MM` (known only "
    "to the month) or `YYYY` (known only to the year). The form of the string is the "
    f"precision. Years {EARLIEST_YEAR} to {LATEST_YEAR}."
)


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$",
        "example": "2010-09",
        "description": PARTIAL_DATE_HELP,
    }
)
class PartialDateField(serializers.Field):  # type: ignore[type-arg]
    """One string for a :class:`PartialDate`.

    Reading gives ``"2010-09-07"``, ``"2010-09"`` or ``"2010"``; writing accepts the
    same forms and yields a :class:`PartialDate`, which a service takes as it is
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
        if not EARLIEST_YEAR <= parsed.value.year <= LATEST_YEAR:
            self.fail("out_of_range")
        return parsed


def set_fields(instance: Any, values: dict[str, Any]) -> None:
    """Set each validated value on ``instance``; a partial date through the model's own
    ``PartialDateField``, which stores its day and its precision together."""
    for name, value in values.items():
        stored = partial_date_stored_in(type(instance), name)
        setattr(instance, stored.name if stored else name, value)


__all__ = ["PartialDateField", "set_fields"]
