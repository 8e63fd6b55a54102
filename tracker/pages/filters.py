"""The filters of the staff pages' request and letter lists, shared by their CSV downloads.

One FilterSet per list, so the page and its "Download CSV" read exactly the same
rows. Overdue, very overdue and awaiting a reply are asked of
:mod:`tracker.domain.selectors`, never worked out here. A value that is
not one of the choices (an unknown status, a malformed date) makes the form
invalid: the page shows the error next to the field and the CSV is refused.

Jurisdictions and agencies number in thousands, so no filter lists them all: a
jurisdiction is chosen among the chosen state's (or typed in part), an agency is
typed in part; the id filters (``?jurisdiction=12``, ``?agency=34``, what links
use) show only the row chosen (see ``tracker.pages.forms.OfferedOnly``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from jurisdictions.domain.selectors import agency_choices, jurisdiction_choices, jurisdictions_in
from jurisdictions.domain.states import USState
from jurisdictions.models import Agency
from tracker.api.filters import PartialDateRangeFilter
from tracker.domain import selectors
from tracker.domain.permissions import people_who_may_own_requests
from tracker.domain.selectors import LetterFlag
from tracker.domain.workflow import State
from tracker.models import Basis, Event, Letter, OptOutRequest
from tracker.pages.forms import BoundedModelChoiceField

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


FLAG_CHOICES = [("true", _("Yes")), ("false", _("No"))]
#: Up to this many agencies matching a name, letters are looked up by their ids.
FEW_AGENCIES = 100


class DateRangeInputs(django_filters.widgets.DateRangeWidget):
    """Two date boxes ("from", "to"), each with its own accessible name."""

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        boxes = [
            forms.DateInput(
                attrs={
                    "placeholder": "YYYY-MM-DD",
                    "aria-label": format_lazy("{} (YYYY-MM-DD)", end),
                }
            )
            for end in (_("from"), _("to"))
        ]
        django_filters.widgets.SuffixedMultiWidget.__init__(self, boxes, attrs)


def _letter_flag(label: StrOrPromise, flag: LetterFlag) -> django_filters.ChoiceFilter:
    """Yes/no: letters that have the flag, or that do not."""

    def matching(queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return selectors.letters_with_flag(queryset, flag, value=value == "true")

    return django_filters.ChoiceFilter(
        label=label, choices=FLAG_CHOICES, method=matching, empty_label=_("Any")
    )


def _request_flag(label: StrOrPromise, flag: LetterFlag) -> django_filters.ChoiceFilter:
    """Yes/no: requests with a letter that has the flag, or with none."""

    def matching(queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return selectors.requests_with_flag(queryset, flag, value=value == "true")

    return django_filters.ChoiceFilter(
        label=label, choices=FLAG_CHOICES, method=matching, empty_label=_("Any")
    )


class ChosenOnlyFilter(django_filters.ModelChoiceFilter):
    """An id filter whose select shows "Any", the row chosen and what the page offers."""

    field_class = BoundedModelChoiceField


def _name_contains(label: StrOrPromise, *paths: str) -> django_filters.CharFilter:
    """Rows whose related name (any of ``paths``) contains the text typed, ignoring case."""

    def matching(queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        condition = Q()
        for path in paths:
            condition |= Q(**{f"{path}__icontains": value})
        return queryset.filter(condition)

    return django_filters.CharFilter(label=label, method=matching, max_length=100)


JURISDICTION_HELP = _(
    "Choose a state to list its jurisdictions here, or type part of a name below."
)
AGENCY_HELP = _("Type part of the agency's name below.")


class StateJurisdictions:
    """A list filter whose jurisdiction select offers the chosen state's jurisdictions."""

    form: forms.Form
    state_field = "state"

    def offer_jurisdictions(self) -> None:
        field = self.form.fields["jurisdiction"]
        state = self.form.data.get(self.state_field) if self.form.is_bound else None
        known = isinstance(state, str) and state in USState.values
        if isinstance(field, BoundedModelChoiceField) and known:
            field.offer(jurisdictions_in(str(state)))


class RequestListFilter(StateJurisdictions, django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=State.choices, empty_label=_("Any")
    )
    state = django_filters.ChoiceFilter(
        label=_("State"),
        field_name="jurisdiction__state",
        choices=USState.choices,
        empty_label=_("Any"),
    )
    jurisdiction = ChosenOnlyFilter(
        label=_("Jurisdiction"),
        queryset=jurisdiction_choices(),
        empty_label=_("Any"),
        help_text=JURISDICTION_HELP,
    )
    jurisdiction_name = _name_contains(_("Jurisdiction name contains"), "jurisdiction__name")
    agency = ChosenOnlyFilter(
        label=_("Requesting agency"),
        field_name="requesting_agency",
        queryset=agency_choices(),
        empty_label=_("Any"),
        help_text=AGENCY_HELP,
    )
    agency_name = _name_contains(
        "Requesting agency's name contains",
        "requesting_agency__name",
        "requesting_agency__abbreviation",
    )
    owner = django_filters.ModelChoiceFilter(
        label=_("Owner"),
        queryset=people_who_may_own_requests(),
        to_field_name="username",
        empty_label=_("Anyone"),
    )
    opened_on = PartialDateRangeFilter(
        label=_("Opened between (YYYY-MM-DD)"),
        widget=DateRangeInputs(),
    )
    overdue = _request_flag(_("Has an overdue letter"), "overdue")
    very_overdue = _request_flag(_("Has a very overdue letter"), "very_overdue")
    awaiting_reply = _request_flag(_("Has a letter awaiting a reply"), "awaiting_reply")

    class Meta:
        model = OptOutRequest
        fields: list[str] = []


