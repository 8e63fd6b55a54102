"""``/api/v1/webhooks/``: a person's own webhooks (``core.webhooks``).

List, make, read, change and delete one's own subscriptions (changes and deletions
with ``If-Match``, as for records), rotate a secret, send a test event and read the
delivery log. A secret is in the answer that makes or rotates it, and never again.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from core import webhooks
from core.models import WebhookDelivery, WebhookSubscription
from tracker.api.pagination import Pagination
from tracker.api.serializers import ErrorSerializer
from tracker.api.tokens import StrictSerializer
from tracker.api.views import IF_MATCH, etag, expected_version
from tracker.domain.permissions import may_keep_webhooks

TAGS = ["webhooks"]


def _errors(**codes: str) -> dict[int, OpenApiResponse]:
    """The error answers of an operation: 401, 403 and 404 as for every operation, with
    ``e<status>="description"`` adding or replacing one."""
    described = {
        "e401": "Not signed in.",
        "e403": "This account may not keep webhooks (it needs access to the staff pages).",
        "e404": "No webhook of yours with this id.",
        **codes,
    }
    return {
        int(code.lstrip("e")): OpenApiResponse(ErrorSerializer, description=text)
        for code, text in described.items()
    }


EVENT_TYPES_HELP = "The events to send, any of: " + ", ".join(
    f"`{name}` ({description})" for name, description in webhooks.EVENT_TYPES.items()
)


class WebhookSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """A webhook as listed: never its secret."""

    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=list(webhooks.EVENT_TYPES)),
        help_text=EVENT_TYPES_HELP,
    )

    class Meta:
        model = WebhookSubscription
        fields = [
            "id",
            "name",
            "url",
            "event_types",
            "is_active",
            "version",
            "created_at",
            "updated_at",
            "secret_rotated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "url": {"help_text": "Where the events are sent (POST), http:// or https://."},
            "is_active": {"help_text": "A paused webhook is sent nothing but test events."},
            "version": {"help_text": "Goes up on every change; send it back in `If-Match`."},
        }


class WebhookWithSecretSerializer(WebhookSerializer):
    """A webhook just made, or whose secret was just rotated, with its secret."""

    secret = serializers.CharField(
        help_text="Signs every message (`Opt-Out-Signature`). Shown only now: keep it safe."
    )

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookInputSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100, help_text="What the webhook is for.")
    url = serializers.CharField(
        max_length=500, help_text="Where the events are sent (POST), http:// or https://."
    )
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=list(webhooks.EVENT_TYPES)),
        allow_empty=False,
        max_length=len(webhooks.EVENT_TYPES),
        help_text=EVENT_TYPES_HELP,
    )
    is_active = serializers.BooleanField(required=False, default=True)


class DeliverySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    state = serializers.SerializerMethodField(
        help_text="`delivered`, `pending` (to be tried again at `next_attempt_at`) or "
        "`failed` (given up after the last attempt)."
    )

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "state",
            "attempts",
            "created_at",
            "last_attempt_at",
            "next_attempt_at",
            "last_status_code",
            "response_excerpt",
            "error",
            "delivered_at",
            "failed_at",
            "payload",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "payload": {"help_text": "The message sent, as JSON."},
            "last_status_code": {"help_text": "The HTTP status of the last answer; null if none."},
            "response_excerpt": {"help_text": "The start of the last answer's body."},
        }

    def get_state(self, delivery: WebhookDelivery) -> str:
        return delivery.state


class KeepsWebhooks(BasePermission):
    """``tracker.domain.permissions.may_keep_webhooks``."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return may_keep_webhooks(request.user)


def _tagged(answer: WebhookSubscription, data: Any, code: int = status.HTTP_200_OK) -> Response:
    response = Response(data, status=code)
    response["ETag"] = etag(answer)  # type: ignore[arg-type]
    return response


