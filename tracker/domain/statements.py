"""Which public statements on opting out contradict each other.

The rule is data: :data:`CONFLICTS` says which positions cannot both be true.
Two statements form a :class:`Contradiction` when their positions conflict and
they come from the same agency, or one comes from an agency and the other from
one of its ancestors (the Secure Communities program office, ICE and DHS all
answer for ICE's program). Sibling agencies (ICE and another DHS component) and
unrelated ones (DHS and DOJ) do not speak for each other, so they are paired only
when both statements answer the same question: the same ``topic``. Assistant
Attorney General Weich (DOJ) wrote on 8 September 2010 that a locality may opt
out; Secretary Napolitano (DHS) said on 6 October that it may not. Both are on
"whether localities can opt out", so the record pairs them, as the press did,
labelled "DOJ (8 September 2010) vs DHS (6 October 2010)".

Dates known only to the month or year make the gap between two statements a
range: see :class:`DaysBetween`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import overload

from django.utils.translation import gettext, ngettext

from core.dates import PartialDate
from jurisdictions.models import Agency
from tracker.models import Statement

Position = Statement.Position

#: Positions that cannot both hold. Symmetric: a position conflicts with b
#: exactly when b conflicts with a.
#:
#: - possible / impossible: the plain reversal of 2010 (ICE's August memo and
#:   Napolitano's 7 September letter, then "not an opt in/opt out program").
#: - conditional / impossible: "you may opt out if you notify ICE and the SIB"
#:   still says opting out exists; "impossible" says it does not.
#: - possible / conditional is not a conflict: a condition narrows a
#:   possibility, it does not deny it.
#: - unclear conflicts with nothing: a question or an evasion (Rep. Lofgren's
#:   letter asks; it does not assert) cannot be held against anyone.
CONFLICTS: Mapping[str, frozenset[str]] = {
    Position.POSSIBLE: frozenset({Position.IMPOSSIBLE}),
    Position.CONDITIONAL: frozenset({Position.IMPOSSIBLE}),
    Position.IMPOSSIBLE: frozenset({Position.POSSIBLE, Position.CONDITIONAL}),
    Position.UNCLEAR: frozenset(),
}


def positions_conflict(a: str, b: str) -> bool:
    return b in CONFLICTS.get(a, frozenset())


def conflict_table_markdown() -> str:
    """:data:`CONFLICTS` as the Markdown table docs/public-record.md shows (a test compares)."""
    positions = [p.value for p in Position]
    lines = [
        "| | " + " | ".join(positions) + " |",
        "|---" * (len(positions) + 1) + "|",
    ]
    for row in positions:
        cells = ["conflict" if positions_conflict(row, col) else "" for col in positions]
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


@dataclass(frozen=True)
class DaysBetween:
    """The days from one statement to a later one, as a range when a date is partial.

    ``fewest`` counts from the latest possible day of the earlier statement to
    the earliest possible day of the later one (never below zero: periods that
    overlap may be the same day); ``most`` counts from the earliest possible day
    of the earlier to the latest possible day of the later. Two dates known to
    the day give ``fewest == most``. "August 2010" to 7 September 2010 is
    7 to 37 days.
    """

    fewest: int
    most: int

    @classmethod
    def between(cls, earlier: PartialDate, later: PartialDate) -> DaysBetween:
        fewest = max(0, (later.earliest - earlier.latest).days)
        most = max(fewest, (later.latest - earlier.earliest).days)
        return cls(fewest, most)

    @property
    def is_exact(self) -> bool:
        return self.fewest == self.most

    def display(self) -> str:
        if self.is_exact:
            if self.fewest == 0:
                return gettext("the same day")
            return ngettext("%(days)s day", "%(days)s days", self.fewest) % {"days": self.fewest}
        return gettext("%(fewest)s to %(most)s days") % {"fewest": self.fewest, "most": self.most}

    def __str__(self) -> str:
        return self.display()


@dataclass(frozen=True)
class Contradiction:
    """Two statements whose positions conflict, the earlier first."""

    earlier: Statement
    later: Statement
    #: How the two speakers are related: "the same agency (DHS)" or "ICE is part of DHS".
    relation: str
    #: None when either statement's date is unknown.
    days: DaysBetween | None
    #: False when the two dates overlap (a day inside a month given only as a
    #: month), so which was said first is not certain.
    order_certain: bool
    #: True for a pair of agencies that do not answer for each other (DOJ and DHS),
    #: paired because both statements are on the same topic.
    across_agencies: bool = False

    @property
    def label(self) -> str:
        """Who against whom, and when: "DOJ (8 September 2010) vs DHS (6 October 2010)"."""
        return gettext("%(earlier)s (%(earlier_date)s) vs %(later)s (%(later_date)s)") % {
            "earlier": _agency_label(self.earlier.agency),
            "earlier_date": _date_label(self.earlier),
            "later": _agency_label(self.later.agency),
            "later_date": _date_label(self.later),
        }

    @property
    def key(self) -> str:
        """A stable identifier for the pair, from the two statements' references."""
        return f"{self.earlier.reference}--{self.later.reference}"