class LetterListFilter(StateJurisdictions, django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Request status"),
        field_name="request__status",
        choices=State.choices,
        empty_label=_("Any"),
    )
    state = django_filters.ChoiceFilter(
        label=_("State"),
        field_name="request__jurisdiction__state",
        choices=USState.choices,
        empty_label=_("Any"),
    )
    jurisdiction = ChosenOnlyFilter(
        label=_("Jurisdiction"),
        field_name="request__jurisdiction",
        queryset=jurisdiction_choices(),
        empty_label=_("Any"),
        help_text=JURISDICTION_HELP,
    )
    jurisdiction_name = _name_contains(
        _("Jurisdiction name contains"), "request__jurisdiction__name"
    )
    agency = ChosenOnlyFilter(
        label=_("Sent by or to agency"),
        queryset=agency_choices(),
        method="filter_agency",
        empty_label=_("Any"),
        help_text=AGENCY_HELP,
    )
    agency_name = django_filters.CharFilter(
        label=_("Sent by or to an agency whose name contains"),
        method="filter_agency_name",
        max_length=100,
    )
    direction = django_filters.ChoiceFilter(
        label=_("Direction"), choices=Letter.Direction.choices, empty_label=_("Any")
    )
    method = django_filters.ChoiceFilter(
        label=_("Method"), choices=Letter.Method.choices, empty_label=_("Any")
    )
    sent_on = PartialDateRangeFilter(
        label=_("Sent between (YYYY-MM-DD)"),
        widget=DateRangeInputs(),
    )
    overdue = _letter_flag(_("Overdue"), "overdue")
    very_overdue = _letter_flag(_("Very overdue"), "very_overdue")
    awaiting_reply = _letter_flag(_("Awaiting a reply"), "awaiting_reply")
    owner = django_filters.ModelChoiceFilter(
        label=_("Request owner"),
        field_name="request__owner",
        queryset=people_who_may_own_requests(),
        to_field_name="username",
        empty_label=_("Anyone"),
    )

    class Meta:
        model = Letter
        fields: list[str] = []

    def filter_agency(self, queryset: QuerySet[Any], name: str, value: Agency) -> QuerySet[Any]:
        sent_to = Letter.recipients.through.objects.filter(letter=OuterRef("pk"), agency=value)
        return queryset.filter(Q(sender=value) | Q(Exists(sent_to)))

    def filter_agency_name(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        named = Agency.objects.filter(Q(name__icontains=value) | Q(abbreviation__iexact=value))
        few = list(named.values_list("pk", flat=True)[: FEW_AGENCIES + 1])
        if len(few) <= FEW_AGENCIES:
            # A name that picks out a few agencies: their letters are found through the
            # sender's and the recipients' indexes, given the ids themselves (the
            # database cannot guess how few a name matches, and would read every letter).
            written = Letter.objects.filter(sender_id__in=few).values("pk")
            received = Letter.recipients.through.objects.filter(agency_id__in=few)
            return queryset.filter(pk__in=written.union(received.values("letter_id")))
        sent_to = Letter.recipients.through.objects.filter(
            letter=OuterRef("pk"), agency__in=named.values("pk")
        )
        return queryset.filter(Q(sender__in=named.values("pk")) | Q(Exists(sent_to)))


class EventListFilter(StateJurisdictions, django_filters.FilterSet):
    """The staff list of events: by kind, place (named or through a request), whether the
    sources state it or it is inferred, and date."""

    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=Event.Kind.choices, empty_label=_("Any")
    )
    state = django_filters.ChoiceFilter(
        label=_("State"),
        choices=USState.choices,
        empty_label=_("Any"),
        method="filter_state",
    )
    jurisdiction = ChosenOnlyFilter(
        label=_("Jurisdiction"),
        queryset=jurisdiction_choices(),
        empty_label=_("Any"),
        help_text=JURISDICTION_HELP,
        method="filter_jurisdiction",
    )
    basis = django_filters.ChoiceFilter(
        label=_("Stated or inferred"), choices=Basis.choices, empty_label=_("Any")
    )
    happened_on = django_filters.DateFromToRangeFilter(
        label=_("Happened between (YYYY-MM-DD)"),
        widget=DateRangeInputs(),
    )

    class Meta:
        model = Event
        fields: list[str] = []

    def filter_jurisdiction(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return queryset.filter(selectors.events_concerning(value))

    def filter_state(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        named = Event.jurisdictions.through.objects.filter(
            event=OuterRef("pk"), jurisdiction__state=value
        )
        through_request = Event.requests.through.objects.filter(
            event=OuterRef("pk"), optoutrequest__jurisdiction__state=value
        )
        return queryset.filter(Q(Exists(named)) | Q(Exists(through_request)))
