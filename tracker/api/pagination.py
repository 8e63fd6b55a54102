"""Pages of a list: ``page`` and ``page_size``, or ``cursor``; each page read by its keys first.

``?page=500`` of the letters is rows 24,951 to 25,000 in the list's order. Read
directly (``ORDER BY … OFFSET 24950 LIMIT 50``), the database builds every
skipped row in full, with its flags, to throw it away. Each page after the
first is read in two steps within one query instead: the ids of the page from
the list's order alone (``SELECT id … ORDER BY sent_on, id OFFSET … LIMIT 50``,
which the index on that order answers without reading the rows), then those
50 rows with everything the list shows. The rows, their order and the count
are the same.

``?cursor=`` (opt in; empty for the first page) walks the same list by
position instead of by number: each page's ``next`` link names the last row's
place in the list's order, and the next page starts right after it (``WHERE
(sent_on, id) > (…)``, a jump in the index). Such a page costs the same at the
end of the list as at its start, and has no ``count``, so nothing counts the
whole list either.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import decimal
import hashlib
import json
import uuid
from dataclasses import dataclass, replace
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

MAX_PAGE_SIZE = 200


# --- Conditional reads ------------------------------------------------------------------


def none_match(request: Request, tag: str) -> bool:
    """Whether ``If-None-Match`` names ``tag`` (or ``*``): the caller already holds this
    answer. Tags compare weakly (``W/"x"`` matches ``"x"``), as RFC 9110 says for it."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    bare = tag.removeprefix("W/")
    sent = {item.strip().removeprefix("W/") for item in header.split(",")}
    return "*" in sent or bare in sent


def page_etag(body: Any) -> str:
    """A weak ETag of one page as answered: a digest of the page's JSON, so anything
    shown changing (a row, a flag worked out on reading, the count, a link) changes
    it. It costs one pass over at most ``MAX_PAGE_SIZE`` rows already read."""
    raw = json.dumps(body, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"))
    return f'W/"{hashlib.sha256(raw.encode()).hexdigest()[:32]}"'


def conditional_page(request: Request, body: Any) -> Response:
    """The page with its ETag, or 304 Not Modified (no body) when the caller's
    ``If-None-Match`` names it."""
    tag = page_etag(body)
    if request.method in ("GET", "HEAD") and none_match(request, tag):
        return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": tag})
    return Response(body, headers={"ETag": tag})


def page_rows(rows: Any, bottom: int, top: int) -> Any:
    """Rows ``bottom`` to ``top`` of ``rows``: a query's slice found by its ids first."""
    if (
        bottom == 0
        or not isinstance(rows, QuerySet)
        or rows.query.is_sliced
        or rows.query.distinct
        or rows.query.combinator
    ):
        return rows[bottom:top]
    keys = rows.values("pk")[bottom:top]
    return rows.filter(pk__in=keys)


class KeysFirstPaginator(Paginator):  # type: ignore[type-arg]
    """Django's paginator, reading a page after the first by its ids (``page_rows``)."""

    def page(self, number: Any) -> Any:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = page_rows(self.object_list, bottom, top)
        return self._get_page(rows, number, self)  # type: ignore[attr-defined]


# --- Cursor pages ---------------------------------------------------------------------


@dataclass(frozen=True)
class SortKey:
    """One term of a list's order: a field path, its direction, where its empty values go."""

    path: str
    descending: bool
    nulls_last: bool
    nullable: bool
    field: models.Field[Any, Any]

    def reversed(self) -> SortKey:
        return replace(self, descending=not self.descending, nulls_last=not self.nulls_last)

    def ordering(self) -> OrderBy:
        nulls = {"nulls_last": True} if self.nulls_last else {"nulls_first": True}
        term = F(self.path)
        return term.desc(**nulls) if self.descending else term.asc(**nulls)

    def from_(self, value: Any) -> Q:
        """Rows whose key is ``value`` or after it, empty values left out: the condition
        an index on the key answers with one jump."""
        return Q(**{f"{self.path}__{'lte' if self.descending else 'gte'}": value})

    def after(self, value: Any) -> Q | None:
        """Rows whose key comes after ``value`` in this order (None: no row does)."""
        if value is None:
            return None if self.nulls_last else Q(**{f"{self.path}__isnull": False})
        beyond = Q(**{f"{self.path}__{'lt' if self.descending else 'gt'}": value})
        if self.nullable and self.nulls_last:
            beyond |= Q(**{f"{self.path}__isnull": True})
        return beyond

    def equal(self, value: Any) -> Q:
        if value is None:
            return Q(**{f"{self.path}__isnull": True})
        return Q(**{self.path: value})


def _field_at(model: type[models.Model], path: str) -> tuple[models.Field[Any, Any], bool]:
    """The model field a path names (``jurisdiction__state``), and whether the path can
    end empty (an empty value, or an empty link on the way)."""
    parts = path.split("__")
    nullable = False
    field: Any = None
    for position, part in enumerate(parts):
        field = model._meta.pk if part == "pk" else model._meta.get_field(part)
        if not isinstance(field, models.Field) or field.many_to_many:
            raise FieldDoesNotExist(path)
        nullable = nullable or bool(field.null)
        if position < len(parts) - 1:
            if field.related_model is None:
                raise FieldDoesNotExist(path)
            model = field.related_model
        elif field.is_relation:
            # Ordering by a link orders by the linked records' own order: no single key.
            raise FieldDoesNotExist(path)
    return field, nullable


def sort_keys(queryset: QuerySet[Any]) -> list[SortKey] | None:
    """The list's order as keys, up to and with the id; None when it is not a plain order
    of fields ending with the id (a cursor cannot name a place in it)."""
    query = queryset.query
    terms = list(
        query.order_by or (queryset.model._meta.ordering if query.default_ordering else [])
    )
    largest = connections[queryset.db].features.nulls_order_largest
    keys: list[SortKey] = []
    for term in terms:
        nulls_last: bool | None = None
        if isinstance(term, OrderBy) and isinstance(term.expression, F):
            descending = bool(term.descending)
            path = str(term.expression.name)  # type: ignore[attr-defined]
            if term.nulls_last or term.nulls_first:
                nulls_last = bool(term.nulls_last)
        elif isinstance(term, str) and term.lstrip("-") and "?" not in term:
            descending, path = term.startswith("-"), term.lstrip("-")
        else:
            return None
        try:
            field, nullable = _field_at(queryset.model, path)
        except FieldDoesNotExist:
            return None
        if nulls_last is None:
            # Where the database puts empty values when the order does not say.
            nulls_last = largest != descending
        keys.append(SortKey(path, descending, nulls_last, nullable, field))
        if field.primary_key and "__" not in path:
            return keys
    return None


def _after(keys: list[SortKey], values: list[Any]) -> Q | None:
    """Rows after the place ``values`` in the order ``keys`` (the last key is the id):
    after on the first key, or equal on it and after on the rest."""
    condition: Q | None = None
    for key, value in reversed(list(zip(keys, values, strict=True))):
        beyond = key.after(value)
        later = key.equal(value) & condition if condition is not None else None
        if beyond is not None and later is not None:
            condition = beyond | later
        else:
            condition = beyond if beyond is not None else later
    return condition


class _CursorEncoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, dt.date | dt.time):  # datetimes too, to the microsecond
            return o.isoformat()
        if isinstance(o, decimal.Decimal | uuid.UUID):
            return str(o)
        return super().default(o)


