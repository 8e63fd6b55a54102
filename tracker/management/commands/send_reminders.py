"""Email each owner a digest of their overdue letters; safe to run from cron any number of times."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracker.domain.reminders import send_reminders


class Command(BaseCommand):
    help = (
        "Email each request owner one digest of their overdue letters. A letter is "
        "mentioned at most once a day, however often this runs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date",
            help="Act as if today were this day (YYYY-MM-DD); defaults to today.",
        )
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            help="Write the emails in this language (default: the site's, LANGUAGE_CODE).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["date"]:
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(
                    f"--date {options['date']!r} is not a date: use YYYY-MM-DD."
                ) from None
        run = send_reminders(today, language=options["language"])
        for line in run.summary_lines():
            self.stdout.write(line)