@extend_schema_view(
    list=extend_schema(
        summary="List your webhooks",
        description="Yours only, newest first; never their secrets.",
        responses={200: WebhookSerializer(many=True), **_errors(e400="`page` is not valid.")},
        tags=TAGS,
    ),
    retrieve=extend_schema(
        summary="One of your webhooks",
        responses={200: WebhookSerializer, **_errors()},
        tags=TAGS,
    ),
    create=extend_schema(
        summary="Make a webhook",
        description="The answer holds the `secret`, shown this once. The address must be "
        "http:// or https://, and a public host unless the tracker allows private ones "
        "(`WEBHOOK_ALLOW_PRIVATE_TARGETS`).",
        request=WebhookInputSerializer,
        responses={
            201: WebhookWithSecretSerializer,
            **_errors(e400="A field is missing or not valid (see `errors`)."),
        },
        tags=TAGS,
    ),
    update=extend_schema(
        summary="Change a webhook",
        parameters=[IF_MATCH],
        request=WebhookInputSerializer,
        responses={
            200: WebhookSerializer,
            **_errors(
                e400="A field is missing or not valid (see `errors`).",
                e409="The change conflicts with a concurrent one.",
                e412="`If-Match` names an old version.",
                e428="No `If-Match` header.",
            ),
        },
        tags=TAGS,
    ),
    partial_update=extend_schema(
        summary="Change some of a webhook's fields",
        parameters=[IF_MATCH],
        request=WebhookInputSerializer,
        responses={
            200: WebhookSerializer,
            **_errors(
                e400="A field is not valid (see `errors`).",
                e409="The change conflicts with a concurrent one.",
                e412="`If-Match` names an old version.",
                e428="No `If-Match` header.",
            ),
        },
        tags=TAGS,
    ),
    destroy=extend_schema(
        summary="Delete a webhook",
        description="With its delivery log; messages not yet sent never are.",
        parameters=[IF_MATCH],
        responses={
            204: None,
            **_errors(
                e409="The deletion conflicts with a concurrent change.",
                e412="`If-Match` names an old version.",
                e428="No `If-Match` header.",
            ),
        },
        tags=TAGS,
    ),
)
class WebhookViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """The caller's own webhooks."""

    serializer_class = WebhookSerializer
    permission_classes = [KeepsWebhooks]
    pagination_class = Pagination
    filter_backends: list[Any] = []
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[WebhookSubscription]:
        if getattr(self, "swagger_fake_view", False):
            return WebhookSubscription.objects.none()
        return webhooks.subscriptions_of(self.request.user)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        found = self.get_object()
        return _tagged(found, WebhookSerializer(found).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = WebhookInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        made, secret = webhooks.webhook_create(owner=request.user, **given.validated_data)
        data = {**WebhookSerializer(made).data, "secret": secret}
        response = _tagged(made, data, status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(f"{request.path}{made.pk}/")
        return response

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        found = self.get_object()
        version = expected_version(request, found)
        given = WebhookInputSerializer(data=request.data, partial=kwargs.get("partial", False))
        given.is_valid(raise_exception=True)
        changed = webhooks.webhook_update(
            subscription=found, expected_version=version, **given.validated_data
        )
        return _tagged(changed, WebhookSerializer(changed).data)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        found = self.get_object()
        version = expected_version(request, found)
        webhooks.webhook_delete(subscription=found, expected_version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Rotate a webhook's secret",
        description="A new secret, shown this once; messages sent from now on (retries "
        "included) are signed with it only.",
        request=None,
        responses={200: WebhookWithSecretSerializer, **_errors()},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str | None = None) -> Response:
        rotated, secret = webhooks.webhook_rotate_secret(subscription=self.get_object())
        return _tagged(rotated, {**WebhookSerializer(rotated).data, "secret": secret})

    @extend_schema(
        summary="Send a test event",
        description="Queues a `test` event for this webhook (paused or not, whatever events "
        "it chose), sent by the worker like any other; follow it in the delivery log.",
        request=None,
        responses={202: DeliverySerializer, **_errors()},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: str | None = None) -> Response:
        delivery = webhooks.webhook_send_test(subscription=self.get_object())
        delivery.refresh_from_db()
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="A webhook's delivery log",
        description="Every message queued for this webhook, newest first, with its "
        "attempts, the last answer and what was sent; kept "
        "`WEBHOOK_DELIVERIES_KEEP_DAYS` days once sent or given up.",
        responses={
            200: DeliverySerializer(many=True),
            **_errors(e400="`page` or `page_size` is not valid."),
        },
        tags=TAGS,
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk: str | None = None) -> Response:
        rows = webhooks.deliveries_of(self.get_object())
        page = self.paginate_queryset(rows)
        assert page is not None
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)
