"""Write every jurisdiction in the import format, to a file or to standard output."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jurisdictions.domain.importer import write_csv


class Command(BaseCommand):
    help = "Export jurisdictions as CSV in the format import_jurisdictions reads."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", nargs="?", type=Path, help="Where to write; standard output when omitted."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path | None = options["file"]
        if path is None:
            write_csv(None, self.stdout)  # type: ignore[arg-type]
            return
        try:
            with path.open("w", encoding="utf-8", newline="") as file:
                count = write_csv(None, file)
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error.strerror}.") from None
        self.stderr.write(f"Wrote {count} jurisdictions to {path}.")
