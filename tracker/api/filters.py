"""One FilterSet per resource, plus strict search and ordering.

Every filter value is checked: an unknown status, a malformed date, an id that
does not exist or an unknown ordering field is a 400 that names the parameter,
never an empty list that looks like "nothing matched".
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable
from typing import Any

import django_filters
import django_filters.fields
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.utils.translation import gettext
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.widgets import SuffixedMultiWidget
from rest_framework import filters, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.views import APIView

from core.dates import may_fall_between
from core.forms import IdCheckedModelMultipleChoiceField
from jurisdictions.domain.selectors import agency_and_parts
from jurisdictions.domain.states import USState
from jurisdictions.models import Agency, Contact, Jurisdiction
from tracker.domain import selectors
from tracker.domain.permissions import people_who_may_own_requests
from tracker.domain.selectors import LetterFlag
from tracker.domain.workflow import State
from tracker.models import (
    AgencyResponse,
    Basis,
    CorrespondenceThread,
    Event,
    Letter,
    Meeting,
    OptOutRequest,
    Source,
    Statement,
    ThreadLetter,
    Transition,
)

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


class _IdCheckedRecordsField(
    django_filters.fields.ModelMultipleChoiceField, IdCheckedModelMultipleChoiceField
):
    """The records named by the values; an id no row can have is "not a valid value"
    before the database is asked."""


class AnyRecordFilter(django_filters.ModelMultipleChoiceFilter):
    """``name=1&name=5``: rows that point to one of the records; each value must name a
    record (``to_field_name``, the id by default), or the answer is a 400.

    Without ``SELECT DISTINCT``, as ``_one_of``: the link is a column of the row. The
    rows are compared by the record, whatever field named it (an owner's username).
    """

    field_class = _IdCheckedRecordsField

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("distinct", False)
        super().__init__(**kwargs)

    def get_filter_predicate(self, v: Any) -> dict[str, Any]:
        return {self.field_name: v}


def _any_record(queryset: QuerySet[Any], **kwargs: Any) -> AnyRecordFilter:
    return AnyRecordFilter(queryset=queryset, **kwargs)


class StrictFilterSet(django_filters.FilterSet):
    """A FilterSet whose generated filters on a link or a choice take repeated values.

    ``Meta.fields`` naming a foreign key (``request``, ``sender``, ``parent``…) or a
    field with choices gets a filter that matches any of the values given, instead
    of django-filter's single-value one (which silently keeps the last value).
    """

    @classmethod
    def filter_for_lookup(cls, field: Any, lookup_type: str) -> tuple[Any, dict[str, Any]]:
        if lookup_type == "exact" and field.is_relation and field.many_to_one:
            remote = field.remote_field
            return AnyRecordFilter, {"queryset": remote.model._default_manager.all()}
        if lookup_type == "exact" and getattr(field, "choices", None):
            return django_filters.MultipleChoiceFilter, {
                "choices": field.choices,
                "distinct": False,
            }
        return super().filter_for_lookup(field, lookup_type)


class LinkedAgencyFilter(AnyRecordFilter):
    """Rows linked to one of the agencies through the many-to-many field ``field_name``:
    an ``EXISTS`` on the link table, so each row is listed once without ``SELECT DISTINCT``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=Agency.objects.all(), **kwargs)

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if not value:
            return qs
        link: Any = qs.model._meta.get_field(self.field_name)
        through = link.remote_field.through
        own = link.m2m_field_name()
        return qs.filter(
            Exists(through.objects.filter(**{own: OuterRef("pk")}, agency__in=list(value)))
        )


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

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: APIView) -> Any:
        """The order asked for, with the names a view offers for another field
        (``ordering_aliases``: ``updated_at`` of the status log is its ``at``)."""
        ordering = super().get_ordering(request, queryset, view)
        aliases: dict[str, str] = getattr(view, "ordering_aliases", {})
        if not ordering or not aliases:
            return ordering
        return [
            ("-" if term.startswith("-") else "") + aliases.get(term.lstrip("-"), term.lstrip("-"))
            if isinstance(term, str)
            else term
            for term in ordering
        ]

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

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        """``ordering`` with its choices: each field offered, ascending or descending
        (``-``). The API also takes several, comma-separated (``-sent_on,id``)."""
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        fields: Any = getattr(view, "ordering_fields", None)
        if not isinstance(fields, list | tuple):
            return parameters
        choices = [term for name in fields for term in (name, f"-{name}")]
        for parameter in parameters:
            if parameter.get("name") == self.ordering_param:
                parameter["schema"] = {"type": "string", "enum": choices}
                parameter["description"] = (
                    "The order of the list: a field, `-` before it for descending. "
                    "Several, comma-separated, order by the first, then the next "
                    "(`-sent_on,id`). Ties come by `id`."
                )
        return parameters


