"""Rebuild jurisdictions/data/us_county_shapes.json.gz from the us-atlas TopoJSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jurisdictions.data.shapes import SHAPES, ShapesError, build, write


class Command(BaseCommand):
    help = (
        "Write the county shapes the maps draw, from the us-atlas package "
        "(npm pack us-atlas@3; see jurisdictions/data/shapes.py)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--atlas",
            type=Path,
            required=True,
            help="The unpacked us-atlas package folder (with counties-albers-10m.json).",
        )
        parser.add_argument(
            "--output", type=Path, default=SHAPES, help=f"Where to write (default {SHAPES})."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = build(options["atlas"])
        except ShapesError as error:
            raise CommandError(str(error)) from None
        size = write(data, options["output"])
        self.stdout.write(
            f"Wrote {len(data['counties'])} counties and {len(data['states'])} states "
            f"to {options['output']} ({size // 1024} KiB)."
        )
