"""``/api/v1/drafts/``: letters drafted from templates and sent by email (``outbox``).

List and read drafts, draft one letter (``POST /drafts/``) or the documented pair for a
request (``POST /drafts/notices/``), and send one (``POST /drafts/<id>/send/``): the
worker sends it, and once the mail server accepts it, the letter is logged on the
request. Sending twice sends once.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from jurisdictions.models import Agency, Contact
from outbox import selectors, services
from outbox.models import Draft, LetterTemplate
from tracker.api.pagination import Pagination
from tracker.api.serializers import ErrorSerializer
from tracker.api.tokens import StrictSerializer
from tracker.domain.permissions import may_send_email
from tracker.models import Letter, OptOutRequest

TAGS = ["drafts"]


def _errors(**codes: str) -> dict[int, OpenApiResponse]:
    described = {
        "e401": "Not signed in.",
        "e403": "This account may not do this (sending email needs the Editors role).",
        "e404": "No draft with this id.",
        **codes,
    }
    return {
        int(code.lstrip("e")): OpenApiResponse(ErrorSerializer, description=text)
        for code, text in described.items()
    }


class DraftSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """A draft letter and how sending it went."""

    status = serializers.ChoiceField(
        choices=Draft.Status.choices,
        read_only=True,
        help_text="`draft` (being reviewed), `queued` (to be sent, or tried again at "
        "`next_attempt_at` after a refusal for now), `sending`, `sent` (accepted by the mail "
        "server and logged as `letter`) or `failed` (see `error`).",
    )

    class Meta:
        model = Draft
        fields = [
            "id",
            "reference",
            "request",
            "template",
            "recipient_agency",
            "recipient_contacts",
            "in_reply_to",
            "subject",
            "body",
            "status",
            "error",
            "attempts",
            "next_attempt_at",
            "message_id",
            "sent_at",
            "letter",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "message_id": {"help_text": "The email's Message-ID, which replies quote."},
            "letter": {"help_text": "The letter logged once the email was accepted."},
        }


class DraftInputSerializer(StrictSerializer):
    request = serializers.PrimaryKeyRelatedField(
        queryset=OptOutRequest.objects.all(), help_text="The request the letter is about."
    )
    recipient_agency = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.all(), help_text="The agency written to."
    )
    template = serializers.PrimaryKeyRelatedField(
        queryset=LetterTemplate.objects.all(),
        required=False,
        allow_null=True,
        help_text="The template the subject and body are written from (merge fields filled "
        "in); without one, give `subject` and `body`.",
    )
    recipient_contacts = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.all(),
        many=True,
        required=False,
        help_text="The people the email goes to; by default the agency's people with an "
        "email address.",
    )
    in_reply_to = serializers.PrimaryKeyRelatedField(
        queryset=Letter.objects.all(),
        required=False,
        allow_null=True,
        help_text="The earlier letter this one follows up, if any.",
    )
    subject = serializers.CharField(max_length=300, required=False, allow_blank=True)
    body = serializers.CharField(max_length=100_000, required=False, allow_blank=True)


class NoticesInputSerializer(StrictSerializer):
    request = serializers.PrimaryKeyRelatedField(
        queryset=OptOutRequest.objects.select_related("jurisdiction"),
        help_text="The request whose two notices are drafted.",
    )


@extend_schema_view(
    list=extend_schema(
        summary="List draft letters",
        description="Newest first; `?request=<id>` for one request's, `?status=failed` for "
        "those that could not be sent.",
        responses={200: DraftSerializer(many=True), **_errors(e400="A filter is not valid.")},
        tags=TAGS,
    ),
    retrieve=extend_schema(
        summary="One draft letter",
        responses={200: DraftSerializer, **_errors()},
        tags=TAGS,
    ),
    create=extend_schema(
        summary="Draft a letter from a template",
        description="One letter to one agency, its merge fields filled in; review it, then "
        "send it with `POST /drafts/<id>/send/`.",
        request=DraftInputSerializer,
        responses={
            201: DraftSerializer,
            **_errors(e400="A field is missing or not valid (see `errors`)."),
        },
        tags=TAGS,
    ),
)
class DraftViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    serializer_class = DraftSerializer
    pagination_class = Pagination
    filterset_fields = ["request", "status"]
    action_permissions = {
        "create": may_send_email,
        "notices": may_send_email,
        "send": may_send_email,
    }

    def get_queryset(self) -> QuerySet[Draft]:
        return selectors.drafts().prefetch_related("recipient_contacts")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = DraftInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        values = dict(given.validated_data)
        draft = services.draft_create(by=request.user, **values)
        response = Response(DraftSerializer(draft).data, status=status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(f"{request.path}{draft.pk}/")
        return response

    @extend_schema(
        summary="Draft the two notices of a request",
        description="One draft to ICE's Secure Communities program office and one to the "
        "state's State Identification Bureau, each from its template.",
        request=NoticesInputSerializer,
        responses={
            201: DraftSerializer(many=True),
            **_errors(e400="No such request, or no recipients or templates (see `errors`)."),
        },
        tags=TAGS,
    )
    @action(detail=False, methods=["post"])
    def notices(self, request: Request) -> Response:
        given = NoticesInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        made = services.drafts_create_notices(
            request=given.validated_data["request"], by=request.user
        )
        return Response(DraftSerializer(made, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Send a draft by email",
        description="Queues the draft for the worker; answers with its status now (`queued`, "
        "or already `sent` or `failed` when the task ran at once). Sending a draft already "
        "queued or sent changes nothing: it is sent once.",
        request=None,
        responses={
            202: DraftSerializer,
            **_errors(
                e400="Nobody to send it to, or no requesting agency (see `errors`).",
            ),
        },
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def send(self, request: Request, pk: str | None = None) -> Response:
        draft = services.draft_queue(draft=self.get_object(), by=request.user)
        draft.refresh_from_db()
        return Response(DraftSerializer(draft).data, status=status.HTTP_202_ACCEPTED)