# --- Changed since ------------------------------------------------------------------------

_ISO_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})"
)


class StrictDateTimeField(forms.Field):
    """An ISO 8601 date and time with its offset (``2010-09-28T14:30:00Z``): a moment
    that means the same on every clock. A date alone, a time without an offset or an
    impossible date is refused rather than guessed at."""

    def to_python(self, value: Any) -> dt.datetime | None:
        if value in (None, ""):
            return None
        text = str(value).strip()
        try:
            if not _ISO_DATETIME.fullmatch(text):
                raise ValueError(text)
            # In UTC: PostgreSQL refuses offsets past 15:59 that Python accepts (+19:43).
            return dt.datetime.fromisoformat(text).astimezone(dt.UTC)
        except (ValueError, OverflowError):
            raise DjangoValidationError(
                gettext(
                    "A date and time in ISO 8601 with its time zone, e.g. "
                    "2010-09-28T14:30:00Z or 2010-09-28T10:30:00-04:00."
                ),
                code="invalid",
            ) from None


class ChangedSinceFilter(django_filters.Filter):
    """``updated_after=<moment>``: records created or changed at or after that moment."""

    field_class = StrictDateTimeField

    def __init__(self, field_name: str = "updated_at", **kwargs: Any) -> None:
        kwargs.setdefault(
            "help_text",
            "Records created or changed at or after this moment (ISO 8601 with a time "
            "zone, e.g. 2010-09-28T14:30:00Z): pass the largest `updated_at` you have.",
        )
        super().__init__(field_name=field_name, lookup_expr="gte", **kwargs)


# --- Parameters a list takes -----------------------------------------------------------

#: What a paged list reads besides its filters.
PAGING_PARAMETERS = frozenset({"page", "page_size", "cursor"})
#: What every endpoint reads: the answer's format (``json``, ``csv``, ``api``).
FORMAT_PARAMETER = "format"


def _parameter_names(name: str, field: forms.Field) -> list[str]:
    """The query parameters a filter's form field reads: a range reads two
    (``opened_on_after`` and ``opened_on_before``), never its own name."""
    widget = field.widget
    if isinstance(widget, SuffixedMultiWidget):
        return [widget.suffixed(name, suffix) for suffix in widget.suffixes]
    return [name]


@functools.cache
def filter_parameters(filterset_class: type[django_filters.FilterSet]) -> frozenset[str]:
    """Every query parameter the filters of ``filterset_class`` read."""
    return frozenset(
        parameter
        for name, item in filterset_class.base_filters.items()
        for parameter in _parameter_names(name, item.field)
    )


def refuse_unknown_parameters(params: Any, allowed: Iterable[str]) -> None:
    """A 400 naming every query parameter that is not in ``allowed``: a misspelled
    filter would otherwise be ignored and the list look complete."""
    known = set(allowed)
    unknown = sorted(key for key in params if key not in known)
    if not unknown:
        return
    message = gettext("Unknown parameter. This address takes: %(known)s.") % {
        "known": ", ".join(sorted(known)) or gettext("no parameters")
    }
    raise ValidationError({key: [message] for key in unknown})


def _day(value: dt.datetime | dt.date | None) -> dt.date | None:
    return value.date() if isinstance(value, dt.datetime) else value


class PartialDateRangeFilter(django_filters.DateFromToRangeFilter):
    """``<name>_after`` / ``<name>_before`` on a partial date, by its bounds: a record is
    listed when its date may fall in the window (its latest possible day on or after
    ``_after``, its earliest on or before ``_before``). "September 2010" and "between 27
    September and 2 October 2010" are both listed for ``_after=2010-09-30``."""

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if not value:
            return qs
        condition = may_fall_between(self.field_name, _day(value.start), _day(value.stop))
        return qs.filter(condition)


