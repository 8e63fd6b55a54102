"""Jurisdictions as CSV: one format for import and export, one code path for every surface.

The command line (``import_jurisdictions``, ``export_jurisdictions``) and the
admin's upload page both go through this module: :func:`read_csv` parses the
file, :func:`plan_import` validates every row with the model's own rules and
decides what each row does (create, update, unchanged), and
:func:`apply_plan` writes the plan in one transaction with history.
:func:`import_csv` runs the three steps together. See ``docs/import.md``.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.spreadsheets import escape_formula, unescape_formula
from jurisdictions.domain.states import STATES
from jurisdictions.models import Jurisdiction

#: The file format, in this order. The admin's CSV export writes the same columns.
COLUMNS: tuple[str, ...] = (
    "name",
    "kind",
    "state",
    "fips",
    "ocd_id",
    "deployment_status",
    "activation_date",
    "notes",
)

#: Fields that identify a jurisdiction to people; a matched row changes them only on request.
IDENTITY_FIELDS: tuple[str, ...] = ("name", "kind")

#: Rows written per INSERT/UPDATE statement (well under SQLite's variable limit).
BATCH_SIZE = 500
#: Above this many distinct sets of changes, updates go out as CASE-per-row bulk updates.
MAX_CHANGE_SETS = 50

Action = Literal["create", "update", "unchanged"]

_KINDS = {choice.value: choice.value for choice in Jurisdiction.Kind} | {
    str(choice.label).casefold(): choice.value for choice in Jurisdiction.Kind
}
_STATUSES = {choice.value: choice.value for choice in Jurisdiction.Deployment} | {
    str(choice.label).casefold(): choice.value for choice in Jurisdiction.Deployment
}


# --- Results ------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """Why one line of the file cannot be imported. ``column`` is empty for the whole row."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class ImportFileError(Exception):
    """The file as a whole is unusable (not UTF-8, not CSV, wrong columns)."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


class ImportRefused(Exception):
    """The plan has invalid rows, or the data changed since it was previewed."""

    def __init__(self, message: str, errors: Iterable[RowError] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.errors = list(errors)


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old: Any
    new: Any


@dataclass
class PlannedRow:
    """What one valid line does. ``jurisdiction`` holds the values after the import."""

    line: int
    action: Action
    jurisdiction: Jurisdiction
    matched_by: str = ""
    changes: list[Change] = field(default_factory=list)
    #: Name or kind differences left alone because renaming was not asked for.
    kept: list[Change] = field(default_factory=list)
    #: The version the plan read, so a write can refuse rows changed in between.
    read_version: int | None = None


@dataclass
class ImportPlan:
    rows: list[PlannedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rename: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def of(self, action: Action) -> list[PlannedRow]:
        return [row for row in self.rows if row.action == action]

    @property
    def creates(self) -> list[PlannedRow]:
        return self.of("create")

    @property
    def updates(self) -> list[PlannedRow]:
        return self.of("update")

    @property
    def unchanged(self) -> list[PlannedRow]:
        return self.of("unchanged")

    def summary(self, *, done: bool = False) -> str:
        counts = {
            "created": len(self.creates),
            "updated": len(self.updates),
            "unchanged": len(self.unchanged),
        }
        if done:
            return (
                gettext("Created %(created)s, updated %(updated)s, left %(unchanged)s unchanged.")
                % counts
            )
        return (
            gettext("Would create %(created)s, update %(updated)s, leave %(unchanged)s unchanged.")
            % counts
        )

    def fingerprint(self) -> str:
        """A digest of what the plan would write, to tell whether a preview is still true."""
        digest = hashlib.sha256()
        for row in self.rows:
            if row.action == "unchanged":
                continue
            digest.update(
                f"{row.line}|{row.action}|{row.jurisdiction.pk}|{row.read_version}|".encode()
            )
            for change in row.changes:
                digest.update(f"{change.field}={change.new!r};".encode())
        return digest.hexdigest()


# --- Parsing ------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceRow:
    line: int
    cells: dict[str, str]


def _decode(data: bytes) -> str:
    if data.startswith(b"PK\x03\x04"):
        raise ImportFileError(
            [
                RowError(
                    1,
                    "",
                    gettext(
                        "This is a spreadsheet workbook (.xlsx), not a CSV file. Save it as "
                        "“CSV UTF-8 (comma delimited)” and upload that."
                    ),
                )
            ]
        )
    try:
        # utf-8-sig: spreadsheets often start a UTF-8 CSV with a byte-order mark.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportFileError(
            [
                RowError(
                    line,
                    "",
                    gettext(
                        "The file is not UTF-8 text (byte 0x%(byte)s cannot be read). "
                        "Save it as “CSV UTF-8” and try again."
                    )
                    % {"byte": f"{data[error.start]:02x}"},
                )
            ]
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ImportFileError(
            [RowError(line, "", gettext("The file contains binary data; it is not a CSV file."))]
        )
    return text


def read_csv(data: bytes) -> tuple[list[SourceRow], list[RowError]]:
    """Parse the file. Raises :class:`ImportFileError` for file-wide problems.

    Returns the rows as text cells (stripped) and the errors of individual rows
    (a wrong number of cells), each with the line the row starts on.
    """
    text = _decode(data)
    if not text.strip():
        raise ImportFileError([RowError(1, "", gettext("The file is empty."))])
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    header_line = 1
    rows: list[SourceRow] = []
    errors: list[RowError] = []
    next_line = 1
    try:
        for record in reader:
            line, next_line = next_line, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header, header_line = [cell.strip().casefold() for cell in record], line
                _check_header(header, line)
                continue
            if len(record) != len(header):
                errors.append(
                    RowError(
                        line,
                        "",
                        gettext(
                            "has %(cells)s cells but the header has %(columns)s; "
                            "a comma inside a value must be in double quotes."
                        )
                        % {"cells": len(record), "columns": len(header)},
                    )
                )
                continue
            rows.append(
                SourceRow(
                    line,
                    {h: unescape_formula(c.strip()) for h, c in zip(header, record, strict=True)},
                )
            )
    except csv.Error as error:
        raise ImportFileError(
            [
                RowError(
                    next_line,
                    "",
                    gettext("This is not readable CSV: %(error)s.") % {"error": error},
                )
            ]
        ) from None
    if header is None:  # pragma: no cover - an all-blank file is caught as empty above
        raise ImportFileError([RowError(header_line, "", gettext("The file has no header row."))])
    return rows, errors


def _check_header(header: list[str], line: int) -> None:
    expected = ",".join(COLUMNS)
    problems: list[str] = []
    missing = [column for column in COLUMNS if column not in header]
    unknown = [column for column in header if column not in COLUMNS]
    repeated = sorted({column for column in header if header.count(column) > 1})
    if missing:
        problems.append(
            ngettext("missing column: %(columns)s", "missing columns: %(columns)s", len(missing))
            % {"columns": ", ".join(missing)}
        )
    if unknown:
        problems.append(
            ngettext("unknown column: %(columns)s", "unknown columns: %(columns)s", len(unknown))
            % {"columns": ", ".join(unknown)}
        )
    if repeated:
        problems.append(gettext("repeated column: %(columns)s") % {"columns": ", ".join(repeated)})
    if not problems:
        return
    hint = ""
    if len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
        hint = " " + gettext("The values seem to be separated by something other than commas.")
    raise ImportFileError(
        [
            RowError(
                line,
                "",
                gettext("The header row is wrong (%(problems)s). It must be: %(expected)s.")
                % {"problems": "; ".join(problems), "expected": expected}
                + hint,
            )
        ]
    )


# --- Validating one row ---------------------------------------------------------------


@dataclass
class RowValues:
    """A row's cells as typed values; ``None`` means the cell was empty."""

    line: int
    values: dict[str, Any]

    def get(self, name: str) -> Any:
        return self.values.get(name)


