"""The REST API v1 endpoints: generic viewsets for records, actions for the workflow.

Every write calls :mod:`tracker.domain.services`. Detail responses carry an ``ETag``
made from the record's version. ``PUT``/``PATCH``/``DELETE`` and the moves require
``If-Match``: without it the answer is 428 naming the current ETag, and a stale one
is refused with 412.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, Http404, QueryDict
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status, viewsets
from rest_framework.decorators import (
    action,
    api_view,
    authentication_classes,
    permission_classes,
)
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from core import idempotency
from core.downloads import attachment_response
from core.errors import error_body
from core.models import TrackedModel
from jurisdictions.models import Agency, Contact, Jurisdiction
from tracker.api import filters, public_shapes, serializers
from tracker.api.errors import PreconditionRequired
from tracker.api.pagination import Pagination, none_match
from tracker.api.permissions import ActionPermissions, ModelPermissions
from tracker.api.public import (
    CSV_FORMAT,
    CSV_RESPONSE,
    CsvListMixin,
    PublicReadMixin,
    is_anonymous,
)
from tracker.api.public_shapes import either
from tracker.domain import exports, milestones, publishing, selectors, services
from tracker.domain.permissions import (
    may_change,
    may_move,
    may_read_milestones,
    may_read_timelines,
    may_view_all,
)
from tracker.domain.selectors import Audience, TimelineEntry
from tracker.domain.statements import Contradiction, contradictions
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


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@permission_classes([AllowAny])
@authentication_classes([])
def not_found(request: Request) -> Response:
    """Any address under /api/ that names no endpoint."""
    raise NotFound(gettext("No endpoint at this address. The list of resources is at /api/v1/."))


# --- Documented errors --------------------------------------------------------------


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    descriptions = {
        400: "Invalid input: the body or a query parameter (see `errors`). Nothing was written.",
        401: "Not signed in: send `Authorization: Token …` or a session cookie.",
        403: "Signed in, but without the permission this needs.",
        404: "No such record.",
        409: "The workflow refuses the move (`transition_not_allowed`, with `current` and "
        "`allowed`) or the change conflicts with a concurrent one.",
        412: "`If-Match` names an old version: someone changed the record since it was read "
        "(`stale_record`, with `current_version` and `changes`).",
        428: "No `If-Match` header: every change to an existing record must name the "
        "version it was based on (`precondition_required`, with `current_version` and "
        "`etag`, also sent as the `ETag` header). Read the record, then send its ETag.",
        415: "Unsupported media type: send JSON or, for files, multipart/form-data.",
        429: "Too many requests from this address: without a token (`ANONYMOUS_API_PER_MINUTE`) "
        "or with wrong tokens (`WRONG_TOKENS_PER_MINUTE`); wait the `Retry-After` seconds "
        "(`throttled`).",
        422: "This `Idempotency-Key` was already used for another request "
        "(`idempotency_key_reused`): use a new key for a new create.",
    }
    return {
        code: OpenApiResponse(response=serializers.ErrorSerializer, description=descriptions[code])
        for code in codes
    }


READ_ERRORS = _errors(400, 401, 403, 404, 429)
WRITE_ERRORS = _errors(400, 401, 403, 404, 409, 412, 415, 428, 429)
CREATE_ERRORS = _errors(400, 401, 403, 404, 409, 415, 422, 429)

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description='The ETag from your last read (e.g. `"3"`); a stale one is refused with 412, '
    "none at all with 428. `*` deliberately applies the change to whatever version is "
    "current (only the fields sent are written).",
)

IDEMPOTENCY_KEY = OpenApiParameter(
    idempotency.HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Any string of up to 255 characters, one per intended create: a retry "
    "with the same key and body gets the first answer again (marked "
    "`Idempotent-Replayed: true`) instead of creating a second record. Kept at least "
    "24 hours.",
)


IF_NONE_MATCH_RECORD = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description='The `ETag` of the version you hold (e.g. `"3"`): 304 without a body while '
    "the record is unchanged. Signed-in users only.",
)
IF_NONE_MATCH_PAGE = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description='The weak `ETag` of the page you hold (`W/"…"`): 304 without a body while '
    "nothing on the page changed. Signed-in users only.",
)
NOT_MODIFIED_RECORD = OpenApiResponse(
    description="Not Modified: the record is still the version named in `If-None-Match` "
    "(the `ETag` header repeats it). No body."
)
NOT_MODIFIED_PAGE = OpenApiResponse(
    description="Not Modified: nothing on the page changed since the `ETag` named in "
    "`If-None-Match`. No body."
)


PUBLIC_READ_NOTE = (
    "Without a token: only published records, in the public representation (no "
    "internal notes, working sources, owners, contacts' details or files; records "
    "referred to by `reference`), and only the filters of the public record."
)


def _documented(
    serializer: type[Serializer[Any]],
    *,
    public: type[Serializer[Any]] | None = None,
    writable: bool = True,
    csv: bool = False,
) -> Any:
    """The error responses and the If-Match header of every standard action.

    ``public``: the representation anonymous reads answer with; the reads are then
    documented as answering one shape or the other.
    """
    shown: Any = serializer
    shown_list: Any = serializer
    if public is not None:
        name = serializer.__name__.removesuffix("Serializer")
        shown = either(f"{name}OrPublic{name}", serializer, public)
        shown_list = either(f"{name}OrPublic{name}", serializer, public, many=True)
    listing: dict[str, Any] = {
        "parameters": [IF_NONE_MATCH_PAGE],
        "responses": {200: shown_list, 304: NOT_MODIFIED_PAGE, **READ_ERRORS},
    }
    if csv:
        listing = {
            "parameters": [CSV_FORMAT, IF_NONE_MATCH_PAGE],
            "responses": {
                (200, "application/json"): shown_list,
                (200, "text/csv"): CSV_RESPONSE,
                304: NOT_MODIFIED_PAGE,
                # Errors are JSON even to a caller who asked for CSV.
                **{(code, "application/json"): error for code, error in READ_ERRORS.items()},
            },
        }

    def decorate(view: type[Any]) -> type[Any]:
        read: dict[str, Any] = {"responses": {200: shown, **READ_ERRORS}}
        # Records of a RecordViewSet answer 304 unless worked out on each read; others
        # (the status log's entries) carry no ETag.
        if getattr(view, "derived_on_read", True) is False:
            read = {
                "parameters": [IF_NONE_MATCH_RECORD],
                "responses": {200: shown, 304: NOT_MODIFIED_RECORD, **READ_ERRORS},
            }
        views: dict[str, Any] = {
            "list": extend_schema(**listing),
            "retrieve": extend_schema(**read),
        }
        if writable:
            views["create"] = extend_schema(
                parameters=[IDEMPOTENCY_KEY], responses={201: serializer, **CREATE_ERRORS}
            )
            for action_name in ("update", "partial_update"):
                views[action_name] = extend_schema(
                    parameters=[IF_MATCH], responses={200: serializer, **WRITE_ERRORS}
                )
            views["destroy"] = extend_schema(
                parameters=[IF_MATCH], responses={204: None, **WRITE_ERRORS}
            )
        decorated: type[Any] = extend_schema_view(**views)(view)
        return decorated

    return decorate


# --- ETags ----------------------------------------------------------------------------


_STRONG_TAG = re.compile(r'"([0-9]{1,18})"')


def etag(instance: TrackedModel) -> str:
    return f'"{instance.version}"'


def expected_version(request: Request, instance: TrackedModel) -> int | None:
    """The version the client read, from ``If-Match``; None for ``*``.

    No header at all raises PreconditionRequired (428): a client that never read the
    record cannot know what it is changing. A tag that does not name the current
    version raises StaleRecord (412) now; the service checks the version again under
    a lock.
    """
    header = request.headers.get("If-Match")
    if header is None or not header.strip():
        raise PreconditionRequired(current_version=instance.version, etag=etag(instance))
    if header.strip() == "*":
        return None
    tags = [tag.strip() for tag in header.split(",")]
    if etag(instance) in tags:
        return instance.version
    versions = [int(match[1]) for tag in tags if (match := _STRONG_TAG.fullmatch(tag))]
    raise services.StaleRecord(instance, versions[0] if versions else 0, instance.version)


# --- Base viewset -------------------------------------------------------------------------


class RecordViewSet(filters.KnownParametersMixin, viewsets.ModelViewSet):  # type: ignore[type-arg]
    """Plain CRUD through the services, with ETags and If-Match."""

    permission_classes = [ModelPermissions]
    filter_backends = [
        filters.StrictFilterBackend,
        filters.StrictSearchFilter,
        filters.StrictOrderingFilter,
    ]
    pagination_class = Pagination
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    #: The representation holds figures worked out on each read (overdue flags, the
    #: moves allowed now), which can change while the version does not: its ETag is
    #: still the version (for ``If-Match``), but ``If-None-Match`` never answers 304.
    derived_on_read = False

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        tag = etag(instance)
        if not self.derived_on_read and none_match(request, tag):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": tag})
        response = Response(self.get_serializer(instance).data)
        response["ETag"] = tag
        return response

    def _fresh(self, instance: Any) -> Any:
        """Re-read a saved record with the view's annotations and prefetches."""
        return self.get_queryset().get(pk=instance.pk)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(idempotency.HEADER)
        if key is None:
            return self._created(self._create(request))
        try:
            answer = idempotency.answer_once(
                user=request.user,
                key=key,
                method=request.method or "POST",
                path=request.path,
                body=idempotency.fingerprint(request.data),
                run=lambda: self._create(request),
            )
        except idempotency.KeyRefused as refused:
            return Response(error_body(refused.code, refused.message), status=refused.status)
        response = self._created(answer)
        if answer.replayed:
            response[idempotency.REPLAYED_HEADER] = "true"
        return response

    def _create(self, request: Request) -> idempotency.Answer:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = self._fresh(serializer.save())
        headers = {
            "ETag": etag(instance),
            "Location": request.build_absolute_uri(f"{request.path}{instance.pk}/"),
        }
        return idempotency.Answer(
            status.HTTP_201_CREATED, self.get_serializer(instance).data, headers
        )

    @staticmethod
    def _created(answer: idempotency.Answer) -> Response:
        return Response(answer.body, status=answer.status, headers=answer.headers)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        version = expected_version(request, instance)
        serializer = self.get_serializer(
            instance,
            data=request.data,
            partial=kwargs.pop("partial", False),
            context={**self.get_serializer_context(), "expected_version": version},
        )
        serializer.is_valid(raise_exception=True)
        saved = self._fresh(serializer.save())
        response = Response(self.get_serializer(saved).data)
        response["ETag"] = etag(saved)
        return response

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        version = expected_version(request, instance)
        services.record_delete(instance, by=request.user, expected_version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AttachmentMixin:
    """``GET …/{id}/attachment/``: the record's file, only to users who may read the record."""

    file_field = "attachment"

    @extend_schema(
        summary="Download the attached file",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                response=OpenApiTypes.BINARY,
                description=(
                    "The file, as it was uploaded, named after the record's title "
                    "(`sheriffs-letter-2010.pdf`); 404 when the record has no file or "
                    "the stored file is missing."
                ),
            ),
            **READ_ERRORS,
        },
    )
    @action(detail=True, methods=["get"], url_path="attachment")
    def attachment(self, request: Request, pk: str | None = None) -> FileResponse:
        instance = self.get_object()  # type: ignore[attr-defined]
        try:
            return attachment_response(instance, self.file_field)
        except Http404 as missing:
            # Said in the API's error shape, with the reason rather than a bare "Not found".
            raise NotFound(str(missing)) from None


