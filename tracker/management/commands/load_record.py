"""Load the 2010 record into a database that does not have it yet."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from jurisdictions.models import Jurisdiction
from tracker.domain import services

FIXTURES = ("jurisdictions", "secure_communities_2010")
#: A record every copy of the 2010 fixtures contains.
MARKER = "ca-san-francisco"


class Command(BaseCommand):
    help = (
        "Load the 2010 record (fixtures jurisdictions and secure_communities_2010) unless "
        "it is already there, and give every record its first history version. Unlike "
        "loaddata, running it again never overwrites edits made since."
    )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        if Jurisdiction.objects.filter(reference=MARKER).exists():
            self.stdout.write("The 2010 record is already loaded; nothing was changed.")
            return
        call_command("loaddata", *FIXTURES, verbosity=options["verbosity"])
        # loaddata bypasses the services: store which letters still await a reply.
        services.letters_recompute_awaiting()
        # loaddata bypasses the history; without a first version, the first
        # edit conflict could not say what changed.
        call_command("populate_history", auto=True, verbosity=0)
        self.stdout.write(self.style.SUCCESS("Loaded the 2010 record."))
