"""Create and update jurisdictions from a CSV file (format: docs/import.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jurisdictions.data.counties import DATASET
from jurisdictions.domain.importer import ImportFileError, ImportPlan, ImportRefused, import_csv


class Command(BaseCommand):
    help = (
        "Import jurisdictions from CSV: rows match existing jurisdictions by FIPS, then OCD "
        "id, then name and state; matches are updated, the rest created. Any invalid row "
        "means nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", type=Path, help="The CSV file to import.")
        parser.add_argument(
            "--national",
            action="store_true",
            help=f"Import the shipped list of every U.S. county ({DATASET.name}).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Report what would be created, updated and left unchanged; write nothing.",
        )
        parser.add_argument(
            "--rename",
            action="store_true",
            help="Also change the name and kind of matched jurisdictions to the file's.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path | None = options["file"]
        if options["national"]:
            if path is not None:
                raise CommandError("Give either a file or --national, not both.")
            path = DATASET
        if path is None:
            raise CommandError("Name the CSV file to import (or use --national).")
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
        dry_run = options["dry_run"]
        try:
            plan = import_csv(
                data, dry_run=dry_run, rename=options["rename"], reason=f"Imported from {path.name}"
            )
        except ImportFileError as error:
            self._errors(path, error.errors)
            raise CommandError(f"{path} cannot be imported; nothing was written.") from None
        except ImportRefused as error:
            self._errors(path, error.errors)
            raise CommandError(error.message) from None
        if not plan.ok:
            self._errors(path, plan.errors)
            raise CommandError(
                f"{len({e.line for e in plan.errors})} invalid row(s) in {path}; "
                "nothing was written."
            )
        self._report(plan, dry_run=dry_run, verbosity=options["verbosity"])

    def _errors(self, path: Path, errors: list[Any]) -> None:
        for error in errors:
            self.stderr.write(f"{path}: {error}")

    def _report(self, plan: ImportPlan, *, dry_run: bool, verbosity: int) -> None:
        detailed = dry_run or verbosity >= 2
        if detailed:
            for row in plan.creates:
                j = row.jurisdiction
                self.stdout.write(f"line {row.line}: create {j} (FIPS {j.fips or '—'})")
            for row in plan.updates:
                changes = "; ".join(
                    f"{c.label}: {c.old or '(empty)'} → {c.new}" for c in row.changes
                )
                self.stdout.write(
                    f"line {row.line}: update {row.jurisdiction} (matched by {row.matched_by}): "
                    f"{changes}"
                )
        if verbosity >= 1:
            kept = [row for row in plan.rows if row.kept]
            if kept:
                self.stdout.write(
                    f"{len(kept)} matched row(s) have another name or kind in the file; the "
                    "tracker's were kept (use --rename to change them)."
                )
            self.stdout.write(plan.summary(done=not dry_run))
