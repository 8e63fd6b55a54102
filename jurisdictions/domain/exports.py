"""The jurisdictions list as CSV, in exactly the import format."""

from __future__ import annotations

from collections.abc import Callable

from core.spreadsheets import Column, CsvSpec
from jurisdictions.domain.importer import COLUMNS as JURISDICTION_COLUMNS
from jurisdictions.models import Jurisdiction


def _attribute(name: str) -> Callable[[Jurisdiction], object]:
    return lambda record: getattr(record, name)


#: Exactly the import format (jurisdictions.domain.importer.COLUMNS), values untouched, so an
#: exported file can be edited and imported again.
JURISDICTIONS = CsvSpec(
    name="jurisdictions",
    columns=tuple(Column(name, _attribute(name)) for name in JURISDICTION_COLUMNS),
)
