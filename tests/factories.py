"""Factories for every record.

Records that the app creates through a service are created through that service here
too, so a factory record is one the app could have made: a request has its first
status-log entry, an outgoing letter has the due dates its recipients' reply windows
give it, and every record passed the model's validation. ``by`` (the author, default
nobody) may be given to any of them. ``.build()`` still makes an unsaved instance
without the services, for tests of validation.

Dates may be given as ``datetime.date`` (with ``<name>_precision`` for a month or a
year) or as a :class:`PartialDate`.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

import factory

from core.dates import DatePrecision, PartialDate, PartialDateField
from jurisdictions.models import Agency, Contact, Jurisdiction
from tracker.domain import services
from tracker.domain.deadlines import HolidayEntry
from tracker.models import (
    AgencyResponse,
    Event,
    Holiday,
    Letter,
    Meeting,
    OptOutRequest,
    Source,
    Statement,
)

#: Stored by the services themselves, never given to them.
_COMPUTED = {
    "status": "move the request with services.request_transition",
    "closed_on": "closing moves set it (services.request_transition)",
    "due_on": "give sent_on and the recipients (with their reply windows) instead",
    "very_overdue_on": "give sent_on and the recipients (with their reply windows) instead",
    "version": "every save through the services counts it",
}


def _service_arguments(
    service: Callable[..., Any], values: dict[str, Any], model: type[Any]
) -> dict[str, Any]:
    """The keyword arguments for ``service``: each ``<name>`` date with its
    ``<name>_precision`` becomes one :class:`PartialDate`, and a model's composite date
    (``sent=PartialDate(...)``) is given as the column the service names (``sent_on``);
    anything the service does not take is refused with what to give instead."""
    accepted = inspect.signature(service).parameters
    arguments: dict[str, Any] = {}
    for given, value in values.items():
        composite = getattr(model, given, None)
        name = composite.columns[0] if isinstance(composite, PartialDateField) else given
        if name.endswith("_precision") and name.removesuffix("_precision") in accepted:
            continue
        if name not in accepted:
            hint = _COMPUTED.get(name, f"{service.__name__}() does not take it")
            raise TypeError(f"A factory record cannot be given {name!r}: {hint}.")
        precision = values.get(f"{name}_precision")
        if isinstance(value, dt.date):
            value = PartialDate(value, DatePrecision(precision or DatePrecision.DAY))
        elif value is None and precision is not None:
            raise TypeError(f"{name}_precision was given without {name}.")
        arguments[name] = value
    return arguments


M = TypeVar("M", OptOutRequest, Letter, AgencyResponse, Meeting, Statement, Event)


class ServiceFactory(factory.django.DjangoModelFactory[M]):
    """Creates its record through ``service`` (named in a subclass) instead of the
    model's manager. A ``reference`` (the fixtures' stable name of a record, never
    given to a service) is stored after creation without counting as an edit."""

    class Meta:
        abstract = True

    @classmethod
    def _service(cls) -> Callable[..., Any]:
        raise NotImplementedError

    @classmethod
    def _create(cls, model_class: type[M], *args: Any, **kwargs: Any) -> M:
        reference = kwargs.pop("reference", None)
        by = kwargs.pop("by", None)
        instance = cls._service()(by=by, **_service_arguments(cls._service(), kwargs, model_class))
        if reference is not None:
            model_class.objects.filter(pk=instance.pk).update(reference=reference)
            instance.reference = reference
        return instance

    @classmethod
    def _build(cls, model_class: type[M], *args: Any, **kwargs: Any) -> M:
        kwargs.pop("by", None)
        return super()._build(model_class, *args, **kwargs)


class JurisdictionFactory(factory.django.DjangoModelFactory[Jurisdiction]):
    class Meta:
        model = Jurisdiction

    name = factory.Sequence(lambda n: f"Test County {n}")
    kind = Jurisdiction.Kind.COUNTY
    state = "CA"
    fips = factory.Sequence(lambda n: f"06{n % 1000:03d}")


class AgencyFactory(factory.django.DjangoModelFactory[Agency]):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n}")
    level = Agency.Level.FEDERAL
    kind = Agency.Kind.OTHER


class ContactFactory(factory.django.DjangoModelFactory[Contact]):
    class Meta:
        model = Contact

    name = factory.Sequence(lambda n: f"Person {n}")
    agency = factory.SubFactory(AgencyFactory)


class RequestFactory(ServiceFactory[OptOutRequest]):
    """A draft request, opened through ``services.request_open``."""

    class Meta:
        model = OptOutRequest

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    title = factory.Sequence(lambda n: f"Request {n}")
    opened_on = dt.date(2010, 9, 1)

    @classmethod
    def _service(cls) -> Callable[..., Any]:
        return services.request_open


class LetterFactory(ServiceFactory[Letter]):
    """An outgoing letter sent on 10 September 2010, logged through
    ``services.letter_log``: with no recipients it has the default reply window (30
    calendar days unless configured otherwise), so it is due on 10 October 2010."""

    class Meta:
        model = Letter

    request = factory.SubFactory(RequestFactory)
    sender = factory.SubFactory(AgencyFactory, level=Agency.Level.LOCAL, kind=Agency.Kind.SHERIFF)
    subject = factory.Sequence(lambda n: f"Letter {n}")
    sent_on = dt.date(2010, 9, 10)

    @classmethod
    def _service(cls) -> Callable[..., Any]:
        return services.letter_log


class ResponseFactory(ServiceFactory[AgencyResponse]):
    """An acknowledgement, recorded through ``services.response_record``."""

    class Meta:
        model = AgencyResponse

    request = factory.SubFactory(RequestFactory)
    agency = factory.SubFactory(AgencyFactory)
    kind = AgencyResponse.Kind.ACKNOWLEDGED
    responded_on = dt.date(2010, 10, 1)

    @classmethod
    def _service(cls) -> Callable[..., Any]:
        return services.response_record


class MeetingFactory(ServiceFactory[Meeting]):
    """A planned meeting, recorded through ``services.meeting_record``."""

    class Meta:
        model = Meeting

    request = factory.SubFactory(RequestFactory)

    @classmethod
    def _service(cls) -> Callable[..., Any]:
        return services.meeting_record


class StatementFactory(ServiceFactory[Statement]):
    """A statement that opting out is possible, logged through ``services.statement_record``."""

    class Meta:
        model = Statement

    speaker = "An official"
    agency = factory.SubFactory(AgencyFactory)
    stated_on = dt.date(2010, 9, 7)
    medium = Statement.Medium.LETTER
    quote = "Opting out is possible."
    position = Statement.Position.POSSIBLE

    @classmethod
    def _service(cls) -> Callable[..., Any]:
        return services.statement_record


class EventFactory(ServiceFactory[Event]):
    """A council's vote, recorded through ``services.event_create``."""

    class Meta:
        model = Event

    kind = Event.Kind.VOTE
    title = factory.Sequence(lambda n: f"Council vote {n}")
    happened_on = dt.date(2010, 10, 1)
    happened_on_precision = "month"

    @classmethod
    def _service(cls) -> Callable[..., Any]:
        return services.event_create


class SourceFactory(factory.django.DjangoModelFactory[Source]):
    """A document records cite (saved directly: no service derives anything from it)."""

    class Meta:
        model = Source

    title = factory.Sequence(lambda n: f"Article {n}")
    publisher = "The Washington Independent"


class HolidayFactory(factory.django.DjangoModelFactory[Holiday]):
    """A holiday added through ``services.holidays_load``, which moves the due dates
    of the letters it falls in."""

    class Meta:
        model = Holiday

    date = factory.Sequence(lambda n: dt.date(2010, 1, 1) + dt.timedelta(days=n))
    name = factory.Sequence(lambda n: f"Holiday {n}")

    @classmethod
    def _create(cls, model_class: type[Holiday], *args: Any, **kwargs: Any) -> Holiday:
        date, name = kwargs.pop("date"), kwargs.pop("name")
        if kwargs:
            raise TypeError(f"A factory holiday has a date and a name only, not {sorted(kwargs)}.")
        services.holidays_load(entries=[HolidayEntry(date=date, name=name)], by=None)
        return model_class.objects.get(date=date)
