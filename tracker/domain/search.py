"""Search across requests, letters and replies: full-text on PostgreSQL, contains on SQLite.

PostgreSQL ranks matches and understands word forms ("letters" finds "letter")
and web-search syntax (quoted phrases, ``-word``); SQLite, used by ``make run``
on a laptop, has no such index, so there a case-insensitive substring match on
the same fields keeps search working with the same results page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from tracker.models import AgencyResponse, Letter, OptOutRequest

#: The most results shown per kind of record; the page says when there are more.
LIMIT = 50
#: The text-search configuration: stems English words ("requested" finds "request").
CONFIG = "english"


@dataclass
class SearchResults:
    query: str
    requests: list[OptOutRequest] = field(default_factory=list)
    letters: list[Letter] = field(default_factory=list)
    responses: list[AgencyResponse] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.requests) + len(self.letters) + len(self.responses)


def uses_full_text() -> bool:
    return connection.vendor == "postgresql"


def _matching(queryset: QuerySet[Any], fields: tuple[str, ...], text: str) -> QuerySet[Any]:
    if uses_full_text():
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = SearchVector(*fields, config=CONFIG)
        query = SearchQuery(text, config=CONFIG, search_type="websearch")
        return (
            queryset.annotate(search=vector, rank=SearchRank(vector, query))
            .filter(search=query)
            .order_by("-rank", "pk")
        )
    condition = Q()
    for name in fields:
        condition |= Q(**{f"{name}__icontains": text})
    return queryset.filter(condition).order_by("pk")


def search(text: str, limit: int = LIMIT) -> SearchResults:
    """Requests by title and summary, letters by subject and summary, replies by summary."""
    text = text.strip()
    results = SearchResults(query=text)
    if not text:
        return results
    results.requests = list(
        _matching(OptOutRequest.objects.select_related("jurisdiction"), ("title", "summary"), text)[
            :limit
        ]
    )
    results.letters = list(
        _matching(
            Letter.objects.select_related("request__jurisdiction", "sender"),
            ("subject", "summary"),
            text,
        )[:limit]
    )
    results.responses = list(
        _matching(
            AgencyResponse.objects.select_related("request__jurisdiction", "agency"),
            ("summary",),
            text,
        )[:limit]
    )
    return results
