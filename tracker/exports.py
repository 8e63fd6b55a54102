"""CSV exports of requests, letters and jurisdictions, streamed row by row.

A :class:`CsvSpec` names the columns of one model and what the queryset needs
(joins, prefetches, annotations) so that every row is written without a query
of its own. :func:`csv_response` streams the rows as they are read, with
``QuerySet.iterator(chunk_size=...)``, so a list of any length is exported in
bounded memory. The admin, the staff pages and the API use the same specs.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, Model, OuterRef, QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from jurisdictions.importer import COLUMNS as JURISDICTION_COLUMNS
from jurisdictions.models import Jurisdiction
from tracker.dates import partial_date
from tracker.models import Letter, OptOutRequest
from tracker.spreadsheets import escape_formula

#: Rows fetched from the database at a time; prefetches run once per chunk.
CHUNK_SIZE = 500

#: Spreadsheet programs run a cell that starts with one of these as a formula.


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], object]


@dataclass(frozen=True)
class CsvSpec:
    """The columns of one export and how to read them without a query per row."""

    name: str
    columns: tuple[Column, ...]
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()
    annotate: Callable[[QuerySet[Any]], QuerySet[Any]] | None = None
    #: Off only for a file no spreadsheet will open.
    escape_formulas: bool = True
    #: Adds per-row values computed in Python from data read once per export
    #: (a letter's due-date explanation needs the holiday list, read once).
    decorate: Callable[[Iterable[Any]], Iterator[Any]] | None = None

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    def prepare(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.prefetch_related:
            queryset = queryset.prefetch_related(*self.prefetch_related)
        if self.annotate is not None:
            queryset = self.annotate(queryset)
        return queryset


def cell(value: object, *, escape_formulas: bool = True) -> str:
    """One value as CSV text: dates in ISO form, empty for nothing, no live formulas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    # A leading apostrophe keeps "=HYPERLINK(...)" in a note from running when the
    # file is opened in a spreadsheet.
    return escape_formula(text) if escape_formulas else text


def rows(spec: CsvSpec, queryset: QuerySet[Any]) -> Iterator[list[str]]:
    """The header row, then one row per record, read in chunks."""
    yield spec.headers
    records: Iterable[Any] = spec.prepare(queryset).iterator(chunk_size=CHUNK_SIZE)
    if spec.decorate is not None:
        records = spec.decorate(records)
    for count, record in enumerate(records, start=1):
        yield [
            cell(column.value(record), escape_formulas=spec.escape_formulas)
            for column in spec.columns
        ]
        # Model instances with prefetched or cached related managers point back
        # at themselves; such cycles are freed only by the garbage collector, which
        # runs too rarely to keep up with a long export. Collecting once per chunk
        # keeps memory flat however long the list is.
        if count % CHUNK_SIZE == 0:
            gc.collect()


class _Echo:
    """A file-like object whose write() hands the line back to the csv writer's caller."""

    def write(self, value: str) -> str:
        return value


