"""Representations of every record. Writing goes through :mod:`tracker.domain.services`.

Serializers parse and check input and pick the service to call; they hold no
business rule. Codes (statuses, kinds, methods) are documented in the OpenAPI
schema with their meaning.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.attachments import validate_attachment
from core.inputs import NOTE_MAX_LENGTH
from jurisdictions.models import Agency, Contact, Jurisdiction
from tracker.api.fields import PartialDateField, is_json_object, json_type_errors, set_fields
from tracker.api.reading import FastRepresentation
from tracker.domain import selectors, services
from tracker.domain.permissions import (
    OWNER_NOT_ON_STAFF,
    may_see_private_contact_details,
    people_who_may_own_requests,
)
from tracker.domain.workflow import STATE_DESCRIPTIONS, State
from tracker.models import (
    AgencyResponse,
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

_COMMON_READ_ONLY = ("id", "reference", "version", "created_at", "updated_at")

#: What every fact-bearing record adds: whether it is public, its internal notes, its
#: sources, and whether they state it or it is inferred (and how).
_PUBLISHABLE = ("is_public", "notes", "source", "sources", "basis", "inference")


def _state_help() -> str:
    return "State of the workflow. " + "; ".join(
        f"`{state.value}`: {STATE_DESCRIPTIONS[state]}" for state in State
    )


@extend_schema_field(
    {
        "type": "string",
        "format": "uri",
        "nullable": True,
        "readOnly": True,
        "description": "Authenticated download link for the attached file; null when none.",
    },
    component_name=None,
)
class AttachmentLinkField(serializers.Field):  # type: ignore[type-arg]
    """The link to download a record's file through the API (never a public media URL)."""

    def __init__(self, *, file_field: str, route: str, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        kwargs["source"] = "*"
        super().__init__(**kwargs)
        self.file_field = file_field
        self.route = route

    def to_representation(self, instance: Any) -> str | None:
        if not getattr(instance, self.file_field):
            return None
        path = reverse(f"api:{self.route}", kwargs={"pk": instance.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


# FastRepresentation: reads the same representation with less work (tracker/api/reading.py).
class RecordSerializer(FastRepresentation, serializers.ModelSerializer):  # type: ignore[type-arg]
    """Shared behaviour: strict input, writes through the services.

    A field the resource does not have, or one that cannot be written (``status``,
    ``version``, ``due_on``…), is refused by name rather than silently ignored.
    ``create_only_fields`` are set when a record is created; an update may repeat
    them unchanged (a PUT of what was read) but not change them.
    """

    create_only_fields: tuple[str, ...] = ()

    def to_internal_value(self, data: Any) -> Any:
        if hasattr(data, "keys"):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            errors: dict[str, list[str]] = {}
            for key in data:
                if key in writable:
                    continue
                if key == "status" and self.Meta.model is OptOutRequest:
                    errors[key] = [
                        gettext(
                            "Status changes only through POST /api/v1/requests/{id}/transitions/."
                        )
                    ]
                elif key in self.fields:
                    errors[str(key)] = [gettext("This field is read-only.")]
                else:
                    errors[str(key)[:100]] = [gettext("Unknown field.")]
            if is_json_object(data):
                errors.update(json_type_errors(self.fields, data))
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None:
            changed = [
                name
                for name in self.create_only_fields
                if name in attrs and attrs[name] != getattr(self.instance, name)
            ]
            if changed:
                raise serializers.ValidationError(
                    {
                        name: [gettext("This is set when the record is created and cannot change.")]
                        for name in changed
                    }
                )
        return attrs

    def _by(self) -> Any:
        request = self.context.get("request")
        return request.user if request is not None else None

    def _split_m2m(self, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        model: type[models.Model] = self.Meta.model
        m2m_names = {field.name for field in model._meta.many_to_many}
        plain = {key: value for key, value in values.items() if key not in m2m_names}
        m2m = {key: list(value) for key, value in values.items() if key in m2m_names}
        return plain, m2m

    def create(self, validated_data: dict[str, Any]) -> Any:
        plain, m2m = self._split_m2m(validated_data)
        model: Any = self.Meta.model
        instance = model()
        set_fields(instance, plain)
        return services.record_save(instance, by=self._by(), m2m=m2m)

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        plain, m2m = self._split_m2m(validated_data)
        set_fields(instance, plain)
        return services.record_save(
            instance,
            by=self._by(),
            expected_version=self.context.get("expected_version"),
            m2m=m2m,
        )


# --- Who is who ------------------------------------------------------------------------


class JurisdictionSerializer(RecordSerializer):
    class Meta:
        model = Jurisdiction
        fields = [
            *_COMMON_READ_ONLY,
            "name",
            "kind",
            "state",
            "fips",
            "ocd_id",
            "deployment_status",
            "activation_date",
            "notes",
            "source",
        ]
        read_only_fields = _COMMON_READ_ONLY

    def validate_fips(self, value: str | None) -> str | None:
        # Unknown is NULL, not "": the uniqueness constraint allows many unknowns.
        return value or None

    def validate_ocd_id(self, value: str | None) -> str | None:
        return value or None


class AgencySerializer(RecordSerializer):
    class Meta:
        model = Agency
        fields = [
            *_COMMON_READ_ONLY,
            "name",
            "abbreviation",
            "level",
            "kind",
            "parent",
            "jurisdiction",
            "state",
            "reply_window_days",
            "reply_window_kind",
            "website",
            "notes",
            "source",
        ]
        read_only_fields = _COMMON_READ_ONLY


class ContactSerializer(RecordSerializer):
    """A person. Email, phone, address and notes appear only to users allowed to view contacts."""

    class Meta:
        model = Contact
        fields = [
            *_COMMON_READ_ONLY,
            "name",
            "title",
            "agency",
            "jurisdiction",
            "email",
            "phone",
            "address",
            "notes",
            "source",
        ]
        read_only_fields = _COMMON_READ_ONLY

    def to_representation(self, instance: Contact) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        by = self._by()
        if by is None or not may_see_private_contact_details(by):
            for name in Contact.PRIVATE_FIELDS:
                data.pop(name, None)
        return data


class SourceSerializer(RecordSerializer):
    """A document records cite: a seed article, a letter, a memo, a press release.

    Records name their sources by id in ``sources``; the public representation shows
    each source's seed number, title, publisher, date and address (never its notes).
    """

    published_on = PartialDateField()

    class Meta:
        model = Source
        fields = [
            *_COMMON_READ_ONLY,
            "seed",
            "title",
            "publisher",
            "published_on",
            "url",
            "notes",
        ]
        read_only_fields = _COMMON_READ_ONLY


# --- Cases -----------------------------------------------------------------------------


class NextStepSerializer(serializers.Serializer):  # type: ignore[type-arg]
    to = serializers.ChoiceField(choices=State.choices, help_text="The state it would move to.")
    # A declared field named "label" shadows Field.label only in the type stubs:
    # DRF moves declared fields off the class.
    label = serializers.CharField(help_text="What the move records, in words.")  # type: ignore[assignment]


class CaseSummarySerializer(serializers.Serializer):  # type: ignore[type-arg]
    """What a case waits for and its next step (``selectors.case_summary``), as the
    staff case page's summary line and the dashboard show it."""

    waits_for = serializers.CharField(help_text="What the request waits for, in words.")
    since = serializers.CharField(
        allow_null=True,
        help_text="Since when (YYYY-MM-DD, YYYY-MM or YYYY): the sending date of its oldest "
        "letter awaiting a reply, else the day it entered its state.",
    )
    due_on = serializers.DateField(
        allow_null=True, help_text="When the earliest reply it waits for is due."
    )
    days_overdue = serializers.IntegerField(help_text="Days past that date (0 if not overdue).")
    overdue = serializers.BooleanField()
    very_overdue = serializers.BooleanField()
    action = serializers.CharField(help_text="The next step of the documented process.")
    move = serializers.ChoiceField(
        choices=State.choices,
        allow_null=True,
        help_text="The move that step ends in, when the workflow allows it now.",
    )


class ChecklistItemSerializer(serializers.Serializer):  # type: ignore[type-arg]
    key = serializers.ChoiceField(
        choices=[
            ("notice_program_office", "Written notice to ICE's Secure Communities program office"),
            ("notice_sib", "Written notice to the State Identification Bureau"),
            ("meeting_held", "Meeting with ICE and the state held"),
        ]
    )
    label = serializers.CharField()  # type: ignore[assignment]
    done = serializers.BooleanField()


class RequestSerializer(RecordSerializer):
    """An opt-out request. Its status moves only through the transitions endpoint."""

    status = serializers.ChoiceField(choices=State.choices, read_only=True, help_text=_state_help())
    owner = serializers.SlugRelatedField(
        slug_field="username",
        queryset=people_who_may_own_requests(),
        allow_null=True,
        required=False,
        help_text="Username of the staff member who owns the case.",
        error_messages={
            "does_not_exist": "No staff member has the username “{value}”. " + OWNER_NOT_ON_STAFF
        },
    )
    opened_on = PartialDateField()
    allowed_transitions = serializers.SerializerMethodField(
        help_text="The moves the workflow allows now (POST one to .../transitions/)."
    )
    checklist = serializers.SerializerMethodField(
        help_text="The documented process: notice to ICE's program office, notice to the "
        "State Identification Bureau, a meeting held; and which steps are done."
    )
    next_step = serializers.SerializerMethodField(
        help_text="What the request waits for, since when, when the reply is due, how "
        "overdue, and the next step of the documented process."
    )

    class Meta:
        model = OptOutRequest
        fields = [
            *_COMMON_READ_ONLY,
            "jurisdiction",
            "title",
            "seeks",
            "status",
            "requesting_agency",
            "requested_by",
            "owner",
            "summary",
            "opened_on",
            "closed_on",
            "outcome",
            *_PUBLISHABLE,
            "allowed_transitions",
            "checklist",
            "next_step",
        ]
        read_only_fields = (*_COMMON_READ_ONLY, "closed_on")

    create_only_fields = ("jurisdiction",)

    @extend_schema_field(NextStepSerializer(many=True))
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The request's current owner stays a valid choice once they have left the
        # staff: sending the request back as it was read never takes it from them.
        if isinstance(self.instance, OptOutRequest) and self.instance.owner_id is not None:
            owner: Any = self.fields["owner"]
            owner.queryset = people_who_may_own_requests(keeping=self.instance.owner)

    def get_allowed_transitions(self, obj: OptOutRequest) -> list[dict[str, str]]:
        return [
            {"to": edge.target.value, "label": str(edge.label)}
            for edge in selectors.request_next_steps(obj)
        ]

    @extend_schema_field(ChecklistItemSerializer(many=True))
    def get_checklist(self, obj: OptOutRequest) -> list[dict[str, Any]]:
        return [
            {"key": item.key, "label": item.label, "done": item.done}
            for item in selectors.request_checklist(obj)
        ]

    @extend_schema_field(CaseSummarySerializer)
    def get_next_step(self, obj: OptOutRequest) -> dict[str, Any]:
        summary = selectors.case_summary(obj)
        return {
            "waits_for": summary.waits_for,
            "since": summary.since.isoformat() if summary.since else None,
            "due_on": summary.due_on.isoformat() if summary.due_on else None,
            "days_overdue": summary.days_overdue,
            "overdue": summary.overdue,
            "very_overdue": summary.very_overdue,
            "action": summary.action,
            "move": summary.move.value if summary.move else None,
        }

    def validate_outcome(self, value: str) -> str:
        if self.instance is None and value:
            raise serializers.ValidationError(
                gettext("A new request has no outcome yet; record it when the request closes.")
            )
        return value

    def create(self, validated_data: dict[str, Any]) -> OptOutRequest:
        validated_data.pop("outcome", None)
        return services.request_open(by=self._by(), **validated_data)


class LetterListSerializer(serializers.ListSerializer):  # type: ignore[type-arg]
    """A page of letters, given their deadlines together: the holiday list is read once
    for the page, not once per letter."""

    def to_representation(self, data: Any) -> list[Any]:
        letters = data.all() if isinstance(data, models.manager.BaseManager) else data
        return super().to_representation(list(selectors.with_deadlines(letters)))


class LetterSerializer(RecordSerializer):
    """A letter sent or received. Outgoing letters get their reply due date when logged."""

    sent_on = PartialDateField()
    received_on = PartialDateField()
    attachment = serializers.FileField(
        write_only=True,
        required=False,
        validators=[validate_attachment],
        help_text="The letter itself: PDF, image, plain text, email (.eml) or Word; "
        "checked by content; size limited by the site.",
    )
    attachment_url = AttachmentLinkField(file_field="attachment", route="letter-attachment")
    awaiting_reply = serializers.SerializerMethodField(
        help_text="An outgoing letter with no response or reply letter linked to it."
    )
    due_explanation = serializers.SerializerMethodField(
        help_text='How `due_on` was counted, e.g. "due 2010-10-07: 30 calendar days after it '
        'was sent on 2010-09-07"; null when no reply is due (incoming or undated letters).'
    )
    very_overdue_explanation = serializers.SerializerMethodField(
        help_text="How `very_overdue_on` (twice the reply window) was counted; null when no "
        "reply is due."
    )
    is_overdue = serializers.SerializerMethodField(
        help_text="Awaiting a reply and past `due_on` (the due day itself is not late). "
        "Worked out on each read, never stored."
    )
    is_very_overdue = serializers.SerializerMethodField(
        help_text="Awaiting a reply and past `very_overdue_on`. Worked out on each read."
    )

    class Meta:
        model = Letter
        fields = [
            *_COMMON_READ_ONLY,
            "request",
            "direction",
            "sender",
            "sender_contact",
            "recipients",
            "recipient_contacts",
            "method",
            "sent_on",
            "received_on",
            "subject",
            "summary",
            "attachment",
            "attachment_url",
            "in_reply_to",
            "due_on",
            "due_explanation",
            "very_overdue_on",
            "very_overdue_explanation",
            "awaiting_reply",
            "is_overdue",
            "is_very_overdue",
            *_PUBLISHABLE,
        ]
        read_only_fields = (*_COMMON_READ_ONLY, "due_on", "very_overdue_on")
        list_serializer_class = LetterListSerializer

    create_only_fields = ("request",)

    def get_awaiting_reply(self, obj: Letter) -> bool:
        return selectors.flag_of(obj, "awaiting_reply")

    def get_due_explanation(self, obj: Letter) -> str | None:
        deadline = selectors.deadline_of(obj)
        return deadline.explanation if deadline else None

    def get_very_overdue_explanation(self, obj: Letter) -> str | None:
        deadline = selectors.deadline_of(obj)
        return deadline.very_overdue_explanation if deadline else None

    def get_is_overdue(self, obj: Letter) -> bool:
        return selectors.flag_of(obj, "overdue")

    def get_is_very_overdue(self, obj: Letter) -> bool:
        return selectors.flag_of(obj, "very_overdue")

    def create(self, validated_data: dict[str, Any]) -> Letter:
        return services.letter_log(by=self._by(), **validated_data)


class ResponseSerializer(RecordSerializer):
    """An agency's reply to a letter or to a request as a whole."""

    responded_on = PartialDateField()
    attachment = serializers.FileField(
        write_only=True,
        required=False,
        validators=[validate_attachment],
        help_text="The reply itself: PDF, image, plain text, email (.eml) or Word.",
    )
    attachment_url = AttachmentLinkField(file_field="attachment", route="response-attachment")

    class Meta:
        model = AgencyResponse
        fields = [
            *_COMMON_READ_ONLY,
            "request",
            "letter",
            "agency",
            "responded_on",
            "kind",
            "summary",
            "attachment",
            "attachment_url",
            *_PUBLISHABLE,
        ]
        read_only_fields = _COMMON_READ_ONLY

    create_only_fields = ("request",)

    def create(self, validated_data: dict[str, Any]) -> AgencyResponse:
        return services.response_record(by=self._by(), **validated_data)


class MeetingSerializer(RecordSerializer):
    held_on = PartialDateField()

    class Meta:
        model = Meeting
        fields = [
            *_COMMON_READ_ONLY,
            "request",
            "status",
            "held_on",
            "place",
            "agencies",
            "attendees",
            "outcome",
            *_PUBLISHABLE,
        ]
        read_only_fields = _COMMON_READ_ONLY

    create_only_fields = ("request",)

    def create(self, validated_data: dict[str, Any]) -> Meeting:
        return services.meeting_record(by=self._by(), **validated_data)


class StatementSerializer(RecordSerializer):
    stated_on = PartialDateField()
    document = serializers.FileField(
        write_only=True,
        required=False,
        validators=[validate_attachment],
        help_text="The document the statement comes from: PDF, image, text, email or Word.",
    )
    document_url = AttachmentLinkField(file_field="document", route="statement-attachment")

    class Meta:
        model = Statement
        fields = [
            *_COMMON_READ_ONLY,
            "speaker",
            "speaker_contact",
            "agency",
            "stated_on",
            "medium",
            "source_title",
            "source_url",
            "document",
            "document_url",
            "quote",
            "position",
            "topic",
            *_PUBLISHABLE,
        ]
        read_only_fields = _COMMON_READ_ONLY


class TransitionSerializer(FastRepresentation, serializers.ModelSerializer):  # type: ignore[type-arg]
    """One entry of the append-only status log."""

    by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    from_state = serializers.ChoiceField(
        choices=State.choices,
        read_only=True,
        allow_blank=True,
        help_text='Empty (`""`) for the opening entry.',
    )
    to_state = serializers.ChoiceField(choices=State.choices, read_only=True)
    happened = PartialDateField(
        read_only=True,
        help_text="When the move happened (its effective date, as far as it is known: "
        "`2010-12-03`, `2010-12` or `2010`); every surface dates the move by it.",
    )
    at = serializers.DateTimeField(
        read_only=True, help_text="When the move was entered in the tracker (the audit's time)."
    )

    class Meta:
        model = Transition
        fields = [
            "id",
            "request",
            "from_state",
            "to_state",
            "happened",
            "at",
            "by",
            "note",
            "letter",
            "response",
        ]
        read_only_fields = fields


class TransitionRequestSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """What a client sends to move a request."""

    to = serializers.ChoiceField(choices=State.choices, help_text=_state_help())
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH, help_text="Why."
    )
    letter = serializers.PrimaryKeyRelatedField(
        queryset=Letter.objects.all(),
        required=False,
        allow_null=True,
        help_text="The letter that caused the move (of this request).",
    )
    response = serializers.PrimaryKeyRelatedField(
        queryset=AgencyResponse.objects.all(),
        required=False,
        allow_null=True,
        help_text="The response that caused the move (of this request).",
    )
    happened = PartialDateField(
        help_text="When the move happened, as far as it is known (`2010-12-03`, `2010-12` "
        "or `2010`); today when left out. Refused (400) when ahead of today or certainly "
        "before the request's last move."
    )

    def to_internal_value(self, data: Any) -> Any:
        if hasattr(data, "keys"):
            errors: dict[str, list[str]] = {
                str(key)[:100]: [gettext("Unknown field.")]
                for key in data
                if key not in self.fields
            }
            if is_json_object(data):
                errors.update(json_type_errors(self.fields, data))
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class ReopenRequestSerializer(TransitionRequestSerializer):
    """What a client sends to re-open a closed request."""

    def get_fields(self) -> dict[str, serializers.Field]:  # type: ignore[type-arg]
        fields = super().get_fields()
        return {"note": fields["note"], "happened": fields["happened"]}


class MeetingStatusRequestSerializer(TransitionRequestSerializer):
    """What a client sends to mark a meeting held or cancelled (``services.meeting_set_status``,
    the staff pages' "Mark held" and "Cancel the meeting" buttons)."""

    def get_fields(self) -> dict[str, serializers.Field]:  # type: ignore[type-arg]
        return {
            "status": serializers.ChoiceField(
                choices=Meeting.Status.choices,
                help_text="`held`, `cancelled` or `planned` (again).",
            ),
            "held_on": PartialDateField(
                help_text="The day (or month, or year) it was held; kept as it is when "
                "left out. A meeting marked held needs its date, and not one ahead."
            ),
            "then_move": serializers.BooleanField(
                required=False,
                default=False,
                help_text="Marked held, also record that the request's meeting was held "
                "(the move the workflow implies), in one step: both or neither.",
            ),
            "request_version": serializers.IntegerField(
                required=False,
                min_value=1,
                help_text="With `then_move`: the version of the request the client read; "
                "the move is refused (412) when the request changed since.",
            ),
            "happened": super().get_fields()["happened"],
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("then_move"):
            if attrs.get("status") != Meeting.Status.HELD:
                raise serializers.ValidationError(
                    {"then_move": [gettext("Only a meeting marked held moves its request.")]}
                )
            if not attrs.get("request_version"):
                raise serializers.ValidationError(
                    {"request_version": [gettext("Send the version of the request you read.")]}
                )
        return attrs


class TransitionResultSerializer(serializers.Serializer):  # type: ignore[type-arg]
    transition = TransitionSerializer()
    request = RequestSerializer()


class MeetingStatusResultSerializer(serializers.Serializer):  # type: ignore[type-arg]
    meeting = MeetingSerializer()
    transition = TransitionSerializer(
        allow_null=True, help_text="The request's move, with `then_move` (null otherwise)."
    )


class EventSerializer(RecordSerializer):
    """Something that happened around the cases that is not a letter on one request."""

    happened_on = PartialDateField(
        help_text="When it happened, with its precision (YYYY-MM-DD, YYYY-MM or YYYY); "
        "null when no source dates it. Never more precise than the sources."
    )

    class Meta:
        model = Event
        fields = [
            *_COMMON_READ_ONLY,
            "kind",
            "title",
            "summary",
            "happened_on",
            "jurisdictions",
            "agencies",
            "requests",
            "publication",
            "url",
            "sources",
            "basis",
            "inference",
            "is_public",
            "notes",
            "source",
        ]
        read_only_fields = _COMMON_READ_ONLY

    def create(self, validated_data: dict[str, Any]) -> Event:
        return services.event_create(by=self._by(), **validated_data)

    def update(self, instance: Event, validated_data: dict[str, Any]) -> Event:
        plain, m2m = self._split_m2m(validated_data)
        return services.event_update(
            event=instance,
            by=self._by(),
            expected_version=self.context.get("expected_version"),
            values=plain,
            m2m=m2m,
        )


class TimelineEntrySerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A letter, response, meeting or status change, in one chronological list."""

    kind = serializers.ChoiceField(
        choices=[
            ("letter", "A letter sent or received"),
            ("response", "An agency's response"),
            ("meeting", "A meeting"),
            ("transition", "A status change"),
            ("event", "An event around the case: a vote, a lawsuit, press coverage..."),
        ]
    )
    id = serializers.IntegerField()
    date = serializers.CharField(
        allow_null=True,
        help_text="The entry's date with its precision (YYYY-MM-DD, YYYY-MM or YYYY); "
        "null when unknown (undated entries come last).",
    )
    title = serializers.CharField()
    summary = serializers.CharField(allow_blank=True)


class ThreadLetterSerializer(RecordSerializer):
    """One letter of a correspondence thread (Rep. Lofgren's of 27 July 2010, the
    departments' replies), with the statement it also is when it takes a position."""

    sent_on = PartialDateField()
    attachment = serializers.FileField(
        write_only=True,
        required=False,
        validators=[validate_attachment],
        help_text="The letter's file: PDF, image, text, email or Word.",
    )
    attachment_url = AttachmentLinkField(file_field="attachment", route="thread-letter-attachment")

    class Meta:
        model = ThreadLetter
        fields = [
            *_COMMON_READ_ONLY,
            "thread",
            "sender",
            "sender_agency",
            "recipients",
            "recipient_agencies",
            "sent_on",
            "subject",
            "summary",
            "statement",
            "attachment",
            "attachment_url",
            *_PUBLISHABLE,
        ]
        read_only_fields = _COMMON_READ_ONLY

    create_only_fields = ("thread",)

    def create(self, validated_data: dict[str, Any]) -> ThreadLetter:
        return services.thread_letter_log(by=self._by(), **validated_data)


class ThreadSerializer(RecordSerializer):
    """Correspondence not tied to one request: linked to many requests, or none."""

    letters = ThreadLetterSerializer(
        many=True,
        read_only=True,
        help_text="Its letters in date order; write them at /api/v1/thread-letters/.",
    )

    class Meta:
        model = CorrespondenceThread
        fields = [
            *_COMMON_READ_ONLY,
            "title",
            "summary",
            "requests",
            "jurisdictions",
            "letters",
            *_PUBLISHABLE,
        ]
        read_only_fields = _COMMON_READ_ONLY
        extra_kwargs = {
            "requests": {"required": False, "help_text": "Ids of the requests it concerns."},
            "jurisdictions": {"required": False},
        }

    def create(self, validated_data: dict[str, Any]) -> CorrespondenceThread:
        return services.thread_open(by=self._by(), **validated_data)


class ContradictionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Two statements whose positions conflict, the earlier first, with their sources."""

    key = serializers.CharField(help_text="The two statements' references, earlier first.")
    earlier = StatementSerializer()
    later = StatementSerializer()
    relation = serializers.CharField(
        help_text='How the speakers are related: "the same agency (DHS)", "ICE is part of DHS", '
        'or, for agencies that do not answer for each other, "different agencies on one '
        'topic: whether localities can opt out".'
    )
    label = serializers.CharField(  # type: ignore[assignment]
        help_text='Who against whom, and when: "DOJ (8 September 2010) vs DHS (6 October 2010)".'
    )
    across_agencies = serializers.BooleanField(
        help_text="True for agencies that do not answer for each other (DOJ and DHS), "
        "paired because both statements are on the same topic."
    )
    days_fewest = serializers.SerializerMethodField(
        help_text="Fewest days between them the dates allow; null when a date is unknown."
    )
    days_most = serializers.SerializerMethodField(
        help_text="Most days between them the dates allow; null when a date is unknown."
    )
    days_display = serializers.SerializerMethodField(
        help_text='"29 days", "7 to 37 days", "the same day" or "unknown".'
    )
    order_certain = serializers.BooleanField(
        help_text="False when the dates overlap, so which was said first is not certain."
    )

    def get_days_fewest(self, obj: Any) -> int | None:
        return obj.days.fewest if obj.days else None

    def get_days_most(self, obj: Any) -> int | None:
        return obj.days.most if obj.days else None

    def get_days_display(self, obj: Any) -> str:
        return obj.days.display() if obj.days else "unknown"


class SpanSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Days between two milestones; a range when a date is known only to the month or year."""

    shortest = serializers.IntegerField()
    longest = serializers.IntegerField()
    exact = serializers.BooleanField()
    display = serializers.CharField(help_text='"12 days" or "between 0 and 40 days".')


def _span_field(help_text: str) -> SpanSerializer:
    return SpanSerializer(allow_null=True, read_only=True, help_text=help_text)


class RequestMilestonesSerializer(serializers.Serializer):  # type: ignore[type-arg]
    request = serializers.IntegerField(source="request.pk", help_text="The request's id.")
    reference = serializers.CharField(source="request.reference")
    title = serializers.CharField(source="request.title")
    jurisdiction = serializers.CharField(source="request.jurisdiction.name")
    status = serializers.ChoiceField(choices=State.choices, source="request.status")
    first_notice = PartialDateField(help_text="The first outgoing letter's sending date.")
    first_acknowledgement = PartialDateField(help_text="The first reply of any kind.")
    first_meeting = PartialDateField(help_text="The first meeting held.")
    resolution = PartialDateField(help_text="Removal, a changed activation date or a denial.")
    to_acknowledgement = _span_field("From first notice to first acknowledgement.")
    to_meeting = _span_field("From first notice to a meeting held.")
    to_resolution = _span_field("From first notice to a resolution.")


class AgencyReplyTimesSerializer(serializers.Serializer):  # type: ignore[type-arg]
    agency = serializers.IntegerField(source="agency.pk", help_text="The agency's id.")
    reference = serializers.CharField(source="agency.reference")
    name = serializers.CharField(source="agency.name")
    letters = serializers.IntegerField(help_text="Dated letters sent to it.")
    answered = serializers.IntegerField()
    waiting = serializers.IntegerField(help_text="Unanswered, still within the reply window.")
    never_answered = serializers.IntegerField(help_text="Unanswered and past the due date.")
    replies_counted = serializers.SerializerMethodField(
        help_text="Replies whose dates are both known to the day: the figures use these."
    )
    imprecise_replies = serializers.IntegerField(
        help_text="Replies left out of the figures: a date known only to the month or year."
    )
    median_days = serializers.FloatField(allow_null=True)
    p90_days = serializers.IntegerField(allow_null=True, help_text="90th percentile.")
    share_never_answered = serializers.FloatField(
        allow_null=True, help_text="Of the letters whose reply is due, 0 to 1."
    )

    def get_replies_counted(self, obj: Any) -> int:
        return int(obj.replies_counted)


class ErrorSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The shape of every error response (documentation only: errors are never parsed)."""

    def get_fields(self) -> dict[str, serializers.Field]:  # type: ignore[type-arg]
        # Declared here rather than as class attributes: a field named "errors"
        # would hide the serializer's own ``errors`` property.
        return {
            "code": serializers.CharField(
                help_text="Machine-readable: `invalid`, `parse_error`, `not_authenticated`, "
                "`authentication_failed`, `permission_denied`, `not_found`, "
                "`method_not_allowed`, `not_acceptable`, `unsupported_media_type`, "
                "`transition_not_allowed` (409), `stale_record` (412), `protected` (409), "
                "`conflict` (409), `precondition_required` (428), "
                "`idempotency_key_reused` (422), `throttled`."
            ),
            "detail": serializers.CharField(help_text="What went wrong, for people."),
            "errors": serializers.DictField(
                help_text="Messages per field; `non_field_errors` when no single field is "
                "to blame; empty when the error is not about the input."
            ),
            "current": serializers.ChoiceField(
                choices=State.choices,
                required=False,
                help_text="409 on a move: the request's state.",
            ),
            "allowed": serializers.ListField(
                child=serializers.ChoiceField(choices=State.choices),
                required=False,
                help_text="409 on a move: the states the request may move to now.",
            ),
            "current_version": serializers.IntegerField(
                required=False,
                allow_null=True,
                help_text="412 and 428: the record's version now (null on a 412: it was deleted).",
            ),
            "etag": serializers.CharField(
                required=False,
                help_text="428: the ETag to send as `If-Match` to change the version "
                'that is current now (e.g. `"3"`).',
            ),
            "changes": serializers.ListField(
                child=serializers.DictField(),
                required=False,
                help_text="412: what changed since your version (field, label, old, new, by, at).",
            ),
        }


__all__ = [
    "AgencyReplyTimesSerializer",
    "AgencySerializer",
    "ContactSerializer",
    "ContradictionSerializer",
    "ErrorSerializer",
    "EventSerializer",
    "JurisdictionSerializer",
    "LetterSerializer",
    "MeetingSerializer",
    "MeetingStatusRequestSerializer",
    "MeetingStatusResultSerializer",
    "RequestMilestonesSerializer",
    "RequestSerializer",
    "ResponseSerializer",
    "StatementSerializer",
    "ThreadLetterSerializer",
    "ThreadSerializer",
    "TimelineEntrySerializer",
    "TransitionRequestSerializer",
    "TransitionResultSerializer",
    "TransitionSerializer",
]


class DeletionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """One deleted record: which list it was in, its id, when it was deleted."""

    resource = serializers.CharField(help_text="The list it was in: `letters`, `requests`…")
    id = serializers.IntegerField()
    deleted_at = serializers.DateTimeField()
