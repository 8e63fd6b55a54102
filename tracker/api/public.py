"""Anonymous reads of the public record, and CSV downloads of the staff lists.

Without a token, ``GET`` on a resource that offers it (``public_read``) answers
with what :mod:`tracker.domain.selectors` says is published, shown through the
``public_*`` functions of :mod:`tracker.domain.publishing` (never contacts'
details, internal notes, working sources, owners or attachments). An anonymous
caller may use only the filters named in ``public_filters`` and search only
``public_search_fields``: a filter on anything that is not public (an owner, a
reply that may be unpublished) could tell which hidden records exist, so it is
refused with a 400 that says why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from django.db.models import Model, QuerySet
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.exceptions import NotAuthenticated, ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from tracker.domain import exports
from tracker.domain.permissions import sees_only_the_public_record

if TYPE_CHECKING:
    from django.http import HttpResponseBase

#: Query parameters that are not filters (paging, searching, ordering, format).
_NOT_FILTERS = frozenset({"page", "page_size", "cursor", "search", "ordering", "format"})
#: The suffixes django-filter gives the two boxes of a range filter.
_RANGE_SUFFIXES = ("_after", "_before", "_min", "_max")


def is_anonymous(request: Request) -> bool:
    """The caller is not signed in, so reads the published record only."""
    user = request.user
    return user is None or sees_only_the_public_record(user)


class PublicReadMixin:
    """Anonymous ``GET``: published records only, in the public representation.

    A view sets ``published`` (what may be shown), ``public_data`` (how one record
    is shown) and the filters and search fields an anonymous caller may use.
    ``public_actions`` are the actions the permission class lets anonymous
    callers reach; everything else stays 401.
    """

    public_read: ClassVar[bool] = True
    public_actions: ClassVar[frozenset[str]] = frozenset({"list", "retrieve"})
    public_filters: ClassVar[frozenset[str]] = frozenset()
    public_search_fields: ClassVar[list[str]] = []

    def published(self) -> QuerySet[Any]:
        raise NotImplementedError

    def public_data(self, instance: Any) -> dict[str, Any]:
        raise NotImplementedError

    def public_item(self, instance: Model) -> dict[str, Any]:
        return {"id": instance.pk, **self.public_data(instance)}

    def get_queryset(self) -> QuerySet[Any]:
        if is_anonymous(self.request):  # type: ignore[attr-defined]
            return self.published()
        return super().get_queryset()  # type: ignore[misc]

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if is_anonymous(self.request):  # type: ignore[attr-defined]
            self._refuse_private_parameters()
        return super().filter_queryset(queryset)  # type: ignore[misc]

    def _refuse_private_parameters(self) -> None:
        filterset_class = getattr(self, "filterset_class", None)
        names: Iterable[str] = filterset_class.base_filters if filterset_class else ()
        private = {
            f"{name}{suffix}"
            for name in names
            if name not in self.public_filters
            for suffix in ("", *_RANGE_SUFFIXES)
        }
        params = self.request.query_params  # type: ignore[attr-defined]
        refused = sorted(key for key in params if key in private)
        errors = {
            key: [
                gettext(
                    "Only signed-in users can filter by this; the public record is filtered by: "
                    "%(filters)s."
                )
                % {"filters": ", ".join(sorted(self.public_filters)) or gettext("nothing")}
            ]
            for key in refused
        }
        if params.get("search") and not self.public_search_fields:
            errors["search"] = [gettext("Only signed-in users can search this list.")]
        if errors:
            raise ValidationError(errors)

    def public_list(self, queryset: QuerySet[Any]) -> Response:
        """One page of ``queryset`` (already published and filtered), shown publicly."""
        page: Any = self.paginate_queryset(queryset)  # type: ignore[attr-defined]
        data = [self.public_item(item) for item in page]
        return self.get_paginated_response(data)  # type: ignore[attr-defined]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        if is_anonymous(request):
            return self.public_list(self.filter_queryset(self.get_queryset()))
        return super().list(request, *args, **kwargs)  # type: ignore[misc]

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        if is_anonymous(request):
            instance = self.get_object()  # type: ignore[attr-defined]
            return Response(self.public_item(instance))
        return super().retrieve(request, *args, **kwargs)  # type: ignore[misc]


# --- CSV ------------------------------------------------------------------------------


class CsvRenderer(BaseRenderer):
    """Names ``?format=csv`` (and ``Accept: text/csv``) for content negotiation; the list
    view streams the rows itself, so this renders only what reaches it by mistake."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        return b"" if data is None else JSONRenderer().render(data)


CSV_FORMAT = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    required=False,
    enum=["json", "csv"],
    description="`csv`: the whole filtered, ordered list as a CSV download (not paged; "
    "streamed, so any length), with due dates and overdue flags. Signed-in users only.",
)
CSV_RESPONSE = OpenApiResponse(
    response=OpenApiTypes.STR,
    description="With `format=csv`: one header row, then one row per record, in the "
    "order of the JSON list.",
)


class CsvListMixin:
    """``?format=csv`` on a list: the same filtered and ordered rows, streamed.

    The rows come from :mod:`tracker.domain.exports` (the spec ``csv_spec``), the same
    columns the staff pages and the admin download.
    """

    csv_spec: ClassVar[exports.CsvSpec]

    def get_renderers(self) -> list[BaseRenderer]:
        renderers: list[BaseRenderer] = super().get_renderers()  # type: ignore[misc]
        if self.action == "list":  # type: ignore[attr-defined]
            renderers.append(CsvRenderer())
        return renderers

    def perform_content_negotiation(
        self, request: Request, force: bool = False
    ) -> tuple[BaseRenderer, str]:
        """``?format=csv`` in the address is CSV whatever ``Accept`` says: a client that
        names the format in the URL (and sends its usual ``Accept: application/json``)
        gets what it named, not a 406."""
        if (
            self.action == "list"  # type: ignore[attr-defined]
            and request.query_params.get(api_settings.URL_FORMAT_OVERRIDE or "format") == "csv"
        ):
            return CsvRenderer(), CsvRenderer.media_type
        chosen: tuple[BaseRenderer, str] = super().perform_content_negotiation(  # type: ignore[misc]
            request, force
        )
        return chosen

    def wants_csv(self, request: Request) -> bool:
        return isinstance(getattr(request, "accepted_renderer", None), CsvRenderer)

    def csv_list(self, request: Request) -> HttpResponseBase:
        if is_anonymous(request):
            raise NotAuthenticated("Sign in to download CSV; the public record is JSON.")
        # The export's own joins and prefetches, not the JSON list's: the same rows,
        # filtered and ordered by the same filters.
        base = self.csv_spec_model()._default_manager.all()
        queryset = self.filter_queryset(base)  # type: ignore[attr-defined]
        return exports.csv_response(self.csv_spec, queryset)

    def csv_spec_model(self) -> type[Model]:
        model: type[Model] = self.get_serializer_class().Meta.model  # type: ignore[attr-defined]
        return model

    def handle_exception(self, exc: Exception) -> Response:
        # An error is answered in JSON, even to a caller who asked for CSV.
        request = getattr(self, "request", None)
        if request is not None and self.wants_csv(request):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)  # type: ignore[misc]