def csv_lines(spec: CsvSpec, queryset: QuerySet[Any]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    for row in rows(spec, queryset):
        yield writer.writerow(row)


def csv_response(spec: CsvSpec, queryset: QuerySet[Any]) -> StreamingHttpResponse:
    """Stream ``queryset`` as a CSV download named after the spec and today's date."""
    filename = f"{spec.name}-{timezone.localdate().isoformat()}.csv"
    response = StreamingHttpResponse(csv_lines(spec, queryset), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _partial(name: str) -> Callable[[Any], object]:
    def read(record: Any) -> object:
        date = partial_date(getattr(record, name), getattr(record, f"{name}_precision"))
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
    from tracker import services

    overdue = Letter.objects.overdue().filter(request=OuterRef("pk"))
    return services.with_facts(queryset).annotate(export_has_overdue_letter=Exists(overdue))


def _next_steps(record: OptOutRequest) -> str:
    from tracker import services

    return "; ".join(edge.target.value for edge in services.request_next_steps(record))


REQUESTS = CsvSpec(
    name="requests",
    columns=(
        Column("reference", lambda r: r.reference),
        Column("title", lambda r: r.title),
        Column("jurisdiction", lambda r: r.jurisdiction.name),
        Column("state", lambda r: r.jurisdiction.state),
        Column("seeks", lambda r: r.seeks),
        Column("status", lambda r: r.status),
        Column("opened", _partial("opened_on")),
        Column("closed", lambda r: r.closed_on),
        Column("requesting_agency", lambda r: r.requesting_agency),
        Column("requested_by", lambda r: r.requested_by),
        Column("owner", lambda r: r.owner.get_username() if r.owner else None),
        Column("has_overdue_letter", lambda r: r.export_has_overdue_letter),
        Column("next_steps", _next_steps),
        Column("outcome", lambda r: r.outcome),
        Column("is_public", lambda r: r.is_public),
    ),
    select_related=("jurisdiction", "requesting_agency", "requested_by", "owner"),
    annotate=_annotate_requests,
)


# --- Letters ----------------------------------------------------------------------


def _annotate_letters(queryset: QuerySet[Any]) -> QuerySet[Any]:
    # The rules for "overdue" and "very overdue" are LetterQuerySet's; this only asks
    # them per row.
    today = timezone.localdate()
    overdue = Letter.objects.overdue(today).filter(pk=OuterRef("pk"))
    very_overdue = Letter.objects.very_overdue(today).filter(pk=OuterRef("pk"))
    return queryset.annotate(
        export_overdue=Exists(overdue), export_very_overdue=Exists(very_overdue)
    )


def _with_deadlines(letters: Iterable[Any]) -> Iterator[Any]:
    """Each letter with ``export_deadline``: the holiday list is read once per export,
    and the recipients' windows come from the prefetch, so no row costs a query."""
    from tracker import services

    holidays = services.holiday_dates()
    for letter in letters:
        letter.export_deadline = services.letter_deadline(letter, holidays=holidays)
        yield letter


def _deadline_text(name: str) -> Callable[[Any], object]:
    def read(record: Any) -> object:
        deadline = record.export_deadline
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
        Column("sent", _partial("sent_on")),
        Column("received", _partial("received_on")),
        Column("subject", lambda r: r.subject),
        Column("in_reply_to", _reference("in_reply_to")),
        Column("due_on", lambda r: r.due_on),
        Column("overdue", lambda r: r.export_overdue),
        Column("very_overdue_on", lambda r: r.very_overdue_on),
        Column("very_overdue", lambda r: r.export_very_overdue),
        Column("due_explanation", _deadline_text("explanation")),
        Column("very_overdue_explanation", _deadline_text("very_overdue_explanation")),
        Column("has_attachment", lambda r: bool(r.attachment)),
        Column("is_public", lambda r: r.is_public),
    ),
    select_related=("request__jurisdiction", "sender", "in_reply_to"),
    prefetch_related=("recipients",),
    annotate=_annotate_letters,
    decorate=_with_deadlines,
)


# --- Jurisdictions ----------------------------------------------------------------


def _attribute(name: str) -> Callable[[Jurisdiction], object]:
    return lambda record: getattr(record, name)


#: Exactly the import format (jurisdictions.importer.COLUMNS), values untouched, so an
#: exported file can be edited and imported again.
JURISDICTIONS = CsvSpec(
    name="jurisdictions",
    columns=tuple(Column(name, _attribute(name)) for name in JURISDICTION_COLUMNS),
)


def spec_for(model: type[Model]) -> CsvSpec | None:
    specs: dict[type[Model], CsvSpec] = {
        OptOutRequest: REQUESTS,
        Letter: LETTERS,
        Jurisdiction: JURISDICTIONS,
    }
    return specs.get(model)
