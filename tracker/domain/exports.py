"""CSV exports of requests and letters, streamed row by row (see core.spreadsheets).

A :class:`CsvSpec` names the columns of one model and what the queryset needs
(joins, prefetches, annotations) so that every row is written without a query
of its own. :func:`csv_response` streams the rows as they are read, with
``QuerySet.iterator(chunk_size=...)``, so a list of any length is exported in
bounded memory. The admin, the staff pages and the API use the same specs.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db.models import QuerySet

from core.dates import PartialDate, partial_date
from core.spreadsheets import Column, CsvSpec, csv_lines, csv_response
from tracker.domain import selectors
from tracker.models import Letter, OptOutRequest

__all__ = ["LETTERS", "REQUESTS", "Column", "CsvSpec", "csv_lines", "csv_response"]


def _partial(read_date: Callable[[Any], PartialDate | None]) -> Callable[[Any], object]:
    """A partial date as the API writes it: ``2010-09-07``, ``2010-09`` or ``2010``."""

    def read(record: Any) -> object:
        date = read_date(record)
        return date.isoformat() if date else None

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
#
# The longest list (a national list of overdue letters is tens of thousands of rows):
# read as plain values, the recipients as one column of the same query, and each due
# date's explanation worked out once per sending date and window (selectors.DeadlineBook).


def _annotate_letters(queryset: QuerySet[Any]) -> QuerySet[Any]:
    return selectors.with_recipient_rows(selectors.with_letter_flags(queryset))


def _letters_with_deadlines(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Each row with its recipients read back (``recipients``, as the column shows them)
    and its ``deadline`` (None when no reply is due: incoming or undated letters), as
    ``selectors.with_deadlines`` gives a letter."""
    book = selectors.DeadlineBook()
    # Most letters go to the same few agencies: each set of recipients is read once
    # per export (not longer: the site's default window may change between exports).
    recipients: dict[str | None, tuple[str, tuple[tuple[int, str], ...]]] = {}
    for row in rows:
        text = row[selectors.RECIPIENT_ROWS]
        if text not in recipients:
            recipients[text] = _recipients(text)
        names, windows = recipients[text]
        row["recipients"] = names
        row["deadline"] = book.deadline(
            is_outgoing=row["direction"] == Letter.Direction.OUTGOING,
            sent_on=row["sent_on"],
            sent_precision=row["sent_on_precision"],
            windows=windows,
        )
        yield row


def _recipients(text: str | None) -> tuple[str, tuple[tuple[int, str], ...]]:
    """The recipients column and their reply windows, from one letter's recipient rows."""
    rows = selectors.recipient_rows_of(text)
    return "; ".join(str(row) for row in rows), tuple(row.effective_reply_window for row in rows)


def _value(name: str) -> Callable[[dict[str, Any]], object]:
    return operator.itemgetter(name)


@functools.lru_cache(maxsize=8192)
def _partial_text(value: dt.date | None, precision: str) -> str | None:
    date = partial_date(value, precision)
    return date.isoformat() if date else None


def _partial_value(column: str) -> Callable[[dict[str, Any]], object]:
    """A partial date as the API writes it: ``2010-09-07``, ``2010-09`` or ``2010``."""
    precision = f"{column}_precision"
    return lambda row: _partial_text(row[column], row[precision])


def _sender(row: dict[str, Any]) -> object:
    # Agency.__str__ of the sender.
    name, abbreviation = row["sender__name"], row["sender__abbreviation"]
    return f"{name} ({abbreviation})" if abbreviation else name


def _deadline_value(name: str) -> Callable[[dict[str, Any]], object]:
    def read(row: dict[str, Any]) -> object:
        deadline = row["deadline"]
        return getattr(deadline, name) if deadline is not None else None

    return read


LETTERS = CsvSpec(
    name="letters",
    columns=(
        Column("reference", _value("reference")),
        Column("request", _value("request__reference")),
        Column("jurisdiction", _value("request__jurisdiction__name")),
        Column("direction", _value("direction")),
        Column("sender", _sender),
        Column("recipients", _value("recipients")),
        Column("method", _value("method")),
        Column("sent", _partial_value("sent_on")),
        Column("received", _partial_value("received_on")),
        Column("subject", _value("subject")),
        Column("in_reply_to", _value("in_reply_to__reference")),
        Column("due_on", _value("due_on")),
        Column("overdue", _value("flag_overdue")),
        Column("very_overdue_on", _value("very_overdue_on")),
        Column("very_overdue", _value("flag_very_overdue")),
        Column("due_explanation", _deadline_value("explanation")),
        Column("very_overdue_explanation", _deadline_value("very_overdue_explanation")),
        Column("has_attachment", lambda row: bool(row["attachment"])),
        Column("is_public", _value("is_public")),
    ),
    values=(
        "reference",
        "request__reference",
        "request__jurisdiction__name",
        "direction",
        "sender__name",
        "sender__abbreviation",
        selectors.RECIPIENT_ROWS,
        "method",
        *Letter.sent.columns,
        *Letter.received.columns,
        "subject",
        "in_reply_to__reference",
        "due_on",
        "flag_overdue",
        "very_overdue_on",
        "flag_very_overdue",
        "attachment",
        "is_public",
    ),
    annotate=_annotate_letters,
    # The due-date explanations: the holiday list is read once per export, and the
    # recipients' windows come with each row, so no row costs a query.
    decorate=_letters_with_deadlines,
)
