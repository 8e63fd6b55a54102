"""CSV files: streamed exports, safe to open in a spreadsheet, and read back.

A :class:`CsvSpec` names the columns of one model and what the queryset needs
(joins, prefetches, annotations) so that every row is written without a query
of its own. :func:`csv_response` streams the rows as they are read, with
``QuerySet.iterator(chunk_size=...)``, so a list of any length is exported in
bounded memory. The admin, the staff pages and the API use the same specs.

A spec that names its ``values`` reads each row as a dictionary of plain column
values (``QuerySet.values()``) instead of a model instance: no instances, no
related managers, no prefetch per chunk, which is what makes a list of tens of
thousands of rows quick to export.

A cell that starts with "=", "+", "-" or "@" runs as a formula when the file is
opened in a spreadsheet ("=HYPERLINK(...)" typed into a note would run on the
reader's machine). Exports prefix such cells with an apostrophe, which
spreadsheets show as plain text; imports remove that one apostrophe again, so
an export can be edited and imported back unchanged.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def unescape_formula(text: str) -> str:
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


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
    #: When set, each row is a dictionary of these values (after ``annotate``), and the
    #: columns read it; ``select_related`` and ``prefetch_related`` are then unused.
    values: tuple[str, ...] = ()

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    def prepare(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.values:
            # Plain values: whatever joins or prefetches the caller's queryset asked
            # for are not needed (the values name their own joins).
            queryset = queryset.select_related(None).prefetch_related(None)
        else:
            if self.select_related:
                queryset = queryset.select_related(*self.select_related)
            if self.prefetch_related:
                queryset = queryset.prefetch_related(*self.prefetch_related)
        if self.annotate is not None:
            queryset = self.annotate(queryset)
        return queryset.values(*self.values) if self.values else queryset


def cell(value: object, *, escape_formulas: bool = True) -> str:
    """One value as CSV text: dates in ISO form, empty for nothing, no live formulas."""
    if type(value) is str:  # the most common cell, first
        return escape_formula(value) if escape_formulas else value
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
        # keeps memory flat however long the list is. Rows read as plain values
        # have no cycles and need no collection.
        if not spec.values and count % CHUNK_SIZE == 0:
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
    return _download(spec.name, csv_lines(spec, queryset))


def csv_table_response(
    name: str, headers: Sequence[str], table: Iterable[Sequence[object]]
) -> StreamingHttpResponse:
    """Stream rows already worked out (a report's figures) as a CSV download, with the
    same cells as every export."""

    def lines() -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield writer.writerow(headers)
        for row in table:
            yield writer.writerow([cell(value) for value in row])

    return _download(name, lines())


def _download(name: str, lines: Iterator[str]) -> StreamingHttpResponse:
    filename = f"{name}-{timezone.localdate().isoformat()}.csv"
    response = StreamingHttpResponse(lines, content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
