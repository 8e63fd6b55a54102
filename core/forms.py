"""Form fields shared by the staff pages of both apps."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from core.dates import PartialDate
from core.inputs import LONG_TEXT_MAX_LENGTH, MAX_ID

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise

DATE_HELP = _(
    "Type the date as far as it is known: 2010-09-07, or 2010-09 when only the month "
    "is known, or 2010 when only the year is, or 2010-09-27/2010-10-02 for a day "
    "between two days."
)


# Django's own label of an empty choice, which its Spanish catalogue lacks so far: marked
# here so that ours translates it (gettext reads our catalogue first).
gettext_noop("- Select an option -")


class PartialDateField(forms.Field):
    """One text box for a date known to the day, the month, the year or as a range of
    days (``2010-09-27/2010-10-02``).

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
                "maxlength": "21",
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


def long_text_field(
    label: _StrOrPromise,
    *,
    required: bool = False,
    rows: int = 3,
    max_length: int = LONG_TEXT_MAX_LENGTH,
    help_text: _StrOrPromise = "",
) -> forms.CharField:
    """A text box for free text, with the limit its model field enforces shown to the
    person typing (the browser stops at ``maxlength``; the help text says it)."""
    limit = format_lazy(_("Up to {limit} characters."), limit=f"{max_length:,}")
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea({"rows": rows}),
        help_text=format_lazy("{} {}", help_text, limit) if help_text else limit,
    )


class IdCheckedModelMultipleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """A ``ModelMultipleChoiceField`` that refuses an id no row can have before asking
    the database: Django looks the chosen ids up with one ``IN (...)`` query, and
    SQLite fails on an integer past 64 bits (a 500) where the form should say
    "not a valid value"."""

    def _check_values(self, value: Any) -> Any:
        key = self.to_field_name or "pk"
        assert self.queryset is not None
        field = self.queryset.model._meta.get_field(key) if key != "pk" else None
        field = field or self.queryset.model._meta.pk
        if isinstance(field, models.IntegerField | models.AutoField):
            for pk in value if isinstance(value, list | tuple) else []:
                if not is_id_text(pk):
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    )
        return super()._check_values(value)  # type: ignore[misc]


def is_id_text(value: Any) -> bool:
    """Whether ``value`` is the text of an id a row can have (1 to :data:`MAX_ID`)."""
    text = str(value).strip()
    return text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID
