"""Load the 2010 record into a database that does not have it yet."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q

from core.records import record_save
from jurisdictions.models import Jurisdiction
from tracker.domain import services

# The main record holds the seed documents it cites; what happened around the cases
# and the correspondence between Congress and the departments come after it, since
# they name its sources, statements and requests.
FIXTURES = (
    "jurisdictions",
    "secure_communities_2010",
    "secure_communities_2010_events",
    "secure_communities_2010_correspondence",
)
#: A record every copy of the 2010 fixtures contains.
MARKER = "ca-san-francisco"


def adopt_imported_jurisdictions() -> int:
    """Give the record's references to the same places imported before it.

    The national county list (``import_jurisdictions --national``) names San
    Francisco "San Francisco County" (reference ``ca-san-francisco-county``); the
    record calls it ``ca-san-francisco``. The two are one place, with one FIPS code:
    without this, loading the record after the list would add a second row and be
    refused by the unique FIPS code. Returns how many jurisdictions were renamed.
    """
    fixture = settings.FIXTURE_DIRS[0] / f"{FIXTURES[0]}.json"
    adopted = 0
    for item in json.loads(fixture.read_text()):
        if item["model"] != "jurisdictions.jurisdiction":
            continue
        fields = item["fields"]
        same_place = Q()
        if fields.get("fips"):
            same_place |= Q(fips=fields["fips"])
        if fields.get("ocd_id"):
            same_place |= Q(ocd_id=fields["ocd_id"])
        if not same_place:
            continue
        imported = (
            Jurisdiction.objects.filter(same_place).exclude(reference=fields["reference"]).first()
        )
        if imported is None or Jurisdiction.objects.filter(reference=fields["reference"]).exists():
            continue
        imported.reference = fields["reference"]
        record_save(imported, by=None)
        adopted += 1
    return adopted


class Command(BaseCommand):
    help = (
        "Load the 2010 record (fixtures jurisdictions, secure_communities_2010, its "
        "sources, events and correspondence) unless "
        "it is already there, and give every record its first history version. Unlike "
        "loaddata, running it again never overwrites edits made since. Jurisdictions "
        "imported before (the national county list) are matched by FIPS code or Open "
        "Civic Data id and updated, never added twice."
    )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        if Jurisdiction.objects.filter(reference=MARKER).exists():
            self.stdout.write("The 2010 record is already loaded; nothing was changed.")
            return
        adopt_imported_jurisdictions()
        call_command("loaddata", *FIXTURES, verbosity=options["verbosity"])
        # loaddata bypasses the services: store which letters still await a reply.
        services.letters_recompute_awaiting()
        # ... and each request's workflow facts and flag dates, which follow its letters.
        services.requests_recompute_facts()
        # loaddata bypasses the history; without a first version, the first
        # edit conflict could not say what changed.
        call_command("populate_history", auto=True, verbosity=0)
        self.stdout.write(self.style.SUCCESS("Loaded the 2010 record."))
