"""Store again, for every request, its workflow facts and the dates of its flags."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tracker.domain import services


class Command(BaseCommand):
    help = (
        "Work out again, from the letters, replies, meetings and status moves logged, each "
        "request's workflow facts (a letter sent, ICE and the SIB notified, a reply, a "
        "meeting held...) and the dates its flags are read from (next reply due, waiting "
        "since), after records were loaded without the tracker (loaddata, a restore, a bulk "
        "insert). Editing through the tracker keeps them true."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        changed = services.requests_recompute_facts()
        self.stdout.write(f"Recomputed the requests' facts: {changed} request(s) changed.")
