"""Reads for the national and state maps: every county's deployment status and the
state of its opt-out case, in one query.

Who sees what is decided here, once: the staff see every jurisdiction and every
request; the public sees a jurisdiction only when it has a published request (the
rule of :func:`tracker.domain.selectors.published_jurisdictions`), and only its
published requests' states. Every other county is drawn as a bare outline.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db import connection, models
from django.db.models import Exists, OuterRef, Subquery
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from jurisdictions.domain.maps import county_codes, state_fips_prefix
from jurisdictions.models import Agency, Jurisdiction
from tracker.domain import selectors
from tracker.domain.selectors import Audience
from tracker.domain.workflow import State
from tracker.models import AgencyResponse, Holiday, Letter, OptOutRequest, Transition

#: A case's state, in the few groups a map legend can show.
CASE_GROUPS: dict[str, tuple[StrOrPromise, frozenset[str]]] = {
    "open": (
        _("Under way"),
        frozenset(
            {
                State.DRAFT,
                State.NOTICE_SENT,
                State.ACKNOWLEDGED,
                State.MEETING_REQUESTED,
                State.MEETING_HELD,
            }
        ),
    ),
    "escalated": (_("Escalated"), frozenset({State.ESCALATED})),
    "won": (
        _("Removed or activation deferred"),
        frozenset({State.REMOVED, State.ACTIVATION_DEFERRED}),
    ),
    "denied": (_("Denied"), frozenset({State.DENIED})),
    "withdrawn": (_("Withdrawn"), frozenset({State.WITHDRAWN})),
}
_GROUP_OF = {state: group for group, (_label, states) in CASE_GROUPS.items() for state in states}


def case_group(status: str | None) -> str:
    """The legend group of a request state; "" when there is no request."""
    return _GROUP_OF.get(status, "") if status else ""


#: A county's FIPS code: 2 digits for the state, 3 for the county (a place has 7).
COUNTY_FIPS_LENGTH = 5


@dataclass(frozen=True)
class MapJurisdiction:
    pk: int
    reference: str
    name: str
    state: str
    fips: str
    kind: str
    #: None on the public map for a jurisdiction with nothing published.
    deployment_status: str | None
    #: The state of its latest (last opened) request the audience may see, if any.
    case_status: str | None

    @property
    def case_group(self) -> str:
        return case_group(self.case_status)

    @property
    def on_the_map(self) -> bool:
        return self.fips in county_codes()


@dataclass(frozen=True)
class MapData:
    jurisdictions: list[MapJurisdiction]
    deployment_counts: Counter[str]
    case_counts: Counter[str]


def map_jurisdictions(*, audience: Audience, state: str | None = None) -> MapData:
    """Jurisdictions with a FIPS code (of ``state``, or all), each with its latest
    visible request's state, in one query, and the legend's counts.

    A jurisdiction with a 7-digit code (a city) is returned too: it has no shape of
    its own, and the pages list it beside the map when it has a case.
    """
    requests = OptOutRequest.objects.all()
    jurisdictions = Jurisdiction.objects.filter(fips__isnull=False)
    if audience is Audience.PUBLIC:
        requests = selectors.published(requests)
        jurisdictions = jurisdictions.filter(Exists(requests.filter(jurisdiction=OuterRef("pk"))))
    latest = requests.filter(jurisdiction=OuterRef("pk")).order_by("-opened_on", "-pk")
    if state:
        jurisdictions = jurisdictions.filter(fips__startswith=state_fips_prefix(state))
    rows = (
        jurisdictions.annotate(case_status=Subquery(latest.values("status")[:1]))
        .order_by("fips")
        .values_list(
            "pk", "reference", "name", "state", "fips", "kind", "deployment_status", "case_status"
        )
    )
    found = [
        MapJurisdiction(pk, reference, name, code, fips or "", kind, deployment, case)
        for pk, reference, name, code, fips, kind, deployment, case in rows
    ]
    return MapData(
        jurisdictions=found,
        deployment_counts=Counter(
            j.deployment_status for j in found if j.on_the_map and j.deployment_status
        ),
        case_counts=Counter(j.case_group for j in found if j.case_status),
    )


def off_the_map(data: MapData) -> list[MapJurisdiction]:
    """What the map cannot draw, to be listed beside it, in state and name order: the
    jurisdictions with a case and no county shape of their own (cities), and every
    county of the 2010 list that no longer has a shape (merged since, or uninhabited
    islands the Census boundaries leave out)."""
    return sorted(
        (
            j
            for j in data.jurisdictions
            if not j.on_the_map and (j.case_status or len(j.fips) == COUNTY_FIPS_LENGTH)
        ),
        key=lambda j: (j.state, j.name),
    )


#: The records whose changes the map and the charts show. Each change to one of them,
#: through any surface (the services, the admin, the importer, a restore's history),
#: writes a history row, so the newest history row of each marks where the record is.
_SHOWN_MODELS: tuple[type[models.Model], ...] = (
    Jurisdiction,
    Agency,
    OptOutRequest,
    Letter,
    AgencyResponse,
    Transition,
    Holiday,
)
#: What the map shows: the jurisdictions, and their requests' states and publication
#: (a move of a request saves the request). A letter logged leaves a kept map kept.
MAP_SHOWS: tuple[type[models.Model], ...] = (Jurisdiction, OptOutRequest)
#: What the charts show: everything but the jurisdictions (an edited jurisdiction
#: leaves kept charts kept).
CHARTS_SHOWS: tuple[type[models.Model], ...] = (
    Agency,
    OptOutRequest,
    Letter,
    AgencyResponse,
    Transition,
    Holiday,
)


def record_version(shows: tuple[type[models.Model], ...] = _SHOWN_MODELS) -> str:
    """Where the record a drawing shows stands now: the newest history row of each kind
    of record it ``shows`` (every kind the map and the charts show, by default), read
    in one query through the primary keys' indexes (no table is scanned). It changes
    whenever one of those records is created, changed or deleted."""
    quote = connection.ops.quote_name
    tables = [quote(model.history.model._meta.db_table) for model in shows]  # type: ignore[attr-defined]
    columns = ", ".join(f"(SELECT MAX(history_id) FROM {table})" for table in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}")
        newest = cursor.fetchone() or ()
    return ".".join(str(value or 0) for value in newest)