CURSOR_INVALID = _(
    "Not a cursor this list gave: follow the `next` and `previous` links, or send "
    "`cursor=` (empty) for the first page."
)


def _signature(keys: list[SortKey]) -> list[str]:
    """The order a cursor belongs to: a cursor of another order is refused."""
    return [f"{'-' if key.descending else ''}{key.path}" for key in keys]


def _encode(payload: dict[str, Any]) -> str:
    raw = json.dumps(payload, cls=_CursorEncoder, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str) -> dict[str, Any]:
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, binascii.Error):
        raise ValidationError({"cursor": [CURSOR_INVALID]}) from None
    if not isinstance(payload, dict):
        raise ValidationError({"cursor": [CURSOR_INVALID]})
    return payload


def cursor_after(queryset: QuerySet[Any], pk: Any) -> str:
    """The cursor of the page that starts right after the row ``pk`` of the list
    ``queryset`` (what a ``next`` link names after that row)."""
    keys = sort_keys(queryset)
    if keys is None:
        raise ValueError("This list's order has no cursor pages.")
    values = queryset.filter(pk=pk).values_list(*(key.path for key in keys)).get()
    return _encode({"o": _signature(keys), "k": list(values), "r": False})


class CursorPage:
    """One cursor page of a list: its rows, and the places the next and previous pages
    start from.

    The page's ids are found first, from the list's order alone, then its rows are
    read by id with everything the list shows (and its prefetches) in one go.
    """

    def __init__(self, queryset: QuerySet[Any], size: int, token: str) -> None:
        keys = sort_keys(queryset)
        if keys is None:
            raise ValidationError({"cursor": [_("This list's order has no cursor pages.")]})
        self.keys = keys
        self.signature = _signature(keys)
        backwards, place = False, None
        if token:
            payload = _decode(token)
            if payload.get("o") != self.signature or not isinstance(payload.get("k"), list):
                raise ValidationError({"cursor": [CURSOR_INVALID]})
            backwards = bool(payload.get("r"))
            place = self._values(payload["k"])
        walk = [key.reversed() for key in keys] if backwards else keys
        ids = self._ids(queryset, walk, place, size + 1)
        more = len(ids) > size
        ids = ids[:size]
        if backwards:
            ids.reverse()
        named = {f"cursor_key_{i}": F(key.path) for i, key in enumerate(keys)}
        by_id = (
            {row.pk: row for row in queryset.filter(pk__in=ids).annotate(**named)} if ids else {}
        )
        self.rows = [by_id[pk] for pk in ids if pk in by_id]
        first = self._place(self.rows[0]) if self.rows else None
        last = self._place(self.rows[-1]) if self.rows else None
        went_on = place is not None
        self.next = self._token(last, backwards=False) if (went_on if backwards else more) else None
        self.previous = (
            self._token(first, backwards=True) if (more if backwards else went_on) else None
        )

    def _values(self, raw: list[Any]) -> list[Any]:
        if len(raw) != len(self.keys):
            raise ValidationError({"cursor": [CURSOR_INVALID]})
        try:
            return [
                None if value is None else key.field.to_python(value)
                for key, value in zip(self.keys, raw, strict=True)
            ]
        except (DjangoValidationError, TypeError, ValueError):
            raise ValidationError({"cursor": [CURSOR_INVALID]}) from None

    @staticmethod
    def _ids(
        queryset: QuerySet[Any], keys: list[SortKey], place: list[Any] | None, limit: int
    ) -> list[Any]:
        """The ids of the next ``limit`` rows after ``place``, walking ``keys``."""
        ordered = queryset.order_by(*(key.ordering() for key in keys))
        if place is None:
            return list(ordered.values_list("pk", flat=True)[:limit])
        first, start = keys[0], place[0]
        if start is None:
            condition = _after(keys, place)
            if condition is None:
                return []
            return list(ordered.filter(condition).values_list("pk", flat=True)[:limit])
        # The rows with a value from the first key's index (one jump), then, when the
        # empty ones come last, those: "or empty" in one condition would read from the top.
        own = replace(first, nullable=False)
        valued = ordered.filter(first.from_(start), _after([own, *keys[1:]], place))
        ids = list(valued.values_list("pk", flat=True)[:limit])
        if len(ids) < limit and first.nullable and first.nulls_last:
            empty = ordered.filter(**{f"{first.path}__isnull": True})
            ids += list(empty.values_list("pk", flat=True)[: limit - len(ids)])
        return ids

    def _place(self, row: Any) -> list[Any]:
        return [getattr(row, f"cursor_key_{i}") for i in range(len(self.keys))]

    def _token(self, values: list[Any] | None, *, backwards: bool) -> str | None:
        if values is None:
            return None
        return _encode({"o": self.signature, "k": values, "r": backwards})