def _parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    # Spreadsheets set to U.S. conventions rewrite ISO dates as month/day/year.
    return dt.datetime.strptime(text, "%m/%d/%Y").date()


def _typed(row: SourceRow) -> tuple[RowValues, list[RowError]]:
    errors: list[RowError] = []
    values: dict[str, Any] = {}

    def fail(column: str, message: str) -> None:
        errors.append(RowError(row.line, column, message))

    for column in COLUMNS:
        text = row.cells.get(column, "")
        if not text:
            values[column] = None
            continue
        if column == "kind":
            kind = _KINDS.get(text.casefold())
            if kind is None:
                fail(
                    column,
                    gettext("unknown kind “%(text)s”; use one of: %(kinds)s.")
                    % {"text": text, "kinds": ", ".join(Jurisdiction.Kind.values)},
                )
            values[column] = kind
        elif column == "state":
            code = text.upper()
            if code not in STATES:
                fail(
                    column,
                    gettext(
                        "unknown state “%(text)s”; use a two-letter USPS code such as VA or DC."
                    )
                    % {"text": text},
                )
            values[column] = code
        elif column == "fips":
            values[column] = text
            if not (text.isascii() and text.isdigit() and len(text) in (2, 5, 7)):
                hint = ""
                padded = text.zfill(len(text) + 1)
                state = values.get("state")
                # Only when the padded code is one of the row's state (06075 for CA).
                plausible = state not in STATES or padded.startswith(STATES[state][1])
                if text.isascii() and text.isdigit() and len(text) in (1, 4, 6) and plausible:
                    hint = " " + gettext(
                        "It looks like a spreadsheet dropped a leading zero: "
                        "did you mean %(padded)s? Format the column as text."
                    ) % {"padded": padded}
                fail(
                    column,
                    gettext(
                        "malformed FIPS code “%(text)s”: a FIPS code is 2 digits (state), "
                        "5 digits (county) or 7 digits (place)."
                    )
                    % {"text": text}
                    + hint,
                )
        elif column == "deployment_status":
            status = _STATUSES.get(text.casefold())
            if status is None:
                fail(
                    column,
                    gettext("unknown deployment status “%(text)s”; use one of: %(statuses)s.")
                    % {"text": text, "statuses": ", ".join(Jurisdiction.Deployment.values)},
                )
            values[column] = status
        elif column == "activation_date":
            try:
                values[column] = _parse_date(text)
            except ValueError:
                values[column] = None
                fail(
                    column,
                    gettext("invalid date “%(text)s”; write it as YYYY-MM-DD, e.g. 2010-09-07.")
                    % {"text": text},
                )
        else:
            values[column] = text
    return RowValues(row.line, values), errors


