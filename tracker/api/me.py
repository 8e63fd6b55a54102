"""``/api/v1/me/``: who is calling and what they may do, so a client can learn its own
username (to filter by owner) and hide what it would be refused.

Every answer is read from :mod:`tracker.domain.permissions`; nothing here decides.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.permissions import may_keep_api_tokens
from jurisdictions.models import Agency, Contact, Jurisdiction
from tracker.api.serializers import ErrorSerializer
from tracker.domain.permissions import (
    may_add,
    may_change,
    may_delete,
    may_keep_webhooks,
    may_move,
    may_read_milestones,
    may_read_timelines,
    may_see_private_contact_details,
    may_view,
)
from tracker.models import (
    AgencyResponse,
    CorrespondenceThread,
    Event,
    Letter,
    Meeting,
    OptOutRequest,
    Statement,
    ThreadLetter,
    Transition,
)

#: The API's resources (their address under /api/v1/) and the records they serve.
#: The status log is written only by the workflow: nobody adds, changes or deletes it here.
RESOURCES: dict[str, tuple[type[Model], bool]] = {
    "jurisdictions": (Jurisdiction, True),
    "agencies": (Agency, True),
    "contacts": (Contact, True),
    "requests": (OptOutRequest, True),
    "letters": (Letter, True),
    "responses": (AgencyResponse, True),
    "meetings": (Meeting, True),
    "statements": (Statement, True),
    "threads": (CorrespondenceThread, True),
    "thread-letters": (ThreadLetter, True),
    "events": (Event, True),
    "transitions": (Transition, False),
}


class ResourcePermissionsSerializer(serializers.Serializer):  # type: ignore[type-arg]
    view = serializers.BooleanField(help_text="`GET` the list and its records.")
    add = serializers.BooleanField(help_text="`POST` a new record.")
    change = serializers.BooleanField(help_text="`PUT`/`PATCH` a record.")
    delete = serializers.BooleanField(help_text="`DELETE` a record.")


class MeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    username = serializers.CharField(help_text="What `owner` filters and fields take.")
    name = serializers.CharField(help_text="First and last name; empty when not given.")
    groups = serializers.ListField(
        child=serializers.CharField(), help_text="`Editors`, `Viewers`, or none."
    )
    is_staff = serializers.BooleanField(help_text="On staff: may own requests.")
    is_admin = serializers.BooleanField(help_text="An administrator: may do everything.")
    resources = serializers.DictField(
        child=ResourcePermissionsSerializer(),
        help_text="Per resource of /api/v1/ (`requests`, `letters`…): what you may do with it.",
    )
    may_move = serializers.BooleanField(
        help_text="Move requests along the workflow and re-open them."
    )
    may_read_timelines = serializers.BooleanField(help_text="`GET …/requests/{id}/timeline/`.")
    may_read_milestones = serializers.BooleanField(help_text="`GET …/milestones/agencies/`.")
    may_see_private_contact_details = serializers.BooleanField(
        help_text="Contacts' email, phone, address and notes."
    )
    may_keep_api_tokens = serializers.BooleanField(help_text="Use /api/v1/tokens/.")
    may_keep_webhooks = serializers.BooleanField(help_text="Use /api/v1/webhooks/.")


def describe(user: Any) -> dict[str, Any]:
    """Who ``user`` is and what the permissions let them do through the API."""
    resources = {
        name: {
            "view": may_view(user, model),
            "add": writable and may_add(user, model),
            "change": writable and may_change(user, model),
            "delete": writable and may_delete(user, model),
        }
        for name, (model, writable) in RESOURCES.items()
    }
    return {
        "username": user.get_username(),
        "name": user.get_full_name(),
        "groups": sorted(group.name for group in user.groups.all()),
        "is_staff": bool(user.is_staff),
        "is_admin": bool(user.is_superuser),
        "resources": resources,
        "may_move": may_move(user),
        "may_read_timelines": may_read_timelines(user),
        "may_read_milestones": may_read_milestones(user),
        "may_see_private_contact_details": may_see_private_contact_details(user),
        "may_keep_api_tokens": may_keep_api_tokens(user),
        "may_keep_webhooks": may_keep_webhooks(user),
    }


class MeView(APIView):
    """Who you are and what you may do."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Who you are and what you may do",
        description="Your username (what `owner` takes), groups, and per resource "
        "whether you may view, add, change and delete its records; whether you may move "
        "requests and read timelines and milestones. Signed-in callers only.",
        responses={
            200: MeSerializer,
            401: OpenApiResponse(ErrorSerializer, description="Not signed in."),
            403: OpenApiResponse(
                ErrorSerializer, description="Never: any signed-in account may ask."
            ),
            404: OpenApiResponse(ErrorSerializer, description="No such address."),
        },
        tags=["me"],
    )
    def get(self, request: Request) -> Response:
        return Response(describe(request.user))
