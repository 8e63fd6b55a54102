"""Write a complete archive of this installation: records, history, accounts, attachments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.backups import ArchiveError, describe, write_archive


class Command(BaseCommand):
    help = (
        "Write every record with its history, the user accounts, groups and API tokens, "
        "and every attachment file into one zip archive. Restore it with `restore`. "
        "See docs/data-safety.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="the zip file to write (replaced)")

    def handle(self, *args: Any, archive: Path, **options: Any) -> None:
        try:
            manifest = write_archive(destination=archive)
        except ArchiveError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Wrote {archive}: {describe(manifest)}.")
        if manifest.missing_attachments:
            self.stderr.write(
                "Some attachments named by records are not in the media folder: the archive "
                "holds the records without those files."
            )