# --- Planning ---------------------------------------------------------------------------


def _label(name: str) -> str:
    return str(getattr(Jurisdiction._meta.get_field(name), "verbose_name", name))


def _key(name: str, state: str) -> tuple[str, str]:
    return (name.casefold(), state)


class _Index:
    """Every existing jurisdiction, looked up by FIPS, OCD id, and name and state."""

    def __init__(self, jurisdictions: list[Jurisdiction]) -> None:
        self.all = jurisdictions
        self.by_fips = {j.fips: j for j in jurisdictions if j.fips}
        self.by_ocd = {j.ocd_id: j for j in jurisdictions if j.ocd_id}
        self.by_name = {_key(j.name, j.state): j for j in jurisdictions}
        self.references = {j.reference for j in jurisdictions}

    def match(self, row: RowValues) -> tuple[Jurisdiction | None, str]:
        fips, ocd_id, name, state = (row.get(c) for c in ("fips", "ocd_id", "name", "state"))
        if fips and fips in self.by_fips:
            return self.by_fips[fips], "FIPS"
        if ocd_id and ocd_id in self.by_ocd:
            return self.by_ocd[ocd_id], "OCD id"
        if name and state and _key(name, state) in self.by_name:
            return self.by_name[_key(name, state)], "name and state"
        return None, ""


def _duplicates_in_file(rows: list[RowValues]) -> list[RowError]:
    errors: list[RowError] = []
    seen: dict[tuple[str, Any], int] = {}
    for row in rows:
        keys: list[tuple[str, str, Any]] = [
            ("fips", f"FIPS {row.get('fips')}", row.get("fips")),
            ("ocd_id", f"OCD id {row.get('ocd_id')}", row.get("ocd_id")),
        ]
        if row.get("name") and row.get("state"):
            keys.append(
                (
                    "name",
                    f"{row.get('name')}, {row.get('state')}",
                    _key(row.get("name"), row.get("state")),
                )
            )
        for column, shown, value in keys:
            if value is None:
                continue
            first = seen.setdefault((column, value), row.line)
            if first != row.line:
                errors.append(
                    RowError(
                        row.line, column, f"duplicate in the file: {shown} is also on line {first}."
                    )
                )
    return errors


_COMPARED = (
    "name",
    "kind",
    "state",
    "fips",
    "ocd_id",
    "deployment_status",
    "activation_date",
    "notes",
)


def _plan_row(
    row: RowValues, index: _Index, claimed: dict[int, int], rename: bool
) -> tuple[PlannedRow | None, list[RowError]]:
    existing, matched_by = index.match(row)
    if existing is None:
        missing = [c for c in ("name", "kind", "state") if row.get(c) is None]
        if missing:
            return None, [
                RowError(
                    row.line, c, f"{c} is required to create a new jurisdiction (no match found)."
                )
                for c in missing
            ]
        created = Jurisdiction(
            name=row.get("name"),
            kind=row.get("kind"),
            state=row.get("state"),
            fips=row.get("fips"),
            ocd_id=row.get("ocd_id"),
            deployment_status=row.get("deployment_status") or Jurisdiction.Deployment.UNKNOWN,
            activation_date=row.get("activation_date"),
            notes=row.get("notes") or "",
        )
        return PlannedRow(row.line, "create", created), []

    assert existing.pk is not None
    first = claimed.setdefault(existing.pk, row.line)
    if first != row.line:
        return None, [
            RowError(
                row.line,
                "",
                f"matches {existing} by {matched_by}, which line {first} already matches.",
            )
        ]
    updated = Jurisdiction(
        **{f.attname: getattr(existing, f.attname) for f in Jurisdiction._meta.concrete_fields}
    )
    updated._state.adding = False
    updated._state.db = existing._state.db
    changes: list[Change] = []
    kept: list[Change] = []
    for column in _COMPARED:
        new = row.get(column)
        old = getattr(existing, column)
        if new is None or new == old:
            continue
        change = Change(column, _label(column), old, new)
        if column in IDENTITY_FIELDS and not rename:
            kept.append(change)
            continue
        setattr(updated, column, new)
        changes.append(change)
    action: Action = "update" if changes else "unchanged"
    return (
        PlannedRow(row.line, action, updated, matched_by, changes, kept, existing.version),
        [],
    )


def _validate(planned: PlannedRow) -> list[RowError]:
    try:
        # Uniqueness is checked for the whole file at once below, without a query per row.
        planned.jurisdiction.full_clean(
            exclude=["reference"], validate_unique=False, validate_constraints=False
        )
    except ValidationError as error:
        return [
            RowError(planned.line, "" if column == "__all__" else column, " ".join(messages))
            for column, messages in error.message_dict.items()
        ]
    return []


def _uniqueness(planned: list[PlannedRow], index: _Index) -> list[RowError]:
    """The unique constraints, checked against the state after the import."""
    final: dict[Any, Jurisdiction] = {j.pk: j for j in index.all}
    line_of: dict[Any, int] = {}
    for row in planned:
        ident = row.jurisdiction.pk if row.jurisdiction.pk is not None else f"line-{row.line}"
        final[ident] = row.jurisdiction
        line_of[ident] = row.line
    owners: dict[tuple[str, Any], list[Any]] = defaultdict(list)
    for ident, j in final.items():
        if j.fips:
            owners[("fips", j.fips)].append(ident)
        if j.ocd_id:
            owners[("ocd_id", j.ocd_id)].append(ident)
        owners[("name", (j.name, j.state))].append(ident)
    errors: list[RowError] = []
    for (column, value), idents in owners.items():
        if len(idents) < 2:
            continue
        for ident in idents:
            if ident not in line_of:
                continue
            others = [o for o in idents if o != ident]
            described = ", ".join(
                gettext("line %(line)s") % {"line": line_of[o]}
                if o in line_of
                else gettext("%(jurisdiction)s (already in the tracker)")
                % {"jurisdiction": final[o]}
                for o in others
            )
            if column == "fips":
                shown = gettext("FIPS %(value)s") % {"value": value}
            elif column == "ocd_id":
                shown = gettext("OCD id %(value)s") % {"value": value}
            else:
                shown = gettext("the name %(name)s in %(state)s") % {
                    "name": value[0],
                    "state": value[1],
                }
            errors.append(
                RowError(
                    line_of[ident],
                    column,
                    gettext("%(value)s is also used by %(others)s.")
                    % {"value": shown, "others": described},
                )
            )
    return errors


