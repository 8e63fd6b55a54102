"""Reads of who is who: the one place a read rule about jurisdictions and agencies lives.

The tracker's surfaces call these (the choice lists of the staff forms and filters,
the API's agency filters and its contradictions filter); ``jurisdictions`` never
asks the tracker anything.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

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


#: The most agencies a picker offers at once (a short list, or the matches of a search).
PICKER_LIMIT = 60
#: The most matches an agency search adds to a picker.
AGENCY_SEARCH_LIMIT = 25


def agencies_serving(
    jurisdiction: Jurisdiction, *, also: Iterable[int] = (), limit: int = PICKER_LIMIT
) -> list[Agency]:
    """The agencies a jurisdiction's case writes to or hears from first, by name: the
    agencies ``also`` names (those already in the case), the jurisdiction's own, its
    state's State Identification Bureau, and ICE's Secure Communities program office
    with the agencies above it. At most ``limit``, the case's own kept first."""
    program_office = Agency.objects.filter(kind=Agency.Kind.PROGRAM_OFFICE)
    above_it = Agency.objects.filter(pk__in=program_office.values("parent")).values("parent")
    rank = Case(
        When(pk__in=list(also), then=Value(0)),
        When(jurisdiction=jurisdiction, then=Value(1)),
        When(kind=Agency.Kind.SIB, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    rows = list(
        Agency.objects.filter(
            Q(pk__in=list(also))
            | Q(jurisdiction=jurisdiction)
            | Q(kind=Agency.Kind.SIB, state=jurisdiction.state)
            | Q(pk__in=program_office.values("pk"))
            | Q(pk__in=program_office.values("parent"))
            | Q(pk__in=above_it)
        )
        .annotate(rank=rank)
        .order_by("rank", "name", "pk")[:limit]
    )
    return sorted(rows, key=lambda agency: (agency.name, agency.pk))


def is_notice_recipient(agency: Agency, jurisdiction: Jurisdiction) -> bool:
    """Whether a notice to opt out goes to ``agency``: ICE's Secure Communities program
    office, or the State Identification Bureau of the jurisdiction's state (the
    documented pair every request writes to first)."""
    return agency.kind == Agency.Kind.PROGRAM_OFFICE or (
        agency.kind == Agency.Kind.SIB and agency.state == jurisdiction.state
    )


def notice_recipients(
    jurisdiction: Jurisdiction, *, among: Iterable[Agency] | None = None
) -> list[Agency]:
    """ICE's program office and the state's SIB, program office first: picked from
    ``among`` (a picker's short list from :func:`agencies_serving`, so no query) or,
    without it, from the agencies serving ``jurisdiction`` (one query)."""
    rows = agencies_serving(jurisdiction) if among is None else among
    pair = [agency for agency in rows if is_notice_recipient(agency, jurisdiction)]
    return sorted(pair, key=lambda a: (a.kind != Agency.Kind.PROGRAM_OFFICE, a.name, a.pk))


def agencies_matching(text: str, *, limit: int = AGENCY_SEARCH_LIMIT) -> list[Agency]:
    """Agencies whose name contains ``text`` or whose abbreviation is ``text``, by name."""
    text = text.strip()
    if not text:
        return []
    return list(
        Agency.objects.filter(Q(name__icontains=text) | Q(abbreviation__iexact=text)).order_by(
            "name", "pk"
        )[:limit]
    )


def agencies_above_local(*, limit: int = PICKER_LIMIT) -> list[Agency]:
    """The agencies that are not a county's or a city's own (federal, state and
    non-governmental ones), by name: the usual speakers of statements on opting out."""
    return list(Agency.objects.exclude(level=Agency.Level.LOCAL).order_by("name", "pk")[:limit])


def jurisdictions_in(state: str) -> list[Jurisdiction]:
    """A state's jurisdictions as choice lists offer them, by name (at most a few hundred)."""
    return list(jurisdiction_choices().filter(state=state))
