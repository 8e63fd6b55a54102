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
import json
import operator
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db.models import OuterRef, QuerySet, StringAgg, Subquery, TextField, Value
from django.db.models.functions import Cast, JSONArray

from core.dates import PartialDate, partial_date
from core.spreadsheets import Column, CsvSpec, csv_lines, csv_response
from tracker.domain import selectors
from tracker.domain.milestones import closing_date, with_closing_date
from tracker.models import Event, Letter, OptOutRequest, PublishableModel

__all__ = ["EVENTS", "LETTERS", "REQUESTS", "Column", "CsvSpec", "csv_lines", "csv_response"]


def _partial(read_date: Callable[[Any], PartialDate | None]) -> Callable[[Any], object]:
    """A partial date as the API writes it: ``2010-09-07``, ``2010-09`` or ``2010``."""

    def read(record: Any) -> object:
        date = read_date(record)
        return date.isoformat() if date else None

    return read


# --- Requests ---------------------------------------------------------------------


def _annotate_requests(queryset: QuerySet[Any]) -> QuerySet[Any]:
    # The closing move's effective date rides along, so "closed" is when it happened.
    return with_closing_date(selectors.with_request_flags(selectors.with_facts(queryset)))


def _next_steps(record: OptOutRequest) -> str:
    return "; ".join(edge.target.value for edge in selectors.request_next_steps(record))


def _sources(record: PublishableModel) -> str:
    """The sources cited, as "000, 001": seed numbers, or the reference of a source
    that is not a seed."""
    return ", ".join(source.seed or source.reference for source in record.sources.all())


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
        Column("closed", _partial(closing_date)),
        Column("requesting_agency", lambda r: r.requesting_agency),
        Column("requested_by", lambda r: r.requested_by),
        Column("owner", lambda r: r.owner.get_username() if r.owner else None),
        Column("has_overdue_letter", lambda r: r.flag_has_overdue),
        Column("next_steps", _next_steps),
        Column("outcome", lambda r: r.outcome),
        Column("is_public", lambda r: r.is_public),
        Column("sources", _sources),
        Column("basis", lambda r: r.basis),
        Column("inference", lambda r: r.inference),
    ),
    select_related=("jurisdiction", "requesting_agency", "requested_by", "owner"),
    # The sources of each chunk of rows in one more query.
    prefetch_related=("sources",),
    annotate=_annotate_requests,
)


# --- Letters ----------------------------------------------------------------------
#
# The longest list (a national list of overdue letters is tens of thousands of rows):
# read as plain values, the recipients as one column of the same query, and each due
# date's explanation worked out once per sending date and window (selectors.DeadlineBook).


#: The letters' cited sources, read back by :func:`_letter_sources`.
LETTER_SOURCES = "source_rows"


def _with_sources(letters: QuerySet[Any]) -> QuerySet[Any]:
    """Each letter's sources (seed number, title, id, reference) as one text column: one
    correlated subquery, so the column costs no query of its own, however many letters."""
    through = Letter.sources.through
    per_source = JSONArray("source__seed", "source__title", "source_id", "source__reference")
    cited = (
        through.objects.filter(letter_id=OuterRef("pk"))
        .order_by()
        .values("letter_id")
        .annotate(text=StringAgg(Cast(per_source, TextField()), Value(",")))
        .values("text")  # type: ignore[misc]  # the annotation just above
    )
    return letters.annotate(**{LETTER_SOURCES: Subquery(cited, output_field=TextField())})


@functools.lru_cache(maxsize=1024)
def _sources_text(text: str | None) -> str:
    """The sources column as the requests' export writes it ("000, 001": seed numbers,
    or the reference of a source that is not a seed), in the sources' order (seed
    number, title; SQLite cannot order an aggregate, so the order is made here)."""
    if not text:
        return ""
    rows = sorted(json.loads(f"[{text}]"), key=lambda row: (row[0], row[1], row[2]))
    return ", ".join(seed or reference for seed, _title, _pk, reference in rows)


def _annotate_letters(queryset: QuerySet[Any]) -> QuerySet[Any]:
    return _with_sources(selectors.with_recipient_rows(selectors.with_letter_flags(queryset)))


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
            sent_until=row["sent_on_until"],
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
def _partial_text(value: dt.date | None, precision: str, until: dt.date | None) -> str | None:
    date = partial_date(value, precision, until)
    return date.isoformat() if date else None


def _partial_value(column: str) -> Callable[[dict[str, Any]], object]:
    """A partial date as the API writes it: ``2010-09-07``, ``2010-09``, ``2010`` or the
    range of days ``2010-09-27/2010-10-02``."""
    precision, until = f"{column}_precision", f"{column}_until"
    return lambda row: _partial_text(row[column], row[precision], row.get(until))


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
        Column("sources", lambda row: _sources_text(row[LETTER_SOURCES])),
        Column("basis", _value("basis")),
        Column("inference", _value("inference")),
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
        LETTER_SOURCES,
        "basis",
        "inference",
    ),
    annotate=_annotate_letters,
    # The due-date explanations: the holiday list is read once per export, and the
    # recipients' windows come with each row, so no row costs a query.
    decorate=_letters_with_deadlines,
)


# --- Events -------------------------------------------------------------------------


def _joined(name: str, label: Callable[[Any], object] = str) -> Callable[[Event], str]:
    """The linked records of a many-to-many field (prefetched), ``; ``-separated."""

    def read(record: Event) -> str:
        return "; ".join(str(label(row)) for row in getattr(record, name).all())

    return read


EVENTS = CsvSpec(
    name="events",
    columns=(
        Column("reference", lambda e: e.reference),
        Column("kind", lambda e: e.kind),
        Column("title", lambda e: e.title),
        Column("happened", _partial(lambda e: e.happened)),
        Column("jurisdictions", _joined("jurisdictions", lambda j: j.reference)),
        Column("agencies", _joined("agencies", lambda a: a.reference)),
        Column("requests", _joined("requests", lambda r: r.reference)),
        Column("publication", lambda e: e.publication),
        Column("url", lambda e: e.url),
        Column("basis", lambda e: e.basis),
        Column("inference", lambda e: e.inference),
        Column("sources", _joined("sources", lambda s: s.reference)),
        Column("summary", lambda e: e.summary),
        Column("is_public", lambda e: e.is_public),
    ),
    prefetch_related=("jurisdictions", "agencies", "requests", "sources"),
)