def plan_import(
    data: bytes, *, rename: bool = False, queryset: QuerySet[Jurisdiction] | None = None
) -> ImportPlan:
    """Parse, validate and match every row; write nothing.

    Reads the jurisdictions in one query whatever the file's size. Raises
    :class:`ImportFileError` when the file as a whole is unusable; problems of
    single rows are in ``plan.errors``, all of them, each with its line.
    """
    source, errors = read_csv(data)
    typed: list[RowValues] = []
    bad_lines: set[int] = {error.line for error in errors}
    for source_row in source:
        values, row_errors = _typed(source_row)
        errors.extend(row_errors)
        if row_errors:
            bad_lines.add(source_row.line)
        typed.append(values)
    duplicate_errors = _duplicates_in_file(typed)
    errors.extend(duplicate_errors)
    bad_lines |= {error.line for error in duplicate_errors}

    index = _Index(list(queryset if queryset is not None else Jurisdiction.objects.all()))
    claimed: dict[int, int] = {}
    planned: list[PlannedRow] = []
    for values in typed:
        if values.line in bad_lines:
            continue
        planned_row, row_errors = _plan_row(values, index, claimed, rename)
        if planned_row is not None:
            row_errors = _validate(planned_row)
        if row_errors or planned_row is None:
            errors.extend(row_errors)
            continue
        planned.append(planned_row)
    errors.extend(_uniqueness(planned, index))
    errors.sort(key=lambda error: error.line)
    if errors:
        bad = {error.line for error in errors}
        planned = [row for row in planned if row.line not in bad]
    for row in planned:
        if row.action == "create":
            row.jurisdiction.reference = _unique_reference(row.jurisdiction, index.references)
    return ImportPlan(rows=planned, errors=errors, rename=rename)


def _unique_reference(jurisdiction: Jurisdiction, taken: set[str]) -> str:
    base = jurisdiction.default_reference()
    reference, n = base, 1
    while reference in taken:
        n += 1
        suffix = f"-{n}"
        reference = base[: 80 - len(suffix)] + suffix
    taken.add(reference)
    return reference


# --- Writing ------------------------------------------------------------------------------


def _user(by: Any) -> Any:
    return by if by is not None and getattr(by, "is_authenticated", False) else None


def apply_plan(plan: ImportPlan, *, by: Any = None, reason: str = "CSV import") -> ImportPlan:
    """Write a valid plan: bulk inserts and updates, with a history row for each change.

    Refuses (writing nothing) when the plan has errors, or when a row it would
    update was saved by someone else after the plan read it.
    """
    if not plan.ok:
        raise ImportRefused(f"{len(plan.errors)} invalid row(s); nothing was written.", plan.errors)
    user = _user(by)
    with transaction.atomic():
        updates = plan.updates
        if updates:
            current = dict(
                Jurisdiction.objects.select_for_update()
                .filter(pk__in=[row.jurisdiction.pk for row in updates])
                .values_list("pk", "version")
            )
            stale = [row for row in updates if current.get(row.jurisdiction.pk) != row.read_version]
            if stale:
                raise ImportRefused(
                    gettext(
                        "Some jurisdictions were changed by someone else after the file was "
                        "checked; nothing was written. Check the file again."
                    ),
                    [
                        RowError(
                            row.line,
                            "",
                            gettext("%(jurisdiction)s was changed in the meantime.")
                            % {"jurisdiction": row.jurisdiction},
                        )
                        for row in stale
                    ],
                )
            _write_updates(updates, user=user, reason=reason)
        creates = [row.jurisdiction for row in plan.creates]
        if creates:
            bulk_create_with_history(
                creates,
                Jurisdiction,
                batch_size=BATCH_SIZE,
                default_user=user,
                default_change_reason=reason,
            )
    return plan


