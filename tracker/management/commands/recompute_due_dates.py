"""Recompute every letter's stored due dates from today's reply windows and holiday list."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tracker.domain import services


class Command(BaseCommand):
    help = (
        "Recompute the reply due date and the 'very overdue' date of every sent letter, "
        "after reply windows, the default window settings or the holiday list changed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        changed = services.letters_recompute_due_dates()
        self.stdout.write(f"Recomputed due dates: {changed} letter(s) changed.")
