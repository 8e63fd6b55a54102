"""Pages of the staff lists that cost the same on page 1 of 50 rows or of 200,000.

Django's ``Paginator`` counts the whole filtered list on every page, and the count of
a large table is the slowest part of the page. Here the count stops at
:data:`COUNT_CAP`: below it the page says "Page 2 of 7" and how many rows there are;
above it, "more than 1,000" and Previous / Next, which is all a reader needs to walk
the list (the CSV download has every row). Whether there is a next page is known by
reading one row more than the page shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

#: The most rows a list counts exactly; beyond it the page says "more than".
COUNT_CAP = 1000


@dataclass(frozen=True)
class ListCount:
    """What the page says of the list's length (``Paginator``'s names, for the templates)."""

    count: int
    capped: bool
    num_pages: int | None


@dataclass(frozen=True)
class ListPage:
    object_list: list[Any]
    number: int
    paginator: ListCount
    next_exists: bool

    def has_next(self) -> bool:
        return self.next_exists

    def has_previous(self) -> bool:
        return self.number > 1

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def _number(text: str | None) -> int:
    try:
        return max(1, int(text or 1))
    except ValueError:
        return 1


def capped_page(
    queryset: QuerySet[Any],
    number: str | None,
    per_page: int,
    *,
    load: Callable[[QuerySet[Any]], QuerySet[Any]] | None = None,
) -> ListPage:
    """Page ``number`` (1 when not a number; the last page when past it and the list
    was counted) of ``queryset``, in two queries: the capped count and the rows.

    ``load`` adds what each row shows (related rows, flags computed per row). It is
    applied to the page's rows only, read by id in a third query: a database sorting
    the whole list would otherwise work out every row's flags before keeping 50.
    """
    counted = queryset.order_by()[: COUNT_CAP + 1].count()
    capped = counted > COUNT_CAP
    pages = None if capped else max(1, -(-counted // per_page))
    page = _number(number)
    if pages is not None:
        page = min(page, pages)
    start = (page - 1) * per_page
    # One row more than the page shows says whether there is a next page.
    if load is None:
        rows = list(queryset[start : start + per_page + 1])
        next_exists, rows = len(rows) > per_page, rows[:per_page]
    else:
        ids = list(queryset.values_list("pk", flat=True)[start : start + per_page + 1])
        next_exists, ids = len(ids) > per_page, ids[:per_page]
        loaded = {row.pk: row for row in load(queryset.model._default_manager.filter(pk__in=ids))}
        rows = [loaded[pk] for pk in ids if pk in loaded]
    return ListPage(
        object_list=rows,
        number=page,
        paginator=ListCount(count=min(counted, COUNT_CAP), capped=capped, num_pages=pages),
        next_exists=next_exists,
    )
