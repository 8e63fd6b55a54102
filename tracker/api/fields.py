"""Serializer fields for the API's own representations."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.dates import PartialDate, partial_date

#: Years the API accepts in a date. Deadlines are computed from dates, so a
#: year like 9999 would overflow them; the record starts in the 2000s.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2100

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
    """One string for a date stored in two columns (``<name>`` and ``<name>_precision``).

    Reading gives ``"2010-09-07"``, ``"2010-09"`` or ``"2010"``; writing accepts the
    same forms and yields a :class:`PartialDate`, which the serializer stores in
    both columns (or hands to a service, which takes PartialDate arguments).
    """

    default_error_messages = {
        "invalid": PARTIAL_DATE_HELP,
        "out_of_range": f"The year must be between {EARLIEST_YEAR} and {LATEST_YEAR}.",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", PARTIAL_DATE_HELP)
        super().__init__(**kwargs)

    def get_attribute(self, instance: Any) -> PartialDate | None:
        name = str(self.source)
        return partial_date(getattr(instance, name), getattr(instance, f"{name}_precision"))

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


def store_partial_dates(instance: Any, values: dict[str, Any]) -> dict[str, Any]:
    """Set each PartialDate in ``values`` on its two columns; return the other values."""
    rest: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, PartialDate) or (value is None and _is_partial(instance, name)):
            setattr(instance, name, value.value if value else None)
            if value is not None:
                setattr(instance, f"{name}_precision", value.precision)
        else:
            rest[name] = value
    return rest


def _is_partial(instance: Any, name: str) -> bool:
    return hasattr(instance, f"{name}_precision")


__all__ = ["PartialDateField", "store_partial_dates"]