class Pagination(PageNumberPagination):
    """``page`` and ``page_size`` (default 50; a larger size is capped at 200), or
    ``cursor`` (see the module).

    A ``page_size`` that is not a positive whole number is a 400, not silently
    the default.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    django_paginator_class = KeysFirstPaginator
    cursor_query_param = "cursor"
    cursor_page: CursorPage | None = None

    def paginate_queryset(
        self, queryset: Any, request: Request, view: Any = None
    ) -> list[Any] | None:
        if self.cursor_query_param not in request.query_params:
            return super().paginate_queryset(queryset, request, view)
        if self.page_query_param in request.query_params:
            raise ValidationError(
                {self.cursor_query_param: [_("Ask for a page by `page` or by `cursor`, not both.")]}
            )
        if not isinstance(queryset, QuerySet):
            raise ValidationError({self.cursor_query_param: [_("This list has no cursor pages.")]})
        self.request = request
        token = request.query_params[self.cursor_query_param]
        self.cursor_page = CursorPage(queryset, self.get_page_size(request), token)
        return self.cursor_page.rows

    def get_paginated_response(self, data: Any) -> Response:
        assert self.request is not None
        if self.cursor_page is None:
            body = super().get_paginated_response(data).data
        else:
            body = {
                "next": self._cursor_link(self.cursor_page.next),
                "previous": self._cursor_link(self.cursor_page.previous),
                "results": data,
            }
        return conditional_page(self.request, body)

    def _cursor_link(self, token: str | None) -> str | None:
        if token is None:
            return None
        assert self.request is not None
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, token)

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        gettext("A whole number from 1 to %(max)s.") % {"max": MAX_PAGE_SIZE}
                    ]
                }
            )
        return min(int(raw), MAX_PAGE_SIZE)
