"""Pages of a list: ``page`` and ``page_size``, each page read by its keys first.

``?page=500`` of the letters is rows 24,951 to 25,000 in the list's order. Read
directly (``ORDER BY … OFFSET 24950 LIMIT 50``), the database builds every
skipped row in full, with its flags, to throw it away. Each page after the
first is read in two steps within one query instead: the ids of the page from
the list's order alone (``SELECT id … ORDER BY sent_on, id OFFSET … LIMIT 50``,
which the index on that order answers without reading the rows), then those
50 rows with everything the list shows. The rows, their order and the count
are the same.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

MAX_PAGE_SIZE = 200


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


class Pagination(PageNumberPagination):
    """``page`` and ``page_size`` (default 50; a larger size is capped at 200).

    A ``page_size`` that is not a positive whole number is a 400, not silently
    the default.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    django_paginator_class = KeysFirstPaginator

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
            raise ValidationError(
                {self.page_size_query_param: [f"A whole number from 1 to {MAX_PAGE_SIZE}."]}
            )
        return min(int(raw), MAX_PAGE_SIZE)
