"""One FilterSet per resource, plus strict search and ordering.

Every filter value is checked: an unknown status, a malformed date, an id that
does not exist or an unknown ordering field is a 400 that names the parameter,
never an empty list that looks like "nothing matched".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import django_filters
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.utils.translation import gettext
from rest_framework import filters, serializers
from rest_framework.request import Request
from rest_framework.views import APIView

from jurisdictions.domain.selectors import agency_and_parts
from jurisdictions.domain.states import USState
from jurisdictions.models import Agency, Contact, Jurisdiction
from tracker.domain import selectors
from tracker.domain.permissions import people_who_may_own_requests
from tracker.domain.selectors import LetterFlag
from tracker.domain.workflow import State
from tracker.models import AgencyResponse, Letter, Meeting, OptOutRequest, Statement, Transition

_FLAG_CHOICES = [("true", "true"), ("false", "false")]
SEARCH_MAX_LENGTH = 200

FilterMethod = Callable[[QuerySet[Any], str, str], QuerySet[Any]]


def _flag(method: str | FilterMethod, help_text: str) -> django_filters.ChoiceFilter:
    """A yes/no filter that refuses anything but ``true`` and ``false``; ``method`` is a
    function or the name of a method of the FilterSet."""
    return django_filters.ChoiceFilter(choices=_FLAG_CHOICES, method=method, help_text=help_text)


def _letter_flag(flag: LetterFlag, help_text: str) -> django_filters.ChoiceFilter:
    """``true``: letters that have the flag; ``false``: letters that do not."""

    def matching(queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return selectors.letters_with_flag(queryset, flag, value=value == "true")

    return _flag(matching, help_text)


def _request_flag(flag: LetterFlag, help_text: str) -> django_filters.ChoiceFilter:
    """``true``: requests with a letter that has the flag; ``false``: with none."""

    def matching(queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return selectors.requests_with_flag(queryset, flag, value=value == "true")

    return _flag(matching, help_text)


def _one_of(**kwargs: Any) -> django_filters.MultipleChoiceFilter:
    """``name=a&name=b``: rows with one of the values.

    Without ``SELECT DISTINCT``, which django-filter adds by default and which
    makes the database compare whole rows: every one of these filters is on a
    column of the row or of a record it points to, so no row can match twice.
    """
    return django_filters.MultipleChoiceFilter(distinct=False, **kwargs)


class LinkedAgencyFilter(django_filters.ModelChoiceFilter):
    """Rows linked to the agency through the many-to-many field ``field_name``: an
    ``EXISTS`` on the link table, so each row is listed once without ``SELECT DISTINCT``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=Agency.objects.all(), **kwargs)

    def filter(self, qs: QuerySet[Any], value: Agency | None) -> QuerySet[Any]:
        if value is None:
            return qs
        link: Any = qs.model._meta.get_field(self.field_name)
        through = link.remote_field.through
        own = link.m2m_field_name()
        return qs.filter(Exists(through.objects.filter(**{own: OuterRef("pk")}, agency=value)))


class StrictSearchFilter(filters.SearchFilter):
    """``search=`` words, all of which must appear in one of the view's search fields."""

    def get_search_terms(self, request: Request) -> list[str]:
        field = serializers.CharField(
            trim_whitespace=False, allow_blank=True, max_length=SEARCH_MAX_LENGTH
        )
        try:
            value = field.run_validation(request.query_params.get(self.search_param, ""))
        except serializers.ValidationError as error:
            raise serializers.ValidationError({self.search_param: error.detail}) from None
        return list(filters.search_smart_split(value))


def _names_the_key(term: Any) -> bool:
    if isinstance(term, OrderBy):
        term = term.expression
    if isinstance(term, F):
        term = str(term.name)  # type: ignore[attr-defined]
    return isinstance(term, str) and term.removeprefix("-") in ("pk", "id")


