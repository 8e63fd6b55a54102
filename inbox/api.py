"""``/api/v1/inbox/``: email received, sending one in, and filing one on a request.

``POST /api/v1/inbox/messages/`` receives a message (a multipart ``file``, or the raw
message as the body with ``Content-Type: message/rfc822``) exactly as an upload on
the staff pages; ``GET /api/v1/inbox/`` lists what was received (``?state=``);
``POST /api/v1/inbox/<id>/file/`` files a waiting message on a request.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from inbox import selectors, services
from inbox.models import Attachment, Message
from jurisdictions.models import Agency
from tracker.api.pagination import Pagination
from tracker.api.serializers import ErrorSerializer
from tracker.domain.permissions import may_file_email, may_read_inbox, may_receive_email
from tracker.models import OptOutRequest

TAGS = ["inbox"]


def _errors(**codes: str) -> dict[int, OpenApiResponse]:
    described = {
        "e401": "Not signed in.",
        "e403": "This account may not do this with the inbox.",
        "e404": "No message with this id (or no such address).",
        **codes,
    }
    return {
        int(code.lstrip("e")): OpenApiResponse(ErrorSerializer, description=text)
        for code, text in described.items()
    }


#: ICE's answer to San Francisco's sheriff, received and filed.
_EXAMPLE = {
    "id": 7,
    "message_id": "<4CBF2A1B.7080301@ice.dhs.gov>",
    "via": "api",
    "received_at": "2010-10-20T18:05:00Z",
    "from_name": "Venturella, David",
    "from_address": "david.venturella@ice.dhs.gov",
    "to": "replies+r12-1a2b3c4d5e@example.org",
    "subject": "RE: Secure Communities: request not to be activated",
    "sent_at": "2010-10-20T18:02:03Z",
    "state": "matched",
    "reason": "Filed automatically: matched by its reply address.",
    "request": 12,
    "matched_by": "address",
    "letter": 31,
    "filed_at": "2010-10-20T18:05:00Z",
    "attachments": [
        {
            "id": 3,
            "filename": "ICE response 2010-10-20.pdf",
            "content_type": "application/pdf",
            "size": 48213,
            "refused": "",
        }
    ],
}


class RawMessageParser(BaseParser):
    """The body is the message itself: an RFC 822 message or an Outlook .msg file."""

    media_type = "message/rfc822"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        return stream.read() if stream is not None else b""


class OutlookMessageParser(RawMessageParser):
    media_type = "application/vnd.ms-outlook"


class AttachmentSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Attachment
        fields = ["id", "filename", "content_type", "size", "refused"]
        read_only_fields = fields
        extra_kwargs = {"refused": {"help_text": "Why the file was refused; empty if kept."}}


class MessageSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "message_id",
            "via",
            "received_at",
            "from_name",
            "from_address",
            "to",
            "subject",
            "sent_at",
            "state",
            "reason",
            "request",
            "matched_by",
            "letter",
            "filed_at",
            "attachments",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "state": {
                "help_text": "`matched`: filed on `request` as `letter`; `unmatched`: waits "
                "to be filed; `auto_reply`, `bounce`: automatic, never filed; `quarantined`: "
                "held back (a refused file, unreadable or too large), see `reason`."
            },
            "request": {"help_text": "The request it is filed on, or the one it seems to concern."},
            "letter": {"help_text": "The letter received it was filed as."},
        }


class MessageWithTextSerializer(MessageSerializer):
    class Meta(MessageSerializer.Meta):
        fields = [*MessageSerializer.Meta.fields, "text"]
        read_only_fields = fields


class UploadSerializer(serializers.Serializer):  # type: ignore[type-arg]
    file = serializers.FileField(help_text="The message: a .eml file or an Outlook .msg file.")


class FileSerializer(serializers.Serializer):  # type: ignore[type-arg]
    request = serializers.PrimaryKeyRelatedField(
        queryset=OptOutRequest.objects.all(), help_text="The request to file it on."
    )
    agency = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.all(),
        required=False,
        allow_null=True,
        help_text="The agency that sent it; by default the agency of the sender's address "
        "(a known contact), or the one agency the request awaits a reply from.",
    )


@extend_schema_view(
    list=extend_schema(
        summary="List the messages received",
        description="Newest first. Filter with `state`.",
        parameters=[
            OpenApiParameter(
                "state", str, enum=Message.State.values, description="Only messages in this state."
            )
        ],
        responses={200: MessageSerializer(many=True), **_errors(e400="An unknown state.")},
        tags=TAGS,
    ),
    retrieve=extend_schema(
        summary="Read a message received",
        responses={200: MessageWithTextSerializer, **_errors(e404="No message with this id.")},
        tags=TAGS,
    ),
)
class InboxViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Email received by the tracker."""

    serializer_class = MessageSerializer
    pagination_class = Pagination
    filter_backends: list[Any] = []
    lookup_value_regex = "[0-9]+"
    action_permissions = {
        "list": may_read_inbox,
        "retrieve": may_read_inbox,
        "receive": may_receive_email,
        "file": may_file_email,
    }

    def get_queryset(self) -> QuerySet[Message]:
        if getattr(self, "swagger_fake_view", False):
            return Message.objects.none()
        state = self.request.query_params.get("state") or None
        if self.action == "list" and state is not None and state not in Message.State.values:
            raise APIValidationError({"state": [f"Not one of: {', '.join(Message.State.values)}."]})
        return selectors.inbox_messages(state=state).prefetch_related("attachments")

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        found = selectors.message_for_page(int(kwargs["pk"]))
        if found is None:
            raise Http404("No message with this id.")
        return Response(MessageWithTextSerializer(found).data)

    @extend_schema(
        summary="Receive a message",
        description="Send one email in, as the mailbox poll would: a multipart `file` (a "
        ".eml or an Outlook .msg file), or the raw message as the body with `Content-Type: "
        "message/rfc822` (or `application/vnd.ms-outlook`). It is filed on its request when "
        "it names one (reply address, case reference in the subject, the thread, or a "
        "known contact of exactly one open request); otherwise it waits in the inbox. 201 "
        "for a new message; 200 with the message kept before when the same message "
        "(Message-ID, or the same bytes) was received already.",
        request={"multipart/form-data": UploadSerializer},
        responses={
            201: MessageSerializer,
            200: MessageSerializer,
            **_errors(e400="Not an email message, or no file."),
        },
        examples=[
            OpenApiExample(
                "Filed on its request",
                value=_EXAMPLE,
                response_only=True,
                status_codes=["200", "201"],
            )
        ],
        tags=TAGS,
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="messages",
        parser_classes=[MultiPartParser, RawMessageParser, OutlookMessageParser],
    )
    def receive(self, request: Request) -> Response:
        if isinstance(request.data, bytes):
            raw = request.data
        else:
            given = UploadSerializer(data=request.data)
            given.is_valid(raise_exception=True)
            raw = given.validated_data["file"].read()
        try:
            received = services.message_receive(raw=raw, via=Message.Via.API, by=request.user)
        except services.MessageRefused as error:
            raise APIValidationError({"file": error.messages}) from None
        found = selectors.message_for_page(received.message.pk)
        return Response(
            MessageSerializer(found).data,
            status=status.HTTP_201_CREATED if received.created else status.HTTP_200_OK,
        )

    @extend_schema(
        summary="File a message on a request",
        description="Files a message waiting in the inbox on a request, as a letter received "
        "by email (the original message attached). Refused for a message already filed, an "
        "automatic reply or a bounce.",
        request=FileSerializer,
        responses={
            200: MessageSerializer,
            **_errors(
                e400="A field is not valid, or the message cannot be filed.",
                e404="No message with this id.",
            ),
        },
        tags=TAGS,
    )
    @action(detail=True, methods=["post"], url_path="file")
    def file(self, request: Request, pk: str | None = None) -> Response:
        message = self.get_object()
        given = FileSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        services.message_file(
            message=message,
            request=given.validated_data["request"],
            agency=given.validated_data.get("agency"),
            by=request.user,
        )
        return Response(MessageSerializer(selectors.message_for_page(message.pk)).data)
