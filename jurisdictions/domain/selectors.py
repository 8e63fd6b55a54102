"""Reads of who is who: the one place a read rule about jurisdictions and agencies lives.

The tracker's surfaces call these (the choice lists of the staff forms and filters,
the API's agency filters and its contradictions filter); ``jurisdictions`` never
asks the tracker anything.
"""

from __future__ import annotations

from django.db.models import QuerySet

from jurisdictions.models import Agency, Jurisdiction


def agency_choices() -> QuerySet[Agency]:
    """Agencies as every choice list offers them: by name."""
    return Agency.objects.order_by("name")


def jurisdiction_choices() -> QuerySet[Jurisdiction]:
    """Jurisdictions as every choice list offers them: by state, then name."""
    return Jurisdiction.objects.order_by("state", "name")


def agency_and_parts(agency: Agency) -> list[int]:
    """The ids of ``agency`` and every agency below it (one query per level of the tree):
    ICE and its program office for ICE, all of DHS for DHS."""
    found = [agency.pk]
    level = [agency.pk]
    while level:
        level = [
            pk
            for pk in Agency.objects.filter(parent__in=level).values_list("pk", flat=True)
            if pk not in found
        ]
        found.extend(level)
    return found