# --- Who is who -------------------------------------------------------------------------


# What the lists of requests (``/requests/`` and a jurisdiction's) take.
REQUEST_SEARCH_FIELDS = ["title", "summary", "outcome", "jurisdiction__name"]
REQUEST_ORDERING_FIELDS = ["opened_on", "closed_on", "status", "title", "updated_at", "id"]
REQUEST_PUBLIC_FILTERS = frozenset(
    {"status", "jurisdiction", "state", "agency", "seeks", "opened_on"}
)
REQUEST_PUBLIC_SEARCH_FIELDS = REQUEST_SEARCH_FIELDS


@_documented(serializers.JurisdictionSerializer, public=public_shapes.PublicJurisdictionSerializer)
class JurisdictionViewSet(PublicReadMixin, RecordViewSet):
    """Counties, cities and districts Secure Communities is (or will be) deployed in."""

    queryset = Jurisdiction.objects.all()
    public_actions = frozenset({"list", "retrieve", "requests"})
    paged_actions = frozenset({"list", "requests"})
    public_filters = frozenset({"state", "kind", "deployment_status", "fips"})
    public_search_fields = ["name", "fips", "ocd_id"]

    def published(self) -> QuerySet[Jurisdiction]:
        return selectors.published_jurisdictions()

    def get_queryset(self) -> QuerySet[Any]:
        if self.action == "requests":
            # What the list of a jurisdiction's requests filters (and the schema reads).
            return public_requests() if is_anonymous(self.request) else request_queryset()
        return super().get_queryset()

    def public_data(self, instance: Jurisdiction) -> dict[str, Any]:
        return {
            **publishing.public_jurisdiction(instance),
            "published_count": getattr(instance, "published_count", 0),
        }

    serializer_class = serializers.JurisdictionSerializer
    filterset_class = filters.JurisdictionFilter
    search_fields = ["name", "fips", "ocd_id", "notes"]
    ordering_fields = [
        "name",
        "state",
        "kind",
        "deployment_status",
        "activation_date",
        "updated_at",
        "id",
    ]
    action_permissions: ActionPermissions = {
        "requests": lambda user: may_view_all(user, Jurisdiction, OptOutRequest)
    }

    @extend_schema(
        summary="The jurisdiction's opt-out requests",
        description="The requests of `/api/v1/requests/?jurisdiction={id}`, with the "
        "filters, search and ordering of `/api/v1/requests/`. " + PUBLIC_READ_NOTE,
        responses={
            200: either(
                "RequestOrPublicRequest",
                serializers.RequestSerializer,
                public_shapes.PublicRequestSerializer,
                many=True,
            ),
            **READ_ERRORS,
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="requests",
        # The list is of requests: it takes their filters, search and ordering.
        queryset=OptOutRequest.objects.all(),
        filterset_class=filters.RequestFilter,
        search_fields=REQUEST_SEARCH_FIELDS,
        ordering_fields=REQUEST_ORDERING_FIELDS,
        public_filters=REQUEST_PUBLIC_FILTERS,
        public_search_fields=REQUEST_PUBLIC_SEARCH_FIELDS,
    )
    def requests(self, request: Request, pk: str | None = None) -> Response:
        # The jurisdiction by id alone: the query parameters filter its requests.
        jurisdictions = self.published() if is_anonymous(request) else Jurisdiction.objects.all()
        jurisdiction = get_object_or_404(jurisdictions, pk=pk)
        self.check_object_permissions(request, jurisdiction)
        queryset = self.filter_queryset(self.get_queryset().filter(jurisdiction=jurisdiction))
        if is_anonymous(request):
            page = self.paginate_queryset(queryset)
            assert page is not None
            return self.get_paginated_response(
                [{"id": item.pk, **publishing.public_request(item)} for item in page]
            )
        page = self.paginate_queryset(queryset)
        data = serializers.RequestSerializer(
            page, many=True, context=self.get_serializer_context()
        ).data
        return self.get_paginated_response(data)


@_documented(serializers.AgencySerializer, public=public_shapes.PublicAgencyWithIdSerializer)
class AgencyViewSet(PublicReadMixin, RecordViewSet):
    """Government bodies and organisations that send or receive correspondence.

    Agencies are public information: without a token, every agency is listed by
    reference, name and abbreviation (never its notes or working sources).
    """

    queryset = Agency.objects.all()
    public_filters = frozenset({"level", "kind", "state", "parent", "jurisdiction"})
    public_search_fields = ["name", "abbreviation"]

    def published(self) -> QuerySet[Agency]:
        return Agency.objects.all()

    def public_data(self, instance: Agency) -> dict[str, Any]:
        shown = publishing.public_agency(instance)
        assert shown is not None
        return shown

    serializer_class = serializers.AgencySerializer
    filterset_class = filters.AgencyFilter
    search_fields = ["name", "abbreviation", "notes"]
    ordering_fields = ["name", "level", "kind", "state", "updated_at", "id"]


@_documented(serializers.ContactSerializer)
class ContactViewSet(RecordViewSet):
    """People at agencies and jurisdictions; their contact details are private."""

    queryset = Contact.objects.all()
    serializer_class = serializers.ContactSerializer
    filterset_class = filters.ContactFilter
    search_fields = ["name", "title"]
    ordering_fields = ["name", "updated_at", "id"]


@_documented(serializers.SourceSerializer)
class SourceViewSet(RecordViewSet):
    """The documents records cite (``sources`` on requests, letters, replies, meetings and
    statements). Read by staff, written by editors; not deleted through the API, so that
    no citation disappears with it."""

    queryset = Source.objects.all()
    serializer_class = serializers.SourceSerializer
    filterset_class = filters.SourceFilter
    search_fields = ["title", "publisher", "seed"]
    ordering_fields = ["seed", "title", "published_on", "updated_at", "id"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]


# --- Cases ----------------------------------------------------------------------------------


#: The sources a signed-in representation names (by id): one query per page.
_SOURCE_IDS = Prefetch("sources", queryset=Source.objects.only("pk"))


def request_queryset() -> QuerySet[OptOutRequest]:
    """Requests with the workflow facts annotated, so a page of them is one query."""
    return selectors.with_case_summary(
        OptOutRequest.objects.select_related("owner").prefetch_related(_SOURCE_IDS)
    )


def public_requests() -> QuerySet[OptOutRequest]:
    """Published requests with what their public representation shows."""
    return (
        selectors.published_requests()
        .select_related("requesting_agency", "requested_by")
        .prefetch_related("sources")
    )


def timeline_row(entry: TimelineEntry, *, public: bool = False) -> dict[str, Any]:
    """One timeline entry as the API shows it. ``public`` leaves out the notes of the
    status log, which are written for colleagues."""
    item: Any = entry.item
    if entry.kind == "letter":
        title, summary = item.subject, item.summary
    elif entry.kind == "response":
        title, summary = f"{item.agency}: {item.get_kind_display()}", item.summary
    elif entry.kind == "meeting":
        title, summary = str(item), item.outcome
    elif entry.kind == "event":
        title, summary = item.title, item.summary
    else:
        title, summary = str(item), "" if public else item.note
    return {
        "kind": entry.kind,
        "id": item.pk,
        "date": entry.date.isoformat() if entry.date else None,
        "title": title,
        "summary": summary,
    }


@_documented(serializers.RequestSerializer, public=public_shapes.PublicRequestSerializer, csv=True)
class RequestViewSet(PublicReadMixin, CsvListMixin, RecordViewSet):
    """Opt-out requests. Status is read-only here: move it with POST …/transitions/."""

    csv_spec = exports.REQUESTS
    derived_on_read = True
    public_actions = frozenset({"list", "retrieve", "timeline"})
    public_filters = REQUEST_PUBLIC_FILTERS
    public_search_fields = REQUEST_PUBLIC_SEARCH_FIELDS
    serializer_class = serializers.RequestSerializer
    filterset_class = filters.RequestFilter
    search_fields = REQUEST_SEARCH_FIELDS
    ordering_fields = REQUEST_ORDERING_FIELDS
    action_permissions: ActionPermissions = {
        "transition": may_move,
        "reopen": may_move,
        "timeline": may_read_timelines,
    }

    def get_queryset(self) -> QuerySet[OptOutRequest]:
        if is_anonymous(self.request):
            return public_requests()
        return request_queryset()

    def published(self) -> QuerySet[OptOutRequest]:
        return public_requests()

    def public_data(self, instance: OptOutRequest) -> dict[str, Any]:
        return publishing.public_request(instance)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        if self.wants_csv(request):
            return self.csv_list(request)
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Move the request to another state",
        description="Applies one move of the workflow. 201 with the logged transition and "
        "the request in its new state; 409 with `current` and `allowed` when the workflow "
        "refuses; 412 when `If-Match` names an old version.",
        parameters=[IF_MATCH],
        request=serializers.TransitionRequestSerializer,
        responses={201: serializers.TransitionResultSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="transitions")
    def transition(self, request: Request, pk: str | None = None) -> Response:
        optout = self.get_object()
        version = expected_version(request, optout)
        incoming = serializers.TransitionRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        move = services.request_transition(
            request=optout,
            to=incoming.validated_data["to"],
            by=request.user,
            note=incoming.validated_data.get("note", ""),
            letter=incoming.validated_data.get("letter"),
            response=incoming.validated_data.get("response"),
            expected_version=version,
            happened=incoming.validated_data.get("happened"),
        )
        return self._moved(optout, move)

    @extend_schema(
        summary="Re-open a closed request",
        description="Brings a closed request (removed, activation_deferred, denied, "
        "withdrawn) back to the state it was closed from, and logs the move. 409 when "
        "the request is not closed; 412 when `If-Match` names an old version.",
        parameters=[IF_MATCH],
        request=serializers.ReopenRequestSerializer,
        responses={201: serializers.TransitionResultSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        optout = self.get_object()
        version = expected_version(request, optout)
        incoming = serializers.ReopenRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        move = services.request_reopen(
            request=optout,
            by=request.user,
            note=incoming.validated_data.get("note", ""),
            expected_version=version,
            happened=incoming.validated_data.get("happened"),
        )
        return self._moved(optout, move)

    def _moved(self, optout: OptOutRequest, move: Transition) -> Response:
        moved = self._fresh(optout)
        context = self.get_serializer_context()
        body = {
            "transition": serializers.TransitionSerializer(move, context=context).data,
            "request": serializers.RequestSerializer(moved, context=context).data,
        }
        response = Response(body, status=status.HTTP_201_CREATED)
        response["ETag"] = etag(moved)
        return response

    @extend_schema(
        summary="Everything that happened to the request, in date order",
        responses={200: serializers.TimelineEntrySerializer(many=True), **READ_ERRORS},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def timeline(self, request: Request, pk: str | None = None) -> Response:
        optout = self.get_object()
        public = is_anonymous(request)
        entries = selectors.request_timeline(
            optout,
            audience=Audience.PUBLIC if public else Audience.STAFF,
            responses=AgencyResponse.objects.select_related("agency"),
        )
        rows = [timeline_row(entry, public=public) for entry in entries]
        return Response(serializers.TimelineEntrySerializer(rows, many=True).data)


def letter_queryset() -> QuerySet[Letter]:
    """Letters flagged awaiting a reply, overdue and very overdue (by the selectors'
    rules, in the same query), with the recipients' reply windows prefetched for the
    due-date explanation."""
    return selectors.with_letter_flags(Letter.objects.all()).prefetch_related(
        Prefetch(
            "recipients",
            queryset=Agency.objects.only("pk", "reply_window_days", "reply_window_kind"),
        ),
        Prefetch("recipient_contacts", queryset=Contact.objects.only("pk")),
        _SOURCE_IDS,
    )


def public_letters() -> QuerySet[Letter]:
    """Published letters with what their public representation shows."""
    return (
        selectors.published_letters()
        .select_related("request", "sender", "sender_contact", "in_reply_to")
        .prefetch_related("recipients", "recipient_contacts", "sources")
    )


@_documented(serializers.LetterSerializer, public=public_shapes.PublicLetterSerializer, csv=True)
class LetterViewSet(PublicReadMixin, CsvListMixin, AttachmentMixin, RecordViewSet):
    """Letters sent and received. Outgoing letters carry the date a reply is due."""

    csv_spec = exports.LETTERS
    derived_on_read = True
    public_filters = frozenset(
        {
            "direction",
            "method",
            "jurisdiction",
            "state",
            "status",
            "agency",
            "recipient",
            "sender",
            "sent_on",
            "received_on",
        }
    )
    public_search_fields = ["subject", "summary"]
    serializer_class = serializers.LetterSerializer
    filterset_class = filters.LetterFilter
    search_fields = ["subject", "summary"]
    ordering_fields = ["sent_on", "received_on", "due_on", "subject", "updated_at", "id"]

    def get_queryset(self) -> QuerySet[Letter]:
        if is_anonymous(self.request):
            return public_letters()
        return letter_queryset()

    def published(self) -> QuerySet[Letter]:
        return public_letters()

    def public_data(self, instance: Letter) -> dict[str, Any]:
        return publishing.public_letter(instance)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        if self.wants_csv(request):
            return self.csv_list(request)
        return super().list(request, *args, **kwargs)


@_documented(serializers.ResponseSerializer, public=public_shapes.PublicResponseSerializer)
class ResponseViewSet(PublicReadMixin, AttachmentMixin, RecordViewSet):
    """Agencies' replies to letters and requests."""

    queryset = AgencyResponse.objects.prefetch_related(_SOURCE_IDS)
    public_filters = frozenset({"kind", "jurisdiction", "state", "agency", "responded_on"})
    public_search_fields = ["summary", "agency__name"]

    def published(self) -> QuerySet[AgencyResponse]:
        return (
            selectors.published_responses()
            .select_related("request", "agency", "letter")
            .prefetch_related("sources")
        )

    def public_data(self, instance: AgencyResponse) -> dict[str, Any]:
        return publishing.public_response(instance)

    serializer_class = serializers.ResponseSerializer
    filterset_class = filters.ResponseFilter
    search_fields = ["summary", "agency__name"]
    ordering_fields = ["responded_on", "kind", "updated_at", "id"]


@_documented(serializers.MeetingSerializer, public=public_shapes.PublicMeetingSerializer)
class MeetingViewSet(PublicReadMixin, RecordViewSet):
    """Meetings planned, held or cancelled."""

    public_filters = frozenset({"status", "jurisdiction", "state", "agency", "held_on"})
    public_search_fields = ["place", "outcome"]

    def published(self) -> QuerySet[Meeting]:
        return (
            selectors.published_meetings()
            .select_related("request")
            .prefetch_related("agencies", "attendees", "sources")
        )

    def public_data(self, instance: Meeting) -> dict[str, Any]:
        return publishing.public_meeting(instance)

    queryset = Meeting.objects.prefetch_related(
        Prefetch("agencies", queryset=Agency.objects.only("pk")),
        Prefetch("attendees", queryset=Contact.objects.only("pk")),
        _SOURCE_IDS,
    )
    serializer_class = serializers.MeetingSerializer
    filterset_class = filters.MeetingFilter
    search_fields = ["place", "outcome"]
    ordering_fields = ["held_on", "status", "updated_at", "id"]
    action_permissions: ActionPermissions = {
        "status": lambda user: may_change(user, Meeting),
    }

    @extend_schema(
        summary="Mark a meeting held or cancelled",
        description="A planned meeting held (with its date, `held_on`) or cancelled, "
        "through the rules of the staff pages' buttons: a meeting marked held needs its "
        "date, and not one ahead (400). With `then_move`, the request's move to "
        "“meeting held” is recorded in the same step (both or neither; 409 when the "
        "workflow refuses, 412 when `request_version` is out of date). `If-Match` names "
        "the meeting's version.",
        parameters=[IF_MATCH],
        request=serializers.MeetingStatusRequestSerializer,
        responses={200: serializers.MeetingStatusResultSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def status(self, request: Request, pk: str | None = None) -> Response:
        meeting = self.get_object()
        version = expected_version(request, meeting)
        incoming = serializers.MeetingStatusRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        moved: Transition | None = None
        if data.get("then_move"):
            if not may_move(request.user):
                raise PermissionDenied(gettext("You may not move requests."))
            meeting, moved = services.meeting_held_and_move(
                meeting=meeting,
                by=request.user,
                expected_version=version,
                request_version=data["request_version"],
                held_on=data.get("held_on"),
                happened=data.get("happened"),
            )
        else:
            meeting = services.meeting_set_status(
                meeting=meeting,
                by=request.user,
                status=data["status"],
                expected_version=version,
                held_on=data.get("held_on"),
            )
        fresh = self._fresh(meeting)
        context = self.get_serializer_context()
        body = {
            "meeting": serializers.MeetingSerializer(fresh, context=context).data,
            "transition": None
            if moved is None
            else serializers.TransitionSerializer(moved, context=context).data,
        }
        response = Response(body)
        response["ETag"] = etag(fresh)
        return response


@_documented(serializers.StatementSerializer, public=public_shapes.PublicStatementSerializer)
class StatementViewSet(PublicReadMixin, AttachmentMixin, RecordViewSet):
    """Public statements on whether jurisdictions can opt out."""

    queryset = Statement.objects.select_related("agency").prefetch_related(_SOURCE_IDS)
    serializer_class = serializers.StatementSerializer
    filterset_class = filters.StatementFilter
    search_fields = ["speaker", "quote", "source_title"]
    ordering_fields = ["stated_on", "position", "speaker", "updated_at", "id"]
    file_field = "document"
    public_actions = frozenset({"list", "retrieve", "contradictions"})
    paged_actions = frozenset({"list", "contradictions"})
    extra_parameters = {"contradictions": frozenset({"agency", "include_parts"})}
    public_filters = frozenset(
        {"agency", "include_parts", "speaker", "position", "medium", "stated_on"}
    )
    public_search_fields = ["speaker", "quote", "source_title"]

    def published(self) -> QuerySet[Statement]:
        return selectors.published_statements()

    def public_data(self, instance: Statement) -> dict[str, Any]:
        return publishing.public_statement(instance)

    @extend_schema(
        summary="Statements that contradict each other, side by side",
        description="Pairs of statements by the same agency, or by an agency and one it is "
        "part of (ICE under DHS), whose positions conflict, the earlier first, in date "
        "order, with the days between them (a range when a date is known only to the "
        "month or year). Signed in with permission to view statements: over all "
        "statements. "
        + PUBLIC_READ_NOTE.replace("only published records", "only pairs of published statements"),
        parameters=[
            OpenApiParameter(
                "agency",
                OpenApiTypes.INT,
                description="Only pairs with a statement by this agency.",
            ),
            OpenApiParameter(
                "include_parts",
                OpenApiTypes.STR,
                enum=["true", "false"],
                description="With `agency`: also pairs with a statement by an agency that "
                "is part of it.",
            ),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT),
        ],
        responses={
            200: either(
                "ContradictionOrPublicContradiction",
                serializers.ContradictionSerializer,
                public_shapes.PublicContradictionSerializer,
                many=True,
            ),
            **READ_ERRORS,
        },
    )
    @action(detail=False, methods=["get"], filter_backends=[])
    def contradictions(self, request: Request) -> Response:
        agency_ids = self._contradiction_agencies(request)
        if is_anonymous(request):
            pairs: Sequence[Contradiction] = selectors.published_contradictions()
        else:
            pairs = contradictions(
                Statement.objects.select_related("agency").prefetch_related(_SOURCE_IDS)
            )
        if agency_ids is not None:
            pairs = [
                pair
                for pair in pairs
                if pair.earlier.agency_id in agency_ids or pair.later.agency_id in agency_ids
            ]
        page = self.paginate_queryset(pairs)
        assert page is not None
        data: Any
        if is_anonymous(request):
            data = [publishing.public_contradiction(pair) for pair in page]
        else:
            data = serializers.ContradictionSerializer(
                page, many=True, context=self.get_serializer_context()
            ).data
        return self.get_paginated_response(data)

    def _contradiction_agencies(self, request: Request) -> set[int] | None:
        given = QueryDict(mutable=True)
        for key in ("agency", "include_parts"):
            given.setlist(key, request.query_params.getlist(key))
        form = filters.StatementFilter(given, queryset=Statement.objects.none()).form
        if not form.is_valid():
            raise ValidationError(form.errors)
        agencies = form.cleaned_data.get("agency")
        if not agencies:
            return None
        return filters.statement_agencies(agencies, form.cleaned_data)


def thread_queryset() -> QuerySet[CorrespondenceThread]:
    """Threads with their letters (and each letter's recipient agencies and sources),
    requests, jurisdictions and sources prefetched: seven queries per page, however many
    threads."""
    return CorrespondenceThread.objects.prefetch_related(
        Prefetch(
            "letters",
            queryset=ThreadLetter.objects.prefetch_related(
                Prefetch("recipient_agencies", queryset=Agency.objects.only("pk")),
                Prefetch("sources", queryset=Source.objects.only("pk")),
            ),
        ),
        Prefetch("sources", queryset=Source.objects.only("pk")),
        Prefetch("requests", queryset=OptOutRequest.objects.only("pk")),
        Prefetch("jurisdictions", queryset=Jurisdiction.objects.only("pk")),
    )


@_documented(serializers.ThreadSerializer, public=public_shapes.PublicThreadSerializer)
class ThreadViewSet(PublicReadMixin, RecordViewSet):
    """Correspondence not tied to one request (Congress and the departments): a thread
    of letters linked to many requests, or none. Its letters are written at
    /api/v1/thread-letters/."""

    serializer_class = serializers.ThreadSerializer
    filterset_class = filters.ThreadFilter
    search_fields = ["title", "summary"]
    ordering_fields = ["title", "updated_at", "id"]
    public_filters = frozenset({"request", "jurisdiction"})
    public_search_fields = ["title", "summary"]

    def get_queryset(self) -> QuerySet[CorrespondenceThread]:
        if is_anonymous(self.request):
            return self.published()
        return thread_queryset().order_by("title", "pk")

    def published(self) -> QuerySet[CorrespondenceThread]:
        return selectors.threads_with_parts(audience=Audience.PUBLIC)

    def public_data(self, instance: CorrespondenceThread) -> dict[str, Any]:
        return publishing.public_thread(
            instance,
            letters=getattr(instance, "shown_letters", []),
            requests=getattr(instance, "shown_requests", []),
        )


@_documented(serializers.ThreadLetterSerializer, writable=True)
class ThreadLetterViewSet(AttachmentMixin, RecordViewSet):
    """The letters of the correspondence threads (signed-in readers; the public reads
    them within their thread)."""

    queryset = ThreadLetter.objects.prefetch_related(
        Prefetch("recipient_agencies", queryset=Agency.objects.only("pk")),
        Prefetch("sources", queryset=Source.objects.only("pk")),
    )
    serializer_class = serializers.ThreadLetterSerializer
    filterset_class = filters.ThreadLetterFilter
    search_fields = ["subject", "summary", "sender", "recipients"]
    ordering_fields = ["sent_on", "subject", "updated_at", "id"]


@_documented(serializers.EventSerializer, public=public_shapes.PublicEventSerializer, csv=True)
class EventViewSet(PublicReadMixin, CsvListMixin, RecordViewSet):
    """Events around the cases that are not a letter on one request: the DC and Arlington
    votes, the CCR/Cardozo/NDLON FOIA lawsuit, press coverage, facts of the program."""

    queryset = Event.objects.prefetch_related(
        Prefetch("jurisdictions", queryset=Jurisdiction.objects.only("pk")),
        Prefetch("agencies", queryset=Agency.objects.only("pk")),
        Prefetch("requests", queryset=OptOutRequest.objects.only("pk")),
        "sources",
    )
    serializer_class = serializers.EventSerializer
    filterset_class = filters.EventFilter
    search_fields = ["title", "summary", "publication"]
    ordering_fields = ["happened_on", "kind", "title", "updated_at", "id"]
    public_filters = frozenset({"kind", "jurisdiction", "agency", "basis", "happened_on"})
    public_search_fields = ["title", "summary", "publication"]
    csv_spec = exports.EVENTS

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        if self.wants_csv(request):
            return self.csv_list(request)
        return super().list(request, *args, **kwargs)

    def published(self) -> QuerySet[Event]:
        return selectors.published_events()

    def public_data(self, instance: Event) -> dict[str, Any]:
        return publishing.public_event(instance)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        version = expected_version(request, instance)
        services.event_delete(event=instance, by=request.user, expected_version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)


@_documented(
    serializers.TransitionSerializer,
    public=public_shapes.PublicTransitionSerializer,
    writable=False,
)
class TransitionViewSet(
    PublicReadMixin,
    filters.KnownParametersMixin,
    viewsets.ReadOnlyModelViewSet,  # type: ignore[type-arg]
):
    """The status log of every request (read-only: it is written by the workflow)."""

    public_filters = frozenset({"from_state", "to_state", "jurisdiction", "at", "happened"})
    # The log's notes are written for colleagues: the public cannot search them.
    public_search_fields = []

    def published(self) -> QuerySet[Transition]:
        return selectors.published_transitions().select_related("request")

    def public_data(self, instance: Transition) -> dict[str, Any]:
        return publishing.public_transition(instance)

    queryset = Transition.objects.select_related("by")
    serializer_class = serializers.TransitionSerializer
    permission_classes = [ModelPermissions]
    filterset_class = filters.TransitionFilter
    filter_backends = [
        filters.StrictFilterBackend,
        filters.StrictSearchFilter,
        filters.StrictOrderingFilter,
    ]
    pagination_class = Pagination
    search_fields = ["note"]
    ordering_fields = ["at", "updated_at", "id"]
    # An entry of the log is never changed: it was last "updated" when it was written.
    ordering_aliases = {"updated_at": "at"}


# --- Milestones -----------------------------------------------------------------------------


class MilestonesViewSet(filters.KnownParametersMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """How long things take: per request, per agency (tracker.domain.milestones)."""

    queryset = OptOutRequest.objects.order_by("pk")
    permission_classes = [ModelPermissions]
    filterset_class = filters.RequestFilter
    filter_backends = [filters.StrictFilterBackend]
    paged_actions = frozenset({"requests", "agencies"})
    pagination_class = Pagination
    action_permissions: ActionPermissions = {
        "requests": lambda user: may_view_all(user, OptOutRequest),
        "agencies": may_read_milestones,
    }

    @extend_schema(
        summary="Per request: days from first notice to acknowledgement, meeting, resolution",
        description="A span is `null` until the milestone is reached; with a date known "
        "only to the month or year it is a range (`shortest` to `longest` days). Takes "
        "the filters of `/api/v1/requests/`.",
        responses={200: serializers.RequestMilestonesSerializer(many=True), **READ_ERRORS},
    )
    @action(detail=False, methods=["get"])
    def requests(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()).only("pk"))
        assert page is not None
        ids = [item.pk for item in page]
        rows = milestones.request_milestones(
            OptOutRequest.objects.filter(pk__in=ids).order_by("pk")
        )
        return self.get_paginated_response(
            serializers.RequestMilestonesSerializer(rows, many=True).data
        )

    @extend_schema(
        summary="Per agency: median and 90th percentile reply times, share never answered",
        description="Every agency that was sent a dated letter. The figures use only "
        "replies whose dates are both known to the day (`imprecise_replies` says how "
        "many were left out); `share_never_answered` is of the letters whose reply is due.",
        responses={200: serializers.AgencyReplyTimesSerializer(many=True), **READ_ERRORS},
    )
    @action(detail=False, methods=["get"], filter_backends=[])
    def agencies(self, request: Request) -> Response:
        rows = milestones.agency_reply_times(timezone.localdate())
        page = self.paginate_queryset(rows)
        assert page is not None
        return self.get_paginated_response(
            serializers.AgencyReplyTimesSerializer(page, many=True).data
        )


# --- Deletions ------------------------------------------------------------------------------

#: The resources whose deletions the feed reports, by their address.
DELETABLE: dict[str, type[Any]] = {
    "jurisdictions": Jurisdiction,
    "agencies": Agency,
    "contacts": Contact,
    "requests": OptOutRequest,
    "letters": Letter,
    "responses": AgencyResponse,
    "meetings": Meeting,
    "statements": Statement,
    "threads": CorrespondenceThread,
    "thread-letters": ThreadLetter,
    "events": Event,
    "transitions": Transition,
}


class DeletionViewSet(filters.KnownParametersMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Records deleted since a moment, so that a copy can delete them too."""

    # Signed in; which deletions a user sees follows their view permissions (below).
    permission_classes = [IsAuthenticated]
    # Its rows come from the history of every resource (selectors.deletions_since); the
    # schema generator asks for a model all the same.
    queryset = OptOutRequest.history.none()
    filter_backends: list[Any] = []
    pagination_class = Pagination
    paged_actions = frozenset({"list"})
    extra_parameters = {"list": frozenset({"since"})}

    @extend_schema(
        summary="Records deleted at or after a moment",
        description="One row per deleted record: `resource` (its list's address, "
        "`letters`), `id` and `deleted_at`, oldest first; only of the resources you may "
        "view. `since`: an ISO 8601 date and time with its time zone (all deletions "
        "without it).",
        parameters=[
            OpenApiParameter("since", OpenApiTypes.DATETIME),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT),
        ],
        responses={200: serializers.DeletionSerializer(many=True), **READ_ERRORS},
    )
    def list(self, request: Request) -> Response:
        try:
            since = filters.StrictDateTimeField(required=False).clean(
                request.query_params.get("since")
            )
        except DjangoValidationError as error:
            raise ValidationError({"since": error.messages}) from None
        user: Any = request.user
        visible = {
            resource: model
            for resource, model in DELETABLE.items()
            if user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}")
        }
        if not visible:
            raise PermissionDenied()
        page = self.paginate_queryset(selectors.deletions_since(visible, since))
        assert page is not None
        return self.get_paginated_response(serializers.DeletionSerializer(page, many=True).data)
