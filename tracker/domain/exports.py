"""CSV exports of requests and letters, streamed row by row (see core.spreadsheets).

A :class:`CsvSpec` names the columns of one model and what the queryset needs
(joins, prefetches, annotations) so that every row is written without a query
of its own. :func:`csv_response` streams the rows as they are read, with
``QuerySet.iterator(chunk_size=...)``, so a list of any length is exported in
bounded memory. The admin, the staff pages and the API use the same specs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Model, QuerySet

from core.dates import PartialDate
from core.spreadsheets import Column, CsvSpec, csv_lines, csv_response
from tracker.domain import selectors
from tracker.models import OptOutRequest

__all__ = ["LETTERS", "REQUESTS", "Column", "CsvSpec", "csv_lines", "csv_response"]


def _partial(read_date: Callable[[Any], PartialDate | None]) -> Callable[[Any], object]:
    """A partial date as the API writes it: ``2010-09-07``, ``2010-09`` or ``2010``."""

    def read(record: Any) -> object:
        date = read_date(record)
        return date.isoformat() if date else None

    return read


def _names(related: str) -> Callable[[Any], object]:
    def read(record: Any) -> object:
        return "; ".join(str(item) for item in getattr(record, related).all())

    return read


def _reference(name: str) -> Callable[[Any], object]:
    def read(record: Any) -> object:
        related: Model | None = getattr(record, name)
        return getattr(related, "reference", None) if related is not None else None

    return read


# --- Requests ---------------------------------------------------------------------


def _annotate_requests(queryset: QuerySet[Any]) -> QuerySet[Any]:
    return selectors.with_request_flags(selectors.with_facts(queryset))


def _next_steps(record: OptOutRequest) -> str:
    return "; ".join(edge.target.value for edge in selectors.request_next_steps(record))


REQUESTS = CsvSpec(
    name="requests",
    columns=(
        Column("reference", lambda r: r.reference),
        Column("title", lambda r: r.title),
        Column("jurisdiction", lambda r: r.jurisdiction.name),
        Column("state", lambda r: r.jurisdiction.state),
        Column("seeks", lambda r: r.seeks),
        Column("status", lambda r: r.status),
        Column("opened", _partial(lambda r: r.opened)),
        Column("closed", lambda r: r.closed_on),
        Column("requesting_agency", lambda r: r.requesting_agency),
        Column("requested_by", lambda r: r.requested_by),
        Column("owner", lambda r: r.owner.get_username() if r.owner else None),
        Column("has_overdue_letter", lambda r: r.flag_has_overdue),
        Column("next_steps", _next_steps),
        Column("outcome", lambda r: r.outcome),
        Column("is_public", lambda r: r.is_public),
    ),
    select_related=("jurisdiction", "requesting_agency", "requested_by", "owner"),
    annotate=_annotate_requests,
)


# --- Letters ----------------------------------------------------------------------


def _annotate_letters(queryset: QuerySet[Any]) -> QuerySet[Any]:
    return selectors.with_letter_flags(queryset)


def _deadline_text(name: str) -> Callable[[Any], object]:
    def read(record: Any) -> object:
        deadline = selectors.deadline_of(record)
        return getattr(deadline, name) if deadline is not None else None

    return read


LETTERS = CsvSpec(
    name="letters",
    columns=(
        Column("reference", lambda r: r.reference),
        Column("request", lambda r: r.request.reference),
        Column("jurisdiction", lambda r: r.request.jurisdiction.name),
        Column("direction", lambda r: r.direction),
        Column("sender", lambda r: r.sender),
        Column("recipients", _names("recipients")),
        Column("method", lambda r: r.method),
        Column("sent", _partial(lambda r: r.sent)),
        Column("received", _partial(lambda r: r.received)),
        Column("subject", lambda r: r.subject),
        Column("in_reply_to", _reference("in_reply_to")),
        Column("due_on", lambda r: r.due_on),
        Column("overdue", lambda r: r.flag_overdue),
        Column("very_overdue_on", lambda r: r.very_overdue_on),
        Column("very_overdue", lambda r: r.flag_very_overdue),
        Column("due_explanation", _deadline_text("explanation")),
        Column("very_overdue_explanation", _deadline_text("very_overdue_explanation")),
        Column("has_attachment", lambda r: bool(r.attachment)),
        Column("is_public", lambda r: r.is_public),
    ),
    select_related=("request__jurisdiction", "sender", "in_reply_to"),
    prefetch_related=("recipients",),
    annotate=_annotate_letters,
    # The due-date explanations: the holiday list is read once per export, and the
    # recipients' windows come from the prefetch, so no row costs a query.
    decorate=selectors.with_deadlines,
)