def _sort_key(statement: Statement) -> tuple[int, dt.date, dt.date, int]:
    """Date order by the middle of each date's period; undated statements last.

    The middle, not the first day, so that "September 2010" (most likely mid
    month) sorts after 7 September rather than before it.
    """
    stated = statement.stated
    if stated is None:
        return (1, dt.date.max, dt.date.max, statement.pk or 0)
    middle = stated.earliest + (stated.latest - stated.earliest) / 2
    return (0, middle, stated.latest, statement.pk or 0)


def _load_lineages(statements: list[Statement]) -> dict[int, list[Agency]]:
    """Each statement agency's lineage (itself, parent, grandparent…), nearest first.

    One query per level of the agency tree (ICE's program office > ICE > DHS
    is two levels above the statement's agency), however many statements there
    are; the statements' own agencies come with them when the caller used
    ``select_related("agency")``.
    """
    known: dict[int, Agency] = {s.agency.pk: s.agency for s in statements}
    missing = {a.parent_id for a in known.values() if a.parent_id is not None} - known.keys()
    while missing:
        fetched = list(Agency.objects.filter(pk__in=missing))
        for agency in fetched:
            known[agency.pk] = agency
        missing = {
            a.parent_id for a in fetched if a.parent_id is not None and a.parent_id not in known
        }
    lineages: dict[int, list[Agency]] = {}
    for agency_id in {s.agency_id for s in statements}:
        chain: list[Agency] = []
        node: Agency | None = known[agency_id]
        while node is not None and node not in chain:
            chain.append(node)
            node = known.get(node.parent_id) if node.parent_id is not None else None
        lineages[agency_id] = chain
    return lineages


def _agency_label(agency: Agency) -> str:
    return agency.abbreviation or agency.name


def _date_label(statement: Statement) -> str:
    stated = statement.stated
    return stated.display() if stated else gettext("date unknown")


def _relation_across(statement: Statement) -> str:
    return gettext("different agencies on one topic: %(topic)s") % {
        "topic": str(statement.get_topic_display()).lower()
    }


def _relation(earlier: Agency, later: Agency, lineages: dict[int, list[Agency]]) -> str:
    if earlier.pk == later.pk:
        return gettext("the same agency (%(agency)s)") % {"agency": _agency_label(earlier)}
    if later in lineages[earlier.pk]:
        child, ancestor = earlier, later
    else:
        child, ancestor = later, earlier
    return gettext("%(part)s is part of %(whole)s") % {
        "part": _agency_label(child),
        "whole": _agency_label(ancestor),
    }


class Contradictions(Sequence[Contradiction]):
    """The pairs found among some statements, in date order, built as they are read.

    A large register pairs every "possible" of an agency family with every
    "impossible" of it; finding the pairs is cheap, describing each is not,
    so a page of 50 (``pairs[0:50]``) only describes those 50.
    """

    def __init__(
        self,
        items: list[Statement],
        pairs: list[tuple[int, int]],
        lineages: dict[int, list[Agency]],
        across: frozenset[tuple[int, int]] = frozenset(),
    ) -> None:
        self._items = items
        self._pairs = pairs
        self._lineages = lineages
        self._across = across
        self._dates = [statement.stated for statement in items]
        self._relations: dict[tuple[int, int], str] = {}

    def __len__(self) -> int:
        return len(self._pairs)

    @overload
    def __getitem__(self, index: int) -> Contradiction: ...

    @overload
    def __getitem__(self, index: slice) -> list[Contradiction]: ...

    def __getitem__(self, index: int | slice) -> Contradiction | list[Contradiction]:
        if isinstance(index, slice):
            return [self._build(pair) for pair in self._pairs[index]]
        return self._build(self._pairs[index])

    def _build(self, pair: tuple[int, int]) -> Contradiction:
        first, second = pair
        earlier, later = self._items[first], self._items[second]
        if pair in self._across:
            return _pair(
                earlier,
                later,
                self._dates[first],
                self._dates[second],
                _relation_across(earlier),
                across_agencies=True,
            )
        agencies = (earlier.agency_id, later.agency_id)
        if agencies not in self._relations:
            self._relations[agencies] = _relation(earlier.agency, later.agency, self._lineages)
        return _pair(
            earlier, later, self._dates[first], self._dates[second], self._relations[agencies]
        )

    def __repr__(self) -> str:
        return f"<Contradictions: {len(self)} pairs>"


