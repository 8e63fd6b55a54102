"""Changelist filters over jurisdictions and agencies: a box to type a name into.

There are thousands of each at national scale, so a list of links (Django's filter
over a relation) would be unbounded; these filter by what the editor types.
"""

from __future__ import annotations

from django.db.models import Q

from core.admin import TypedFilter
from jurisdictions.models import Agency, Jurisdiction


class JurisdictionFilter(TypedFilter):
    """Rows of a jurisdiction named ``text`` (the start of its name, any case), or with
    that FIPS code or reference."""

    title = "jurisdiction"
    parameter_name = "jurisdiction"
    help_text = "Start of the name (“Arlington”, “Arlington County, VA”), or the FIPS code."
    #: The path from the listed model to its jurisdiction ("" for jurisdictions).
    path = "jurisdiction"

    def condition(self, text: str) -> Q:
        match = Q(name__istartswith=text) | Q(fips=text) | Q(reference=text)
        # "Arlington County, VA", as jurisdictions are written everywhere else.
        name, comma, state = text.rpartition(",")
        if comma and len(state.strip()) == 2:
            match |= Q(name__istartswith=name.strip(), state__iexact=state.strip())
        matching = Jurisdiction.objects.filter(match)
        return Q(**{f"{self.path}__in": matching.values("pk")})


class AgencyFilter(TypedFilter):
    """Rows of an agency named ``text`` (the start of its name, any case), or with that
    abbreviation ("ICE") or reference."""

    title = "agency"
    parameter_name = "agency"
    help_text = "Start of the name, or the abbreviation."
    #: The path from the listed model to the agency.
    path = "agency"

    def condition(self, text: str) -> Q:
        matching = Agency.objects.filter(
            Q(name__istartswith=text) | Q(abbreviation__iexact=text) | Q(reference=text)
        )
        return Q(**{f"{self.path}__in": matching.values("pk")})


def jurisdiction_filter(path: str, *, title: str = "jurisdiction") -> type[JurisdictionFilter]:
    """A :class:`JurisdictionFilter` over the jurisdiction at ``path``."""
    return type("JurisdictionFilter", (JurisdictionFilter,), {"path": path, "title": title})


def agency_filter(
    path: str, *, title: str = "agency", parameter_name: str = "agency"
) -> type[AgencyFilter]:
    """An :class:`AgencyFilter` over the agency at ``path``."""
    return type(
        "AgencyFilter",
        (AgencyFilter,),
        {"path": path, "title": title, "parameter_name": parameter_name},
    )