def _write_updates(updates: list[PlannedRow], *, user: Any, reason: str) -> None:
    """Save the updated rows and one history row each.

    A refresh usually gives many jurisdictions the same new values (a status,
    a date), so rows with the same changes are saved with one UPDATE per group
    of up to :data:`BATCH_SIZE`; Django's ``bulk_update`` builds a CASE branch
    per row and field, which is several times slower for thousands of rows. A
    file where nearly every row changes differently falls back to it.
    """
    now = timezone.now()
    for row in updates:
        row.jurisdiction.version = (row.read_version or 0) + 1
        row.jurisdiction.updated_at = now
    objs = [row.jurisdiction for row in updates]
    groups: dict[tuple[tuple[str, Any], ...], list[Any]] = defaultdict(list)
    for row in updates:
        groups[tuple((c.field, c.new) for c in row.changes)].append(row.jurisdiction.pk)
    if len(groups) > MAX_CHANGE_SETS:
        fields = sorted({c.field for row in updates for c in row.changes})
        bulk_update_with_history(
            objs,
            Jurisdiction,
            [*fields, "version", "updated_at"],
            batch_size=BATCH_SIZE,
            default_user=user,
            default_change_reason=reason,
        )
        return
    for changes, pks in groups.items():
        for start in range(0, len(pks), BATCH_SIZE):
            Jurisdiction.objects.filter(pk__in=pks[start : start + BATCH_SIZE]).update(
                **dict(changes), version=F("version") + 1, updated_at=now
            )
    Jurisdiction.history.bulk_history_create(
        objs, batch_size=BATCH_SIZE, update=True, default_user=user, default_change_reason=reason
    )


def import_csv(
    data: bytes,
    *,
    by: Any = None,
    dry_run: bool = False,
    rename: bool = False,
    reason: str = "CSV import",
    expected_fingerprint: str | None = None,
) -> ImportPlan:
    """Plan and, unless ``dry_run``, apply the file in one transaction.

    With ``expected_fingerprint`` (from a preview the person confirmed), refuses
    when the plan made now differs from the one they saw.
    """
    if dry_run:
        return plan_import(data, rename=rename)
    with transaction.atomic():
        # Lock every jurisdiction while planning, so no edit slips in between the
        # plan and the write (PostgreSQL; SQLite already holds its write lock).
        plan = plan_import(data, rename=rename, queryset=Jurisdiction.objects.select_for_update())
        if not plan.ok:
            return plan
        if expected_fingerprint is not None and plan.fingerprint() != expected_fingerprint:
            raise ImportRefused(
                gettext(
                    "The jurisdictions changed since this file was checked, so the changes "
                    "would differ from the preview. Nothing was written; check the file again."
                )
            )
        return apply_plan(plan, by=by, reason=reason)


# --- Export -----------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def export_rows(queryset: QuerySet[Jurisdiction] | None = None) -> Iterator[list[str]]:
    """The rows of the file (without the header), in :data:`COLUMNS` order."""
    queryset = Jurisdiction.objects.all() if queryset is None else queryset
    for values in queryset.order_by("state", "name").values_list(*COLUMNS).iterator(2000):
        yield [escape_formula(_cell(value)) for value in values]


def write_csv(queryset: QuerySet[Jurisdiction] | None, file: IO[str]) -> int:
    """Write the header and every row to ``file``; returns the number of rows."""
    writer = csv.writer(file, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    for row in export_rows(queryset):
        writer.writerow(row)
        count += 1
    return count