#: How the date filters of a partial date compare, for their help texts.
BY_BOUNDS = (
    "YYYY-MM-DD, inclusive; compared by the date's bounds: a date known only to the month "
    "or the year, or as a range of days, is listed when it may fall in the window (its "
    "latest possible day on or after `_after`, its first day on or before `_before`)"
)


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter's backend, with each error under the parameter that was sent: a
    malformed ``opened_on_after`` is reported as ``opened_on_after``, not as the
    range ``opened_on``."""

    def filter_queryset(
        self, request: Request, queryset: QuerySet[Any], view: APIView
    ) -> QuerySet[Any]:
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise ValidationError(errors_by_parameter(filterset, request.query_params))
        return filterset.qs


def errors_by_parameter(filterset: django_filters.FilterSet, params: Any) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    for name, messages in filterset.errors.items():
        field = filterset.form.fields.get(name)
        if field is None or not isinstance(field.widget, SuffixedMultiWidget):
            errors[name] = list(messages)
            continue
        sent = [
            (parameter, part)
            for parameter, part in zip(
                _parameter_names(name, field), getattr(field, "fields", ()), strict=False
            )
            if params.get(parameter) not in (None, "")
        ]
        for parameter, part in sent:
            try:
                part.clean(params.get(parameter))
            except DjangoValidationError as error:
                errors[parameter] = list(error.messages)
        if not any(parameter in errors for parameter, _ in sent):
            for parameter, _ in sent or [(name, None)]:
                errors[parameter] = list(messages)
    return errors


class KnownParametersMixin:
    """Refuses a query parameter the endpoint does not read (400 naming it).

    A list (``paged_actions``) reads its filters (``_after``/``_before`` for a range),
    ``search`` and ``ordering`` when it offers them, and the paging parameters; any
    other action reads only ``format``; ``extra_parameters`` adds what an action
    reads itself.
    """

    paged_actions: frozenset[str] = frozenset({"list"})
    extra_parameters: dict[str, frozenset[str]] = {}

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        refuse_unknown_parameters(request.query_params, self.allowed_parameters())

    def allowed_parameters(self) -> set[str]:
        view: Any = self
        allowed = {FORMAT_PARAMETER, *self.extra_parameters.get(view.action, ())}
        if view.action not in self.paged_actions:
            return allowed
        if getattr(view, "pagination_class", None) is not None:
            allowed |= PAGING_PARAMETERS
        for backend in getattr(view, "filter_backends", ()):
            if issubclass(backend, DjangoFilterBackend):
                filterset_class = getattr(view, "filterset_class", None)
                if filterset_class is not None:
                    allowed |= filter_parameters(filterset_class)
            elif issubclass(backend, filters.SearchFilter) and getattr(view, "search_fields", None):
                allowed.add(backend.search_param)
            elif issubclass(backend, filters.OrderingFilter) and getattr(
                view, "ordering_fields", None
            ):
                allowed.add(backend.ordering_param)
        return allowed


# --- Who is who ----------------------------------------------------------------------


class JurisdictionFilter(StrictFilterSet):
    state = _one_of(choices=USState.choices)
    kind = _one_of(choices=Jurisdiction.Kind.choices)
    deployment_status = _one_of(choices=Jurisdiction.Deployment.choices)

    updated_after = ChangedSinceFilter()

    class Meta:
        model = Jurisdiction
        fields = ["state", "kind", "deployment_status", "fips"]


class AgencyFilter(StrictFilterSet):
    level = _one_of(choices=Agency.Level.choices)
    kind = _one_of(choices=Agency.Kind.choices)
    state = _one_of(choices=USState.choices)

    updated_after = ChangedSinceFilter()

    class Meta:
        model = Agency
        fields = ["level", "kind", "state", "parent", "jurisdiction"]


class ContactFilter(StrictFilterSet):
    updated_after = ChangedSinceFilter()

    class Meta:
        model = Contact
        fields = ["agency", "jurisdiction"]


class SourceFilter(StrictFilterSet):
    updated_after = ChangedSinceFilter()

    class Meta:
        model = Source
        fields = ["seed"]


# --- Cases and correspondence ----------------------------------------------------------


class RequestFilter(StrictFilterSet):
    status = _one_of(
        choices=State.choices, help_text="One or more states: status=draft&status=denied."
    )
    state = _one_of(
        field_name="jurisdiction__state",
        choices=USState.choices,
        help_text="The jurisdiction's US state (USPS code).",
    )
    agency = _any_record(
        Agency.objects.all(),
        field_name="requesting_agency",
        help_text="The agency that made the request.",
    )
    owner = _any_record(
        people_who_may_own_requests(),
        to_field_name="username",
        help_text="Username of the staff member who owns the case.",
    )
    seeks = _one_of(choices=OptOutRequest.Seeks.choices)
    opened_on = PartialDateRangeFilter(
        help_text=f"opened_on_after / opened_on_before ({BY_BOUNDS})."
    )
    overdue = _request_flag("overdue", "Requests with an outgoing letter past its reply date.")
    very_overdue = _request_flag(
        "very_overdue",
        "Requests with an outgoing letter past twice its reply window, still unanswered.",
    )
    awaiting_reply = _request_flag(
        "awaiting_reply", "Requests with an outgoing letter still waiting for a reply."
    )

    updated_after = ChangedSinceFilter()

    class Meta:
        model = OptOutRequest
        fields = ["status", "jurisdiction", "state", "agency", "owner", "seeks", "is_public"]


class LetterFilter(StrictFilterSet):
    direction = _one_of(choices=Letter.Direction.choices)
    method = _one_of(choices=Letter.Method.choices)
    jurisdiction = _any_record(Jurisdiction.objects.all(), field_name="request__jurisdiction")
    state = _one_of(field_name="request__jurisdiction__state", choices=USState.choices)
    status = _one_of(
        field_name="request__status", choices=State.choices, help_text="The request's state."
    )
    agency = _any_record(
        Agency.objects.all(),
        method="filter_agency",
        help_text="Letters sent by or to this agency.",
    )
    recipient = LinkedAgencyFilter(field_name="recipients")
    sent_on = PartialDateRangeFilter(help_text=f"sent_on_after / sent_on_before ({BY_BOUNDS}).")
    received_on = PartialDateRangeFilter(
        help_text=f"received_on_after / received_on_before ({BY_BOUNDS})."
    )
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

    updated_after = ChangedSinceFilter()

    class Meta:
        model = Letter
        fields = ["request", "direction", "method", "sender", "in_reply_to", "is_public"]

    def filter_agency(
        self, queryset: QuerySet[Any], name: str, value: list[Agency]
    ) -> QuerySet[Any]:
        if not value:
            return queryset
        agencies = list(value)
        sent_to = Letter.recipients.through.objects.filter(
            letter=OuterRef("pk"), agency__in=agencies
        )
        return queryset.filter(Q(sender__in=agencies) | Q(Exists(sent_to)))


class ResponseFilter(StrictFilterSet):
    kind = _one_of(choices=AgencyResponse.Kind.choices)
    jurisdiction = _any_record(Jurisdiction.objects.all(), field_name="request__jurisdiction")
    state = _one_of(field_name="request__jurisdiction__state", choices=USState.choices)
    responded_on = PartialDateRangeFilter(
        help_text=f"responded_on_after / responded_on_before ({BY_BOUNDS})."
    )

    updated_after = ChangedSinceFilter()

    class Meta:
        model = AgencyResponse
        fields = ["request", "letter", "agency", "kind", "is_public"]


class MeetingFilter(StrictFilterSet):
    status = _one_of(choices=Meeting.Status.choices)
    jurisdiction = _any_record(Jurisdiction.objects.all(), field_name="request__jurisdiction")
    state = _one_of(field_name="request__jurisdiction__state", choices=USState.choices)
    agency = LinkedAgencyFilter(field_name="agencies")
    held_on = PartialDateRangeFilter(help_text=f"held_on_after / held_on_before ({BY_BOUNDS}).")

    updated_after = ChangedSinceFilter()

    class Meta:
        model = Meeting
        fields = ["request", "status", "is_public"]


class ThreadFilter(StrictFilterSet):
    request = _any_record(
        OptOutRequest.objects.all(),
        method="filter_request",
        help_text="Threads linked to this request.",
    )
    jurisdiction = _any_record(
        Jurisdiction.objects.all(),
        method="filter_jurisdiction",
        help_text="Threads linked to a request of this jurisdiction.",
    )
    updated_after = ChangedSinceFilter()

    class Meta:
        model = CorrespondenceThread
        fields = ["is_public", "basis"]

    # EXISTS on the link table: each thread listed once, however many requests match.
    def filter_request(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        if not value:
            return queryset
        links = CorrespondenceThread.requests.through.objects.filter(
            correspondencethread=OuterRef("pk"), optoutrequest__in=list(value)
        )
        return queryset.filter(Exists(links))

    def filter_jurisdiction(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        if not value:
            return queryset
        links = CorrespondenceThread.requests.through.objects.filter(
            correspondencethread=OuterRef("pk"), optoutrequest__jurisdiction__in=list(value)
        )
        return queryset.filter(Exists(links))


class ThreadLetterFilter(StrictFilterSet):
    sender_agency = _any_record(Agency.objects.all(), field_name="sender_agency")
    sent_on = django_filters.DateFromToRangeFilter()
    updated_after = ChangedSinceFilter()

    class Meta:
        model = ThreadLetter
        fields = ["thread", "statement", "is_public"]


def statement_agencies(agencies: Iterable[Agency], cleaned: dict[str, Any]) -> set[int]:
    """The ids of the agencies a statement filter names, with the agencies that are part
    of them when ``include_parts`` is ``true``."""
    if cleaned.get("include_parts") == "true":
        return {pk for agency in agencies for pk in agency_and_parts(agency)}
    return {agency.pk for agency in agencies}


class StatementFilter(StrictFilterSet):
    agency = _any_record(
        Agency.objects.all(),
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
    stated_on = PartialDateRangeFilter(
        help_text=f"stated_on_after / stated_on_before ({BY_BOUNDS})."
    )

    updated_after = ChangedSinceFilter()

    class Meta:
        model = Statement
        fields = ["agency", "speaker", "position", "medium", "is_public"]

    def filter_agency(
        self, queryset: QuerySet[Any], name: str, value: list[Agency]
    ) -> QuerySet[Any]:
        if not value:
            return queryset
        return queryset.filter(agency__in=statement_agencies(value, self.form.cleaned_data))

    def filter_include_parts(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        # Read by filter_agency; on its own it selects nothing less.
        return queryset


class LinkedRecordFilter(AnyRecordFilter):
    """Rows linked to one of the records through the many-to-many field ``field_name``:
    an ``EXISTS`` on the link table, so each row is listed once without ``SELECT DISTINCT``."""

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if not value:
            return qs
        link: Any = qs.model._meta.get_field(self.field_name)
        through = link.remote_field.through
        own, other = link.m2m_field_name(), link.m2m_reverse_field_name()
        return qs.filter(
            Exists(through.objects.filter(**{own: OuterRef("pk"), f"{other}__in": list(value)}))
        )


class EventFilter(StrictFilterSet):
    kind = _one_of(choices=Event.Kind.choices, help_text="One or more kinds of event.")
    jurisdiction = _any_record(
        Jurisdiction.objects.all(),
        method="filter_jurisdiction",
        help_text="Events that name this jurisdiction or bear on one of its requests.",
    )
    agency = LinkedRecordFilter(queryset=Agency.objects.all(), field_name="agencies")
    request = LinkedRecordFilter(queryset=OptOutRequest.objects.all(), field_name="requests")
    basis = _one_of(choices=Basis.choices, help_text="`stated` or `inferred`.")
    happened_on = django_filters.DateFromToRangeFilter(
        help_text="happened_on_after / happened_on_before (YYYY-MM-DD, inclusive; a month- or "
        "year-precision date counts as its first day)."
    )

    updated_after = ChangedSinceFilter()

    class Meta:
        model = Event
        fields = ["kind", "basis", "is_public"]

    def filter_jurisdiction(
        self, queryset: QuerySet[Any], name: str, value: list[Jurisdiction]
    ) -> QuerySet[Any]:
        if not value:
            return queryset
        condition = Q()
        for jurisdiction in value:
            condition |= selectors.events_concerning(jurisdiction)
        return queryset.filter(condition)


class TransitionFilter(StrictFilterSet):
    from_state = _one_of(choices=State.choices)
    to_state = _one_of(choices=State.choices)
    jurisdiction = _any_record(Jurisdiction.objects.all(), field_name="request__jurisdiction")
    at = django_filters.DateFromToRangeFilter(field_name="at__date")
    # When the move happened (its effective date's first day), not when it was entered.
    happened = django_filters.DateFromToRangeFilter(field_name="happened_on")

    # An entry of the log is never changed: it is "updated" when it is written.
    updated_after = ChangedSinceFilter(field_name="at")

    class Meta:
        model = Transition
        fields = ["request", "from_state", "to_state", "by"]
