"""Store again, for every letter, whether it still awaits a reply."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tracker.domain import services


class Command(BaseCommand):
    help = (
        "Work out again, from the responses and reply letters logged, which sent letters "
        "still await a reply, after letters or replies were loaded without the tracker "
        "(loaddata, a restore, a bulk insert). Editing through the tracker keeps it true."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        changed = services.letters_recompute_awaiting()
        self.stdout.write(f"Recomputed awaiting a reply: {changed} letter(s) changed.")
        # A request's flags (a letter awaiting a reply, overdue) follow its letters'.
        requests = services.requests_recompute_facts()
        self.stdout.write(f"Recomputed the requests' facts: {requests} request(s) changed.")
