"""Restore an archive written by `backup` into an empty database and media folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.backups import ArchiveError, describe, restore_archive


class Command(BaseCommand):
    help = (
        "Restore a `backup` archive into an empty database (SQLite or PostgreSQL, "
        "whichever wrote it) and media folder, then migrate to this version. All or "
        "nothing: on any error the database and media folder are left as they were. "
        "See docs/data-safety.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="the zip file written by `backup`")

    def handle(self, *args: Any, archive: Path, **options: Any) -> None:
        try:
            manifest = restore_archive(source=archive)
        except ArchiveError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Restored {archive} (written {manifest.written_at} on {manifest.database}): "
            f"{describe(manifest)}."
        )
