"""``/api/v1/tokens/``: a user's own API tokens (``core.tokens``).

Obtain one with a username and password (counted by the sign-in protection, like
the sign-in page), list, make, rotate and revoke one's own. A secret is in the
answer that makes or rotates the token, and never again.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from core import tokens
from core.models import ApiToken
from core.permissions import may_keep_api_tokens
from tracker.api.fields import is_json_object, json_type_errors
from tracker.api.pagination import Pagination
from tracker.api.serializers import ErrorSerializer

TAGS = ["tokens"]


def _errors(**codes: str) -> dict[int, OpenApiResponse]:
    """The error answers of an operation: 401, 403 and 404 as for every operation, with
    ``e<status>="description"`` adding or replacing one."""
    described = {
        "e401": "Not signed in, or a wrong, revoked or expired token.",
        "e403": "This account may not keep API tokens.",
        "e404": "No token of yours with this id.",
        "e429": "Too many wrong tokens or passwords from this address: wait the "
        "`Retry-After` seconds.",
        **codes,
    }
    return {
        int(code.lstrip("e")): OpenApiResponse(ErrorSerializer, description=text)
        for code, text in described.items()
    }


class StrictSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """An unknown field or a value of the wrong JSON type is a 400 naming it."""

    def to_internal_value(self, data: Any) -> Any:
        if hasattr(data, "keys"):
            errors: dict[str, list[str]] = {
                str(key)[:100]: [gettext("Unknown field.")]
                for key in data
                if key not in self.fields or self.fields[key].read_only
            }
            if is_json_object(data):
                errors.update(json_type_errors(self.fields, data))
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class TokenSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """A token as listed: never its secret."""

    state = serializers.SerializerMethodField(
        help_text="`active`, `expired` or `revoked` (only an active token signs in)."
    )

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "state",
            "created_at",
            "expires_at",
            "last_used_at",
            "rotated_at",
            "revoked_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "prefix": {"help_text": "The secret's first characters, to tell tokens apart."},
            "last_used_at": {"help_text": "To the minute; null if never used."},
        }

    def get_state(self, token: ApiToken) -> str:
        return tokens.token_state(token)


class TokenWithSecretSerializer(TokenSerializer):
    """A token just made or rotated, with its secret: shown this once."""

    secret = serializers.CharField(
        help_text="Send it as `Authorization: Token <secret>`. Shown only now: keep it safe."
    )

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class NewTokenSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100, help_text="What the token is for.")
    expires_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="When it stops working (ISO 8601); null or absent for never.",
    )

    def validate_expires_at(self, value: Any) -> Any:
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError(gettext("Choose a time in the future."))
        return value


class ObtainTokenSerializer(NewTokenSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


def _with_secret(token: ApiToken, secret: str) -> dict[str, Any]:
    return {**TokenSerializer(token).data, "secret": secret}


class KeepsTokens(BasePermission):
    """Signed in with an active account (``core.permissions.may_keep_api_tokens``)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return may_keep_api_tokens(request.user)


@extend_schema_view(
    list=extend_schema(
        summary="List your API tokens",
        description="Yours only, newest first, with their state; never their secrets.",
        responses={
            200: TokenSerializer(many=True),
            **_errors(e400="`page` or `page_size` is not valid.", e401="Not signed in."),
        },
        tags=TAGS,
    ),
    retrieve=extend_schema(
        summary="One of your API tokens",
        responses={
            200: TokenSerializer,
            **_errors(e400="A query parameter is not valid.", e401="Not signed in."),
        },
        tags=TAGS,
    ),
    create=extend_schema(
        summary="Make an API token",
        description="The answer holds the `secret`, shown this once.",
        request=NewTokenSerializer,
        responses={
            201: TokenWithSecretSerializer,
            **_errors(e400="A field is missing or not valid.", e401="Not signed in."),
        },
        tags=TAGS,
    ),
    destroy=extend_schema(
        summary="Revoke an API token",
        description="It stops working at once (401 `authentication_failed` saying it was "
        "revoked) and stays listed with `revoked_at`. Revoking it again changes nothing.",
        responses={
            204: None,
            **_errors(e401="Not signed in.", e404="No token of yours with this id."),
        },
        tags=TAGS,
    ),
)
class TokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """The caller's own API tokens."""

    serializer_class = TokenSerializer
    permission_classes = [KeepsTokens]
    pagination_class = Pagination
    filter_backends: list[Any] = []

    def get_authenticate_header(self, request: Request) -> str:
        # A wrong password is a 401 (not DRF's 403 for views without authentication).
        return "Token"

    def get_queryset(self) -> QuerySet[ApiToken]:
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        user: Any = self.request.user  # KeepsTokens: never anonymous here
        return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = NewTokenSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        token, secret = tokens.api_token_create(
            user=request.user,
            name=given.validated_data["name"],
            expires_at=given.validated_data.get("expires_at"),
        )
        return Response(_with_secret(token, secret), status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        tokens.api_token_revoke(token=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Rotate an API token",
        description="A new secret for the same token (name and expiry kept), shown "
        "this once; the old secret stops working at once. A revoked or expired token "
        "cannot be rotated (409): make a new one.",
        request=None,
        responses={
            200: TokenWithSecretSerializer,
            **_errors(
                e401="Not signed in.",
                e404="No token of yours with this id.",
                e409="The token is revoked or expired.",
            ),
        },
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def rotate(self, request: Request, pk: str | None = None) -> Response:
        token = self.get_object()
        if tokens.token_state(token) != "active":
            return Response(
                {
                    "code": "token_not_active",
                    "detail": gettext(
                        "Only an active token can be rotated; this one is revoked or "
                        "expired. Make a new one."
                    ),
                    "errors": {},
                },
                status=status.HTTP_409_CONFLICT,
            )
        secret = tokens.api_token_rotate(token=token)
        return Response(_with_secret(token, secret))

    @extend_schema(
        summary="Obtain an API token with your username and password",
        description="No token needed. Wrong passwords count toward the same pause as "
        "the sign-in page: after `SIGN_IN_FAILURE_LIMIT` wrong passwords for an account "
        "or from an address, the answer is 429 with `Retry-After` for "
        "`SIGN_IN_LOCKOUT_MINUTES`, whatever the password. The answer holds the `secret`, "
        "shown this once.",
        request=ObtainTokenSerializer,
        responses={
            201: TokenWithSecretSerializer,
            **_errors(
                e400="A field is missing or not valid.",
                e401="Wrong username or password, or the account is deactivated.",
                e404="No such address.",
                e429="Too many wrong passwords: wait the `Retry-After` seconds.",
            ),
        },
        auth=[],
        tags=TAGS,
    )
    @action(
        detail=False,
        methods=["post"],
        permission_classes=[AllowAny],
        authentication_classes=[],
    )
    def obtain(self, request: Request) -> Response:
        given = ObtainTokenSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        # Through Django's sign-in, so that django-axes counts a wrong password and
        # refuses a locked-out account or address before checking the password.
        user = authenticate(
            request._request,
            username=given.validated_data["username"],
            password=given.validated_data["password"],
        )
        if user is None or not may_keep_api_tokens(user):
            raise AuthenticationFailed(gettext("Wrong username or password."))
        token, secret = tokens.api_token_create(
            user=user,
            name=given.validated_data["name"],
            expires_at=given.validated_data.get("expires_at"),
        )
        return Response(_with_secret(token, secret), status=status.HTTP_201_CREATED)
