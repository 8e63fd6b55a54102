"""Rebuild jurisdictions/data/us_counties.csv from the Census county lists in addfips."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jurisdictions.data.counties import DATASET, DEFAULT_VINTAGE, VINTAGES, DatasetError, render


class Command(BaseCommand):
    help = (
        "Write every U.S. county and county-equivalent, with FIPS codes and Open Civic Data "
        "ids, in the import format (needs: pip install '.[data]')."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--vintage",
            type=int,
            choices=VINTAGES,
            default=DEFAULT_VINTAGE,
            help=f"Census county list to use (default {DEFAULT_VINTAGE}).",
        )
        parser.add_argument(
            "--output", type=Path, default=DATASET, help=f"Where to write (default {DATASET})."
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; fail when the file differs from what the build produces.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            text = render(options["vintage"])
        except DatasetError as error:
            raise CommandError(str(error)) from None
        output: Path = options["output"]
        rows = text.count("\n") - 1
        if options["check"]:
            current = output.read_text(encoding="utf-8") if output.exists() else ""
            if current != text:
                raise CommandError(
                    f"{output} is not what the build produces; run build_county_dataset."
                )
            self.stdout.write(f"{output} is up to date ({rows} jurisdictions).")
            return
        output.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {rows} jurisdictions to {output}.")
