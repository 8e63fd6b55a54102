"""The public representation in the OpenAPI schema (documentation only).

Without a token, reads answer with what :mod:`tracker.domain.publishing` shows the
public, which has another shape than the signed-in one: other records named by
``reference``, dates as ``{"date", "date_display"}``, codes beside their words.
These serializers describe exactly those dictionaries, so the schema can say that
a read answers with one shape or the other (``either``); nothing is serialized
through them. ``tests/api/test_api_schema.py`` checks real anonymous answers
against them.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from jurisdictions.models import Jurisdiction
from tracker.domain.workflow import State
from tracker.models import AgencyResponse, Basis, Event, Letter, Meeting, OptOutRequest, Statement


def _code(model: type[models.Model], name: str, **kwargs: Any) -> serializers.ChoiceField:
    """A code of the record, with the choices of its model field."""
    field: Any = model._meta.get_field(name)
    return serializers.ChoiceField(choices=field.choices, allow_blank=field.blank, **kwargs)


def _words(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(allow_blank=True, **kwargs)


class PublicDateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A date with its precision, and in words."""

    date = serializers.CharField(
        allow_null=True,
        help_text="YYYY-MM-DD, YYYY-MM or YYYY, as precisely as it is known, or the range of "
        "days YYYY-MM-DD/YYYY-MM-DD (2010-09-27/2010-10-02); null when unknown.",
    )
    date_display = serializers.CharField(
        help_text='"7 September 2010", "September 2010", "between 27 September and 2 October 2010"…'
    )


class PublicAgencySerializer(serializers.Serializer):  # type: ignore[type-arg]
    """An agency, by reference, name and abbreviation."""

    reference = serializers.CharField()
    name = serializers.CharField()
    abbreviation = _words()


class PublicAgencyWithIdSerializer(PublicAgencySerializer):
    """An agency as the public list of agencies shows it."""

    id = serializers.IntegerField()


class PublicContactSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A person, by name and title only."""

    name = serializers.CharField()
    title = _words()


class PublicLinkSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A published letter named by another record."""

    reference = serializers.CharField()
    subject = _words()


class PublicSourceSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A document a published record cites (never its internal notes)."""

    reference = serializers.CharField()
    seed = _words(help_text='The seed document\'s number ("000"), or empty.')
    title = serializers.CharField()
    publisher = _words()
    published = PublicDateSerializer(help_text="Null date when the document gives none.")
    url = _words(help_text="A web address, or empty.")


class PublicCitedSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Where a published fact comes from: its sources, and whether they state it."""

    basis = serializers.ChoiceField(choices=Basis.choices)
    basis_display = serializers.CharField()
    inference = _words(help_text="For an inferred record, how it is inferred; empty otherwise.")
    sources = PublicSourceSerializer(many=True)


def _agency(**kwargs: Any) -> PublicAgencySerializer:
    return PublicAgencySerializer(**kwargs)


def _contact(**kwargs: Any) -> PublicContactSerializer:
    return PublicContactSerializer(**kwargs)


class PublicJurisdictionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A jurisdiction with a published request."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField(help_text='In words: "County", "City"…')
    state = _code(Jurisdiction, "state")
    deployment_status = _code(Jurisdiction, "deployment_status")
    deployment_status_display = serializers.CharField()
    published_count = serializers.IntegerField(help_text="Its published requests.")


class PublicRequestSerializer(PublicCitedSerializer):
    """A published opt-out request."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    seeks = _code(OptOutRequest, "seeks")
    seeks_display = _words()
    status = serializers.ChoiceField(choices=State.choices)
    status_display = serializers.CharField()
    summary = _words()
    outcome = _words()
    opened = PublicDateSerializer()
    closed = PublicDateSerializer(allow_null=True, help_text="Null while the request is open.")
    requesting_agency = _agency(allow_null=True)
    requested_by = _contact(allow_null=True)


class PublicLetterSerializer(PublicCitedSerializer):
    """A published letter."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    request = serializers.CharField(help_text="The request's reference.")
    direction = _code(Letter, "direction")
    direction_display = serializers.CharField()
    sender = _agency(allow_null=True)
    signed_by = _contact(allow_null=True)
    recipients = _agency(many=True)
    addressed_to = _contact(many=True)
    method = _code(Letter, "method")
    method_display = _words()
    sent = PublicDateSerializer()
    received = PublicDateSerializer(allow_null=True)
    subject = _words()
    summary = _words()
    in_reply_to = PublicLinkSerializer(
        allow_null=True, help_text="The published letter it answers; null otherwise."
    )


class PublicResponseSerializer(PublicCitedSerializer):
    """A published reply of an agency."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    request = serializers.CharField(help_text="The request's reference.")
    agency = _agency(allow_null=True)
    kind = _code(AgencyResponse, "kind")
    kind_display = serializers.CharField()
    responded = PublicDateSerializer()
    summary = _words()
    answers_letter = PublicLinkSerializer(
        allow_null=True, help_text="The published letter it answers; null otherwise."
    )


class PublicMeetingSerializer(PublicCitedSerializer):
    """A published meeting."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    request = serializers.CharField(help_text="The request's reference.")
    status = _code(Meeting, "status")
    status_display = serializers.CharField()
    held = PublicDateSerializer()
    place = _words()
    agencies = _agency(many=True)
    attendees = _contact(many=True)
    outcome = _words()


class PublicTransitionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A published entry of a request's status log (without who moved it or why)."""

    id = serializers.IntegerField()
    request = serializers.CharField(help_text="The request's reference.")
    from_state = serializers.ChoiceField(
        choices=State.choices, allow_null=True, help_text="Null for the opening entry."
    )
    from_state_display = serializers.CharField(allow_null=True)
    to_state = serializers.ChoiceField(choices=State.choices)
    to_state_display = serializers.CharField()
    at = PublicDateSerializer()


class PublicStatementBodySerializer(PublicCitedSerializer):
    """A published statement, as a contradiction shows it."""

    reference = serializers.CharField()
    speaker = serializers.CharField()
    agency = _agency(allow_null=True)
    stated = PublicDateSerializer()
    medium = _code(Statement, "medium")
    medium_display = serializers.CharField()
    source_title = _words()
    source_url = _words(help_text="A web address, or empty.")
    quote = _words()
    position = _code(Statement, "position")
    position_display = serializers.CharField()
    topic = _code(Statement, "topic", help_text="What the statement answers; empty when not set.")
    topic_display = serializers.CharField()


class PublicStatementSerializer(PublicStatementBodySerializer):
    """A published statement."""

    id = serializers.IntegerField()


class PublicContradictionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Two published statements whose positions conflict, the earlier first."""

    key = serializers.CharField()
    earlier = PublicStatementBodySerializer()
    later = PublicStatementBodySerializer()
    relation = serializers.CharField()
    label = serializers.CharField(  # type: ignore[assignment]
        help_text='"DOJ (8 September 2010) vs DHS (6 October 2010)".'
    )
    across_agencies = serializers.BooleanField(
        help_text="Agencies that do not answer for each other, paired by a shared topic."
    )
    days_fewest = serializers.IntegerField(allow_null=True)
    days_most = serializers.IntegerField(allow_null=True)
    days_display = serializers.CharField()
    order_certain = serializers.BooleanField()


class PublicThreadLetterSerializer(PublicCitedSerializer):
    """A published letter of a thread, with its sources."""

    reference = serializers.CharField()
    sender = serializers.CharField()
    sender_agency = _agency(allow_null=True)
    recipients = serializers.CharField()
    recipient_agencies = _agency(many=True)
    sent = PublicDateSerializer()
    subject = serializers.CharField()
    summary = _words()
    statement = serializers.CharField(
        allow_null=True, help_text="The reference of the published statement it also is."
    )


class PublicThreadRequestSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A published request a thread concerns."""

    reference = serializers.CharField()
    title = serializers.CharField()
    jurisdiction = serializers.CharField()
    jurisdiction_reference = serializers.CharField()


class PublicThreadSerializer(PublicCitedSerializer):
    """A published thread of correspondence, with its sources, its published letters and
    the published requests it concerns."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    summary = _words()
    letters = PublicThreadLetterSerializer(many=True)
    requests = PublicThreadRequestSerializer(many=True)


class PublicJurisdictionLinkSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A jurisdiction an event concerns."""

    reference = serializers.CharField()
    name = serializers.CharField()
    state = _code(Jurisdiction, "state")


class PublicEventSerializer(PublicCitedSerializer):
    """A published event around the cases, with its sources."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    kind = _code(Event, "kind")
    kind_display = serializers.CharField()
    title = serializers.CharField()
    summary = _words()
    happened = PublicDateSerializer()
    jurisdictions = PublicJurisdictionLinkSerializer(many=True)
    agencies = _agency(many=True)
    requests = serializers.ListField(
        child=serializers.CharField(), help_text="The published requests it bears on, by reference."
    )
    publication = _words()
    url = _words(help_text="A web address, or empty.")


def either(
    name: str,
    signed_in: type[serializers.Serializer[Any]],
    public: type[serializers.Serializer[Any]],
    *,
    many: bool = False,
) -> PolymorphicProxySerializer:
    """The answer of a read open to the public: the signed-in representation, or the
    public one without a token (``oneOf`` in the schema; a client tries each)."""
    return PolymorphicProxySerializer(
        component_name=name,
        serializers=[signed_in, public],
        resource_type_field_name=None,
        many=many,
    )


#: Public components: exactly these fields, nothing else. The schema says so
#: (``additionalProperties: false``), which also keeps the two shapes of ``either``
#: apart.
PUBLIC_COMPONENTS = frozenset(
    {
        "PublicDate",
        "PublicAgency",
        "PublicAgencyWithId",
        "PublicContact",
        "PublicLink",
        "PublicSource",
        "PublicCited",
        "PublicJurisdiction",
        "PublicRequest",
        "PublicLetter",
        "PublicResponse",
        "PublicMeeting",
        "PublicTransition",
        "PublicStatementBody",
        "PublicStatement",
        "PublicContradiction",
        "PublicThreadLetter",
        "PublicThreadRequest",
        "PublicThread",
        "PublicJurisdictionLink",
        "PublicEvent",
    }
)

__all__ = [
    "PUBLIC_COMPONENTS",
    "PublicAgencyWithIdSerializer",
    "PublicContradictionSerializer",
    "PublicEventSerializer",
    "PublicJurisdictionSerializer",
    "PublicLetterSerializer",
    "PublicMeetingSerializer",
    "PublicRequestSerializer",
    "PublicResponseSerializer",
    "PublicStatementSerializer",
    "PublicThreadSerializer",
    "PublicTransitionSerializer",
    "either",
]
