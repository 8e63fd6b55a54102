"""The filters of the staff pages' request and letter lists, shared by their CSV downloads.

One FilterSet per list, so the page and its "Download CSV" read exactly the same
rows. Overdue, very overdue and awaiting a reply are asked of
:class:`tracker.models.LetterQuerySet`, never worked out here. A value that is
not one of the choices (an unknown status, a malformed date) makes the form
invalid: the page shows the error next to the field and the CSV is refused.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from jurisdictions.domain.states import USState
from jurisdictions.models import Agency, Jurisdiction
from tracker.domain.permissions import people_who_may_own_requests
from tracker.domain.workflow import State
from tracker.models import Letter, OptOutRequest

FLAG_CHOICES = [("true", "Yes"), ("false", "No")]


class DateRangeInputs(django_filters.widgets.DateRangeWidget):
    """Two date boxes ("from", "to"), each with its own accessible name."""

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        boxes = [
            forms.DateInput(
                attrs={"placeholder": "YYYY-MM-DD", "aria-label": f"{end} (YYYY-MM-DD)"}
            )
            for end in ("from", "to")
        ]
        django_filters.widgets.SuffixedMultiWidget.__init__(self, boxes, attrs)


def _flag(label: str, method: str) -> django_filters.ChoiceFilter:
    return django_filters.ChoiceFilter(
        label=label, choices=FLAG_CHOICES, method=method, empty_label="Any"
    )


def _apply_flag(queryset: QuerySet[Any], value: str, matching: Any) -> QuerySet[Any]:
    return queryset.filter(matching) if value == "true" else queryset.exclude(matching)


def _agencies() -> QuerySet[Agency]:
    return Agency.objects.order_by("name")


def _jurisdictions() -> QuerySet[Jurisdiction]:
    return Jurisdiction.objects.order_by("state", "name")


def _today() -> dt.date:
    return timezone.localdate()


def with_letter_flags(letters: QuerySet[Letter], today: dt.date) -> QuerySet[Letter]:
    """Each letter marked ``list_awaiting``, ``list_overdue`` and ``list_very_overdue``,
    by the rules of ``awaiting_reply()``, ``overdue()`` and ``very_overdue()``."""
    same = {"pk": OuterRef("pk")}
    return letters.annotate(
        list_awaiting=Exists(Letter.objects.awaiting_reply().filter(**same)),
        list_overdue=Exists(Letter.objects.overdue(today).filter(**same)),
        list_very_overdue=Exists(Letter.objects.very_overdue(today).filter(**same)),
    )


def with_request_flags(requests: QuerySet[OptOutRequest], today: dt.date) -> QuerySet[Any]:
    """Each request marked ``list_overdue`` / ``list_very_overdue`` when one of its
    letters is."""
    of_request = {"request": OuterRef("pk")}
    return requests.annotate(
        list_overdue=Exists(Letter.objects.overdue(today).filter(**of_request)),
        list_very_overdue=Exists(Letter.objects.very_overdue(today).filter(**of_request)),
    )


class RequestListFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label="Status", choices=State.choices, empty_label="Any")
    jurisdiction = django_filters.ModelChoiceFilter(
        label="Jurisdiction", queryset=_jurisdictions(), empty_label="Any"
    )
    state = django_filters.ChoiceFilter(
        label="State", field_name="jurisdiction__state", choices=USState.choices, empty_label="Any"
    )
    agency = django_filters.ModelChoiceFilter(
        label="Requesting agency",
        field_name="requesting_agency",
        queryset=_agencies(),
        empty_label="Any",
    )
    owner = django_filters.ModelChoiceFilter(
        label="Owner",
        queryset=people_who_may_own_requests(),
        to_field_name="username",
        empty_label="Anyone",
    )
    opened_on = django_filters.DateFromToRangeFilter(
        label="Opened between (YYYY-MM-DD)",
        widget=DateRangeInputs(),
    )
    overdue = _flag("Has an overdue letter", "filter_overdue")
    very_overdue = _flag("Has a very overdue letter", "filter_very_overdue")
    awaiting_reply = _flag("Has a letter awaiting a reply", "filter_awaiting_reply")

    class Meta:
        model = OptOutRequest
        fields: list[str] = []

    def _letters_of_request(self, letters: QuerySet[Letter]) -> Exists:
        return Exists(letters.filter(request=OuterRef("pk")))

    def filter_overdue(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return _apply_flag(
            queryset, value, self._letters_of_request(Letter.objects.overdue(_today()))
        )

    def filter_very_overdue(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return _apply_flag(
            queryset, value, self._letters_of_request(Letter.objects.very_overdue(_today()))
        )

    def filter_awaiting_reply(
        self, queryset: QuerySet[Any], name: str, value: str
    ) -> QuerySet[Any]:
        return _apply_flag(
            queryset, value, self._letters_of_request(Letter.objects.awaiting_reply())
        )


class LetterListFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label="Request status",
        field_name="request__status",
        choices=State.choices,
        empty_label="Any",
    )
    jurisdiction = django_filters.ModelChoiceFilter(
        label="Jurisdiction",
        field_name="request__jurisdiction",
        queryset=_jurisdictions(),
        empty_label="Any",
    )
    state = django_filters.ChoiceFilter(
        label="State",
        field_name="request__jurisdiction__state",
        choices=USState.choices,
        empty_label="Any",
    )
    agency = django_filters.ModelChoiceFilter(
        label="Sent by or to agency",
        queryset=_agencies(),
        method="filter_agency",
        empty_label="Any",
    )
    direction = django_filters.ChoiceFilter(
        label="Direction", choices=Letter.Direction.choices, empty_label="Any"
    )
    method = django_filters.ChoiceFilter(
        label="Method", choices=Letter.Method.choices, empty_label="Any"
    )
    sent_on = django_filters.DateFromToRangeFilter(
        label="Sent between (YYYY-MM-DD)",
        widget=DateRangeInputs(),
    )
    overdue = _flag("Overdue", "filter_overdue")
    very_overdue = _flag("Very overdue", "filter_very_overdue")
    awaiting_reply = _flag("Awaiting a reply", "filter_awaiting_reply")
    owner = django_filters.ModelChoiceFilter(
        label="Request owner",
        field_name="request__owner",
        queryset=people_who_may_own_requests(),
        to_field_name="username",
        empty_label="Anyone",
    )

    class Meta:
        model = Letter
        fields: list[str] = []

    def filter_agency(self, queryset: QuerySet[Any], name: str, value: Agency) -> QuerySet[Any]:
        sent_to = Letter.recipients.through.objects.filter(letter=OuterRef("pk"), agency=value)
        return queryset.filter(Q(sender=value) | Q(Exists(sent_to)))

    def filter_overdue(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return _apply_flag(queryset, value, Q(pk__in=Letter.objects.overdue(_today()).values("pk")))

    def filter_very_overdue(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        very = Letter.objects.very_overdue(_today()).values("pk")
        return _apply_flag(queryset, value, Q(pk__in=very))

    def filter_awaiting_reply(
        self, queryset: QuerySet[Any], name: str, value: str
    ) -> QuerySet[Any]:
        return _apply_flag(queryset, value, Q(pk__in=Letter.objects.awaiting_reply().values("pk")))
