"""The filters of the staff pages' request and letter lists, shared by their CSV downloads.

One FilterSet per list, so the page and its "Download CSV" read exactly the same
rows. Overdue, very overdue and awaiting a reply are asked of
:mod:`tracker.domain.selectors`, never worked out here. A value that is
not one of the choices (an unknown status, a malformed date) makes the form
invalid: the page shows the error next to the field and the CSV is refused.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet

from jurisdictions.domain.selectors import agency_choices, jurisdiction_choices
from jurisdictions.domain.states import USState
from jurisdictions.models import Agency
from tracker.domain import selectors
from tracker.domain.permissions import people_who_may_own_requests
from tracker.domain.selectors import LetterFlag
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


def _letter_flag(label: str, flag: LetterFlag) -> django_filters.ChoiceFilter:
    """Yes/no: letters that have the flag, or that do not."""

    def matching(queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return selectors.letters_with_flag(queryset, flag, value=value == "true")

    return django_filters.ChoiceFilter(
        label=label, choices=FLAG_CHOICES, method=matching, empty_label="Any"
    )


def _request_flag(label: str, flag: LetterFlag) -> django_filters.ChoiceFilter:
    """Yes/no: requests with a letter that has the flag, or with none."""

    def matching(queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return selectors.requests_with_flag(queryset, flag, value=value == "true")

    return django_filters.ChoiceFilter(
        label=label, choices=FLAG_CHOICES, method=matching, empty_label="Any"
    )


class RequestListFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label="Status", choices=State.choices, empty_label="Any")
    jurisdiction = django_filters.ModelChoiceFilter(
        label="Jurisdiction", queryset=jurisdiction_choices(), empty_label="Any"
    )
    state = django_filters.ChoiceFilter(
        label="State", field_name="jurisdiction__state", choices=USState.choices, empty_label="Any"
    )
    agency = django_filters.ModelChoiceFilter(
        label="Requesting agency",
        field_name="requesting_agency",
        queryset=agency_choices(),
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
    overdue = _request_flag("Has an overdue letter", "overdue")
    very_overdue = _request_flag("Has a very overdue letter", "very_overdue")
    awaiting_reply = _request_flag("Has a letter awaiting a reply", "awaiting_reply")

    class Meta:
        model = OptOutRequest
        fields: list[str] = []


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
        queryset=jurisdiction_choices(),
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
        queryset=agency_choices(),
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
    overdue = _letter_flag("Overdue", "overdue")
    very_overdue = _letter_flag("Very overdue", "very_overdue")
    awaiting_reply = _letter_flag("Awaiting a reply", "awaiting_reply")
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