def with_tie_breaker(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """The list in its order, then by id: rows that tie keep one order from page to page,
    so no row is shown twice or skipped while paging."""
    query = queryset.query
    terms = list(
        query.order_by or (queryset.model._meta.ordering if query.default_ordering else [])
    )
    if any(_names_the_key(term) for term in terms):
        return queryset
    return queryset.order_by(*terms, "pk")


class StrictOrderingFilter(filters.OrderingFilter):
    """``ordering=`` field names (``-`` for descending); an unknown one is a 400. Ties are
    broken by id (``with_tie_breaker``)."""

    def filter_queryset(
        self, request: Request, queryset: QuerySet[Any], view: APIView
    ) -> QuerySet[Any]:
        return with_tie_breaker(super().filter_queryset(request, queryset, view))

    def remove_invalid_fields(
        self, queryset: QuerySet[Any], fields: Iterable[str], view: APIView, request: Request
    ) -> list[str]:
        valid = [item[0] for item in self.get_valid_fields(queryset, view, {"request": request})]
        unknown = [term for term in fields if term.removeprefix("-") not in valid]
        if unknown:
            raise serializers.ValidationError(
                {
                    self.ordering_param: [
                        gettext(
                            "Cannot order by %(unknown)s. Use one of: %(valid)s "
                            "(prefix with - for descending)."
                        )
                        % {"unknown": ", ".join(unknown), "valid": ", ".join(valid)}
                    ]
                }
            )
        return list(fields)


# --- Who is who ----------------------------------------------------------------------


class JurisdictionFilter(django_filters.FilterSet):
    state = _one_of(choices=USState.choices)
    kind = _one_of(choices=Jurisdiction.Kind.choices)
    deployment_status = _one_of(choices=Jurisdiction.Deployment.choices)

    class Meta:
        model = Jurisdiction
        fields = ["state", "kind", "deployment_status", "fips"]


class AgencyFilter(django_filters.FilterSet):
    level = _one_of(choices=Agency.Level.choices)
    kind = _one_of(choices=Agency.Kind.choices)
    state = _one_of(choices=USState.choices)

    class Meta:
        model = Agency
        fields = ["level", "kind", "state", "parent", "jurisdiction"]


class ContactFilter(django_filters.FilterSet):
    class Meta:
        model = Contact
        fields = ["agency", "jurisdiction"]


# --- Cases and correspondence ----------------------------------------------------------


class RequestFilter(django_filters.FilterSet):
    status = _one_of(
        choices=State.choices, help_text="One or more states: status=draft&status=denied."
    )
    state = _one_of(
        field_name="jurisdiction__state",
        choices=USState.choices,
        help_text="The jurisdiction's US state (USPS code).",
    )
    agency = django_filters.ModelChoiceFilter(
        field_name="requesting_agency",
        queryset=Agency.objects.all(),
        help_text="The agency that made the request.",
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=people_who_may_own_requests(),
        to_field_name="username",
        help_text="Username of the staff member who owns the case.",
    )
    seeks = _one_of(choices=OptOutRequest.Seeks.choices)
    opened_on = django_filters.DateFromToRangeFilter(
        help_text="opened_on_after / opened_on_before (YYYY-MM-DD, inclusive)."
    )
    overdue = _request_flag("overdue", "Requests with an outgoing letter past its reply date.")
    very_overdue = _request_flag(
        "very_overdue",
        "Requests with an outgoing letter past twice its reply window, still unanswered.",
    )
    awaiting_reply = _request_flag(
        "awaiting_reply", "Requests with an outgoing letter still waiting for a reply."
    )

    class Meta:
        model = OptOutRequest
        fields = ["status", "jurisdiction", "state", "agency", "owner", "seeks", "is_public"]


class LetterFilter(django_filters.FilterSet):
    direction = django_filters.ChoiceFilter(choices=Letter.Direction.choices)
    method = _one_of(choices=Letter.Method.choices)
    jurisdiction = django_filters.ModelChoiceFilter(
        field_name="request__jurisdiction", queryset=Jurisdiction.objects.all()
    )
    state = _one_of(field_name="request__jurisdiction__state", choices=USState.choices)
    status = _one_of(
        field_name="request__status", choices=State.choices, help_text="The request's state."
    )
    agency = django_filters.ModelChoiceFilter(
        queryset=Agency.objects.all(),
        method="filter_agency",
        help_text="Letters sent by or to this agency.",
    )
    recipient = LinkedAgencyFilter(field_name="recipients")
    sent_on = django_filters.DateFromToRangeFilter(
        help_text="sent_on_after / sent_on_before (YYYY-MM-DD, inclusive; a month- or "
        "year-precision date counts as its first day)."
    )
    received_on = django_filters.DateFromToRangeFilter()
    due_on = django_filters.DateFromToRangeFilter(
        help_text="due_on_after / due_on_before (YYYY-MM-DD, inclusive): the reply due date."
    )
    overdue = _letter_flag(
        "overdue",
        "Outgoing letters with no reply whose due date has passed (the due day is not late).",
    )
    very_overdue = _letter_flag(
        "very_overdue",
        "Outgoing letters with no reply past twice their reply window (`very_overdue_on`).",
    )
    awaiting_reply = _letter_flag(
        "awaiting_reply", "Outgoing letters with no response or reply letter linked."
    )

    class Meta:
        model = Letter
        fields = ["request", "direction", "method", "sender", "in_reply_to", "is_public"]

    def filter_agency(self, queryset: QuerySet[Any], name: str, value: Agency) -> QuerySet[Any]:
        sent_to = Letter.recipients.through.objects.filter(letter=OuterRef("pk"), agency=value)
        return queryset.filter(Q(sender=value) | Q(Exists(sent_to)))


class ResponseFilter(django_filters.FilterSet):
    kind = _one_of(choices=AgencyResponse.Kind.choices)
    jurisdiction = django_filters.ModelChoiceFilter(
        field_name="request__jurisdiction", queryset=Jurisdiction.objects.all()
    )
    state = _one_of(field_name="request__jurisdiction__state", choices=USState.choices)
    responded_on = django_filters.DateFromToRangeFilter()

    class Meta:
        model = AgencyResponse
        fields = ["request", "letter", "agency", "kind", "is_public"]


class MeetingFilter(django_filters.FilterSet):
    status = _one_of(choices=Meeting.Status.choices)
    jurisdiction = django_filters.ModelChoiceFilter(
        field_name="request__jurisdiction", queryset=Jurisdiction.objects.all()
    )
    state = _one_of(field_name="request__jurisdiction__state", choices=USState.choices)
    agency = LinkedAgencyFilter(field_name="agencies")
    held_on = django_filters.DateFromToRangeFilter()

    class Meta:
        model = Meeting
        fields = ["request", "status", "is_public"]


class StatementFilter(django_filters.FilterSet):
    agency = django_filters.ModelChoiceFilter(
        queryset=Agency.objects.all(),
        method="filter_agency",
        help_text="Statements by this agency; with `include_parts=true`, also by the agencies "
        "that are part of it (DHS includes ICE and its program office).",
    )
    include_parts = _flag(
        "filter_include_parts", "With `agency`: include the agencies that are part of it."
    )
    speaker = django_filters.CharFilter(
        lookup_expr="icontains", max_length=200, help_text="Part of the speaker's name."
    )
    position = _one_of(
        choices=Statement.Position.choices, help_text="One or more positions on opting out."
    )
    medium = _one_of(choices=Statement.Medium.choices)
    stated_on = django_filters.DateFromToRangeFilter(
        help_text="stated_on_after / stated_on_before (YYYY-MM-DD, inclusive; a month- or "
        "year-precision date counts as its first day)."
    )

    class Meta:
        model = Statement
        fields = ["agency", "speaker", "position", "medium", "is_public"]

    def filter_agency(self, queryset: QuerySet[Any], name: str, value: Agency) -> QuerySet[Any]:
        if self.form.cleaned_data.get("include_parts") == "true":
            return queryset.filter(agency__in=agency_and_parts(value))
        return queryset.filter(agency=value)

    def filter_include_parts(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        # Read by filter_agency; on its own it selects nothing less.
        return queryset


class TransitionFilter(django_filters.FilterSet):
    from_state = _one_of(choices=State.choices)
    to_state = _one_of(choices=State.choices)
    jurisdiction = django_filters.ModelChoiceFilter(
        field_name="request__jurisdiction", queryset=Jurisdiction.objects.all()
    )
    at = django_filters.DateFromToRangeFilter(field_name="at__date")

    class Meta:
        model = Transition
        fields = ["request", "from_state", "to_state", "by"]
