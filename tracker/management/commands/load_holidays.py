"""Load a holiday list, so business-day reply windows skip those days."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracker.domain import services
from tracker.domain.deadlines import (
    HolidayEntry,
    HolidayFileError,
    parse_holiday_lines,
    us_federal_holidays,
)


class Command(BaseCommand):
    help = (
        "Add holidays from FILE (one 'YYYY-MM-DD Name' a line; blank lines and # comments "
        "are skipped) and/or the US federal holidays of --us-federal YEAR ..., then "
        "recompute due dates. A bad line stops the load with its line number and writes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="A text file of holidays ('-' for stdin).")
        parser.add_argument(
            "--us-federal",
            nargs="+",
            type=int,
            default=[],
            metavar="YEAR",
            help="Also add the US federal holidays (and observed days) of these years.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        entries: list[HolidayEntry] = []
        if not options["file"] and not options["us_federal"]:
            raise CommandError("Give a holiday file, --us-federal YEAR ..., or both.")
        if options["file"]:
            entries += self._read(options["file"])
        for year in options["us_federal"]:
            if not 1900 <= year <= 2200:
                raise CommandError(f"--us-federal {year}: give a year between 1900 and 2200.")
        listed = {entry.date for entry in entries}
        entries += [e for e in us_federal_holidays(options["us_federal"]) if e.date not in listed]
        try:
            added, renamed = services.holidays_load(entries=entries, by=None)
        except ValidationError as error:
            raise CommandError(f"Nothing was loaded: {'; '.join(error.messages)}") from None
        self.stdout.write(
            f"Holidays: {added} added, {renamed} renamed, "
            f"{len(entries) - added - renamed} already listed. Due dates recomputed."
        )

    def _read(self, name: str) -> list[HolidayEntry]:
        import sys

        try:
            if name == "-":
                lines = sys.stdin.read().splitlines()
            else:
                lines = Path(name).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {name}: {error}") from None
        try:
            return parse_holiday_lines(lines)
        except HolidayFileError as error:
            raise CommandError(f"{name}, {error} Nothing was loaded.") from None