def contradictions(statements: Iterable[Statement]) -> Contradictions:
    """Every pair of ``statements`` whose positions conflict, in date order.

    Pairs statements of the same agency, or of an agency and any of its
    ancestors; and statements of agencies outside each other's family (DOJ and
    DHS) when both have the same ``topic``. Pass a queryset with
    ``select_related("agency")`` (such as
    :func:`tracker.domain.selectors.published_statements`) to keep the queries to one
    for the statements plus one per level of the agency tree.
    """
    items = sorted(statements, key=_sort_key)
    if not items:
        return Contradictions([], [], {})
    lineages = _load_lineages(items)
    ranks_by_agency: dict[int, list[int]] = defaultdict(list)
    for rank, statement in enumerate(items):
        ranks_by_agency[statement.agency_id].append(rank)

    pairs: list[tuple[int, int]] = []
    for rank, statement in enumerate(items):
        conflicting = CONFLICTS.get(statement.position, frozenset())
        if not conflicting:
            continue
        # Looking only upwards (the statement's own agency and its ancestors)
        # finds each pair of different agencies once, from the lower agency's
        # side; a pair within one agency is taken from its earlier statement.
        for agency in lineages[statement.agency_id]:
            same_agency = agency.pk == statement.agency_id
            for other in ranks_by_agency.get(agency.pk, ()):
                if same_agency and other <= rank:
                    continue
                if items[other].position in conflicting:
                    pairs.append((rank, other) if rank < other else (other, rank))
    across = _pairs_across_agencies(items, lineages)
    pairs.extend(across)
    pairs.sort()
    return Contradictions(items, pairs, lineages, frozenset(across))


def _pairs_across_agencies(
    items: list[Statement], lineages: dict[int, list[Agency]]
) -> list[tuple[int, int]]:
    """Pairs of statements on the same topic by agencies of different families.

    Two agencies are of one family when either is the other or one of its ancestors;
    those pairs are found by agency, whatever their topic, so they are left out here.
    """
    ranks_by_topic: dict[str, list[int]] = defaultdict(list)
    for rank, statement in enumerate(items):
        if statement.topic:
            ranks_by_topic[statement.topic].append(rank)
    family: dict[int, set[int]] = {
        agency_id: {agency.pk for agency in chain} for agency_id, chain in lineages.items()
    }
    found: list[tuple[int, int]] = []
    for ranks in ranks_by_topic.values():
        for index, rank in enumerate(ranks):
            statement = items[rank]
            conflicting = CONFLICTS.get(statement.position, frozenset())
            if not conflicting:
                continue
            for other in ranks[index + 1 :]:
                candidate = items[other]
                if candidate.position not in conflicting:
                    continue
                if (
                    candidate.agency_id in family[statement.agency_id]
                    or statement.agency_id in family[candidate.agency_id]
                ):
                    continue
                found.append((rank, other))
    return found


def _pair(
    earlier: Statement,
    later: Statement,
    first: PartialDate | None,
    second: PartialDate | None,
    relation: str,
    *,
    across_agencies: bool = False,
) -> Contradiction:
    days = DaysBetween.between(first, second) if first and second else None
    certain = bool(first and second and first.latest <= second.earliest)
    return Contradiction(
        earlier=earlier,
        later=later,
        relation=relation,
        days=days,
        order_certain=certain,
        across_agencies=across_agencies,
    )


__all__ = [
    "CONFLICTS",
    "Contradiction",
    "Contradictions",
    "DaysBetween",
    "conflict_table_markdown",
    "contradictions",
    "positions_conflict",
]
