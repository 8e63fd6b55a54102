"""Read the text of stored attachments, so the staff search finds the words in them."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tracker.domain import services


class Command(BaseCommand):
    help = (
        "Read the text of every letter's, reply's and statement's PDF or text file that "
        "has none kept yet (files uploaded before the search read them), so the staff "
        "search finds the words in them. Safe to run again; --again re-reads every file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--again", action="store_true", help="re-read every file, not only those without text"
        )

    def handle(self, *args: Any, again: bool = False, **options: Any) -> None:
        done = services.attachments_extract_text(again=again)
        self.stdout.write(
            "Text read from "
            + ", ".join(f"{count} {kind} file(s)" for kind, count in done.items())
            + "."
        )
