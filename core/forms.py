"""Form fields shared by the staff pages of both apps."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from core.dates import PartialDate

DATE_HELP = _(
    "Type the date as far as it is known: 2010-09-07, or 2010-09 when only the month "
    "is known, or 2010 when only the year is."
)


# Django's own label of an empty choice, which its Spanish catalogue lacks so far: marked
# here so that ours translates it (gettext reads our catalogue first).
gettext_noop("- Select an option -")


class PartialDateField(forms.Field):
    """One text box for a date known to the day, the month or the year.

    It reads and writes the same text as the API (:meth:`PartialDate.parse` and
    :meth:`PartialDate.isoformat`) and cleans to a :class:`PartialDate`, which a
    service takes as it is.
    """

    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", DATE_HELP)
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {
                "placeholder": _("YYYY-MM-DD, YYYY-MM or YYYY"),
                "maxlength": "10",
                "inputmode": "numeric",
                "autocomplete": "off",
            }
        )

    def to_python(self, value: Any) -> PartialDate | None:
        text = str(value or "").strip()
        if not text:
            return None
        try:
            return PartialDate.parse(text)
        except ValueError as error:
            raise ValidationError(str(error), code="invalid_date") from None

    def prepare_value(self, value: Any) -> Any:
        return value.isoformat() if isinstance(value, PartialDate) else value
