"""The map and the charts as the staff pages and the public pages both show them.

The reads are :mod:`tracker.domain.maps` and :mod:`tracker.domain.charts` (who may
see what is decided there, by audience); the drawing is
:mod:`jurisdictions.domain.maps` and :mod:`core.svgcharts`. This module puts them
together: which colour a county gets, what its title says, where it links, and
each chart's series, table and CSV columns. Both surfaces call it with their own
audience and their own links, so the two never draw a different map.

A drawn map or chart is kept in the cache under the point the record has reached
(:func:`tracker.domain.maps.record_version`), the audience, the language and the
day: drawing the 3,200 counties or reading every letter for the reply times is done
once per change of the record, and any change draws them anew.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import Model
from django.dispatch import receiver
from django.http import Http404, QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core import svgcharts
from core.backups import archive_restored
from core.svgcharts import Row, Series
from jurisdictions.domain import maps as drawing
from jurisdictions.domain.states import STATES
from jurisdictions.models import Jurisdiction
from tracker.domain import charts, maps
from tracker.domain.maps import CASE_GROUPS, MapJurisdiction
from tracker.domain.selectors import Audience
from tracker.domain.workflow import State

#: Agencies drawn in the reply-times chart (most letters first); the CSV has them all.
CHART_AGENCIES = 20
#: Cities with a case and counties with no shape listed beside a map; the rest are counted.
OFF_THE_MAP_LISTED = 50

Link = Callable[[MapJurisdiction], str]
T = TypeVar("T")

#: How long a drawn map or chart is kept. It is keyed on the record it shows, so this
#: only bounds how long an unused drawing holds memory.
DRAWING_KEPT_SECONDS = 60 * 60
#: Drawings each process keeps in its own memory besides the shared cache (the most
#: recently used ones).
IN_PROCESS_DRAWINGS = 8
_IN_PROCESS: OrderedDict[str, Any] = OrderedDict()
_IN_PROCESS_LOCK = threading.Lock()
#: Bumped when an archive is restored: a restored database may reach a history row
#: number that an earlier drawing was kept under.
_RESTORES_KEY = "visuals:restores"


def kept_drawing(
    name: str,
    *,
    audience: Audience,
    parts: tuple[Any, ...],
    draw: Callable[[], T],
    shows: tuple[type[Model], ...],
) -> T:
    """``draw()``, or what it gave for the same audience, language, day and record:
    the records it ``shows`` (``maps.MAP_SHOWS``, ``maps.CHARTS_SHOWS``) as they stand."""
    identity = (
        name,
        audience.value,
        parts,
        get_language(),
        timezone.localdate().isoformat(),
        maps.record_version(shows),
        cache.get(_RESTORES_KEY, 0),
    )
    key = "visuals:" + hashlib.sha256(repr(identity).encode()).hexdigest()
    # The process's own copy first, as long as the shared cache still holds the drawing
    # (a cleared cache forgets it everywhere): a national map is a megabyte or two that
    # the cache would otherwise unpickle (or fetch from Redis) on every page.
    with _IN_PROCESS_LOCK:
        drawing_kept: T | None = _IN_PROCESS.get(key)
    if drawing_kept is None or not cache.has_key(key):
        drawing_kept = cache.get(key)
        if drawing_kept is None:
            drawing_kept = draw()
            cache.set(key, drawing_kept, DRAWING_KEPT_SECONDS)
    with _IN_PROCESS_LOCK:
        _IN_PROCESS[key] = drawing_kept
        _IN_PROCESS.move_to_end(key)
        while len(_IN_PROCESS) > IN_PROCESS_DRAWINGS:
            _IN_PROCESS.popitem(last=False)
    return drawing_kept


def forget_drawings() -> None:
    """Forget every kept drawing (they are drawn anew on the next page)."""
    try:
        cache.incr(_RESTORES_KEY)
    except ValueError:
        cache.set(_RESTORES_KEY, 1, None)


@receiver(archive_restored)
def _forget_drawings(**_: Any) -> None:
    forget_drawings()


# --- The map ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MapFilters:
    """What the map highlights: one deployment status, one kind of case, or all."""

    deployment: str = ""
    case: str = ""

    @classmethod
    def from_query(cls, query: QueryDict) -> MapFilters:
        """The filters of the address; an unknown value is a 404, like an unknown state,
        rather than a map that silently shows everything."""
        deployment = query.get("deployment", "")
        case = query.get("case", "")
        if deployment and deployment not in Jurisdiction.Deployment.values:
            raise Http404(_("There is no such deployment status."))
        if case and case not in (*CASE_GROUPS, "any", "none"):
            raise Http404(_("There is no such kind of case."))
        return cls(deployment, case)

    @property
    def active(self) -> bool:
        return bool(self.deployment or self.case)

    def matches(self, place: MapJurisdiction) -> bool:
        if self.deployment and place.deployment_status != self.deployment:
            return False
        if self.case == "any":
            return bool(place.case_status)
        if self.case == "none":
            return not place.case_status
        return not self.case or place.case_group == self.case


@dataclass(frozen=True)
class LegendEntry:
    key: str
    label: str
    css: str
    count: int


@dataclass
class MapView:
    """A drawn map: its parts, and ``html``, the page's map section (filters, picture,
    legend, the places not drawn) rendered once with them, so a kept map is served
    without running the template over three thousand counties again. Once ``html`` is
    rendered, ``svg`` (the picture, which it holds) is emptied."""

    svg: SafeString
    state: str
    state_name: str
    filters: MapFilters
    deployment_legend: list[LegendEntry]
    case_legend: list[LegendEntry]
    off_the_map: list[tuple[MapJurisdiction, str]]
    off_the_map_count: int
    highlighted: int
    source: str
    states: list[tuple[str, str]] = field(default_factory=list)
    deployment_choices: list[tuple[str, str]] = field(default_factory=list)
    case_choices: list[tuple[str, str]] = field(default_factory=list)
    html: SafeString = field(default_factory=SafeString)


def _deployment_label(status: str | None) -> str:
    if status is None:
        return _("nothing published")
    return str(Jurisdiction.Deployment(status).label)


def _case_label(status: str) -> str:
    return str(State(status).label)


class _Titles:
    """Each county's title, with every translated phrase looked up once per map rather
    than once per county (3,200 lookups cost a tenth of a second)."""

    def __init__(self) -> None:
        self.county = _("%(name)s, %(state)s. Secure Communities: %(deployment)s.")
        self.case = _("Opt-out request: %(status)s.")
        self.marker = _("Opt-out request: %(status)s")
        self.deployment: dict[str | None, str] = {
            str(value): _deployment_label(value) for value in Jurisdiction.Deployment
        }
        self.deployment[None] = _deployment_label(None)
        self.states: dict[str, str] = {str(value): _case_label(value) for value in State}

    def title(self, place: MapJurisdiction) -> str:
        title = self.county % {
            "name": place.name,
            "state": place.state,
            "deployment": self.deployment.get(place.deployment_status, ""),
        }
        if place.case_status:
            title += " " + self.case % {"status": self.states.get(place.case_status, "")}
        return title

    def marker_title(self, place: MapJurisdiction) -> str:
        return self.marker % {"status": self.states.get(place.case_status or "", "")}


def link_by(url_name: str, argument: str, attribute: str) -> Link:
    """A county's link to the page named ``url_name``, its ``argument`` taken from the
    jurisdiction's ``attribute``: the address is worked out once, not per county."""
    sentinel = "987654321"  # fits an int and a slug converter
    pattern = reverse(url_name, kwargs={argument: sentinel})
    if pattern.count(sentinel) != 1:
        raise ValueError(f"{url_name} cannot be filled in from one {argument}.")
    before, after = pattern.split(sentinel)
    return lambda place: f"{before}{getattr(place, attribute)}{after}"


def check_state(state: str) -> str:
    """The state code of a state map's address, or 404 when the map has no such state."""
    code = state.upper()
    if code not in drawing.states_with_shapes():
        raise Http404(_("The map has no state with this code."))
    return code


def state_address(query: QueryDict, url_name: str) -> str | None:
    """Where the filter form's ``?state=`` goes: the state map's own address, keeping
    the other filters that were chosen; None when no state was chosen."""
    chosen = query.get("state", "")
    if not chosen:
        return None
    target = reverse(url_name, kwargs={"state": check_state(chosen)})
    kept = {name: query.get(name, "") for name in ("deployment", "case") if query.get(name)}
    return f"{target}?{urlencode(kept)}" if kept else target


def build_map(
    *,
    audience: Audience,
    state: str,
    filters: MapFilters,
    link: Link,
    map_url: str,
    printable: bool = False,
) -> MapView:
    """The map of the nation (``state`` empty) or of one state: drawn in one query, or
    the drawing kept for the record as it stands. ``link`` must depend on the audience
    only (each surface has its own); ``map_url`` is the surface's national map (the
    filter form's address) and ``printable`` leaves the form out of ``html``."""

    def draw() -> MapView:
        view = _draw_map(audience=audience, state=state, filters=filters, link=link)
        view.html = render_fragment(
            "tracker/_map.html", {"map": view, "map_url": map_url, "printable": printable}
        )
        # The picture is in the section now: keep it once, not twice.
        view.svg = SafeString()
        return view

    return kept_drawing(
        "map",
        audience=audience,
        parts=(state, filters.deployment, filters.case, map_url, printable),
        draw=draw,
        shows=maps.MAP_SHOWS,
    )


def render_fragment(template: str, context: dict[str, Any]) -> SafeString:
    """A part of a page rendered on its own, to be kept with its drawing: it must need
    nothing of the request but the language (which every kept drawing's key holds)."""
    return mark_safe(render_to_string(template, context))  # safe: a rendered template


def _draw_map(*, audience: Audience, state: str, filters: MapFilters, link: Link) -> MapView:
    data = maps.map_jurisdictions(audience=audience, state=state or None)
    areas: dict[str, drawing.Area] = {}
    titles = _Titles()
    highlighted = 0
    for place in data.jurisdictions:
        if not place.on_the_map:
            continue
        shown = filters.matches(place)
        highlighted += shown
        css = f"deployment-{place.deployment_status or 'unpublished'}"
        marker = f"case-{place.case_group}" if place.case_status and shown else ""
        areas[place.fips] = drawing.Area(
            title=titles.title(place),
            css=css if shown else f"{css} is-muted",
            href=link(place),
            marker=marker,
            marker_title=titles.marker_title(place) if place.case_status else "",
        )
    where = STATES[state][0] if state else _("the United States")
    picture = drawing.draw(
        areas,
        state=state or None,
        title=_("Secure Communities deployment and opt-out requests: %(where)s") % {"where": where},
        description=_(
            "Each county is coloured by its deployment status; a dot marks a county whose "
            "jurisdiction asked to opt out, coloured by the state of its request. The "
            "tables below the map give the same counts."
        ),
    )
    off_the_map = maps.off_the_map(data)
    deployment_legend = [
        LegendEntry(value, str(label), f"deployment-{value}", data.deployment_counts[value])
        for value, label in Jurisdiction.Deployment.choices
    ]
    if audience is Audience.PUBLIC:
        deployment_legend.append(
            LegendEntry("", _("nothing published"), "deployment-unpublished", 0)
        )
    return MapView(
        svg=picture.svg,
        state=state,
        state_name=str(where),
        filters=filters,
        deployment_legend=deployment_legend,
        case_legend=[
            LegendEntry(key, str(label), f"case-{key}", data.case_counts[key])
            for key, (label, _states) in CASE_GROUPS.items()
        ],
        off_the_map=[(place, link(place)) for place in off_the_map[:OFF_THE_MAP_LISTED]],
        off_the_map_count=len(off_the_map),
        highlighted=highlighted,
        source=drawing.source_note(),
        states=[(code, STATES[code][0]) for code in drawing.states_with_shapes()],
        deployment_choices=[(v, str(label)) for v, label in Jurisdiction.Deployment.choices],
        case_choices=[
            ("any", _("Any request")),
            *((key, str(label)) for key, (label, _states) in CASE_GROUPS.items()),
            ("none", _("No request")),
        ],
    )


# --- The charts ------------------------------------------------------------------------


@dataclass
class Chart:
    """One chart: its picture, its legend, and its numbers as a table (the page's text
    alternative) and as a CSV download (the same rows). The CSV's header row is in the
    reader's language; its cells keep what a program reads back: references, codes,
    ISO months and plain numbers."""

    key: str
    title: str
    svg: SafeString
    legend: SafeString
    headers: list[str]
    rows: list[list[Any]]
    csv_headers: list[str]
    csv_rows: list[list[Any]]
    note: str = ""


_BAND_CSS = ["band-1", "band-2", "band-3", "band-4", "band-5", "band-imprecise"]


def _percent(value: float | None) -> str:
    return "" if value is None else f"{number_format(round(value * 100))}%"


def reply_times_chart(*, audience: Audience, today: dt.date | None = None) -> Chart:
    found = charts.agency_replies(audience=audience, today=today)
    keys = [key for key, *_rest in charts.REPLY_BANDS] + [k for k, _l in charts.REPLY_OTHERS]
    labels = [str(label) for _k, label, *_rest in charts.REPLY_BANDS] + [
        str(label) for _k, label in charts.REPLY_OTHERS
    ]
    series = [
        Series(key, label, css)
        for key, label, css in zip(
            keys, labels, [*_BAND_CSS, "bar-waiting", "bar-never-answered"], strict=True
        )
    ]
    shown = found[:CHART_AGENCIES]

    def median(row: charts.AgencyReplies) -> str:
        if row.median_days is None:
            return _("no median")
        return _("median %(days)s d") % {"days": number_format(row.median_days, decimal_pos=0)}

    svg = svgcharts.share_bars(
        [Row(str(row.agency), [row.bands[k] for k in keys], median(row)) for row in shown],
        series,
        element_id="chart-reply-times",
        title=_("How each agency answered the letters sent to it"),
        description=_(
            "One bar per agency, most letters first: the share of its letters answered within "
            "each number of days, answered on a date not known to the day, not yet due, and "
            "never answered. The median reply time is written after each bar."
        ),
    )
    headers = [_("Agency"), _("Letters"), *labels, _("Median days"), _("Share never answered")]
    table = [
        [
            str(row.agency),
            row.letters,
            *(row.bands[k] for k in keys),
            "" if row.median_days is None else row.median_days,
            _percent(row.share_never_answered),
        ]
        for row in found
    ]
    csv_headers = [
        _("Agency reference"),
        _("Agency"),
        _("Letters"),
        *labels,
        _("Median days"),
        _("Share never answered (0 to 1)"),
    ]
    csv_rows = [
        [
            row.agency.reference,
            str(row.agency),
            row.letters,
            *(row.bands[k] for k in keys),
            row.median_days,
            None if row.share_never_answered is None else round(row.share_never_answered, 4),
        ]
        for row in found
    ]
    note = ""
    if len(found) > len(shown):
        note = _(
            "The chart and the table show the %(shown)s agencies sent the most letters; the "
            "download has all %(total)s."
        ) % {"shown": len(shown), "total": len(found)}
    return Chart(
        "reply-times",
        _("Reply times per agency"),
        svg,
        svgcharts.legend(series),
        headers,
        table[: len(shown)],
        csv_headers,
        csv_rows,
        note,
    )


def _month_tick(month: dt.date, months: int) -> str:
    if months <= 24:
        return date_format(month, "M Y") if month.month in (1, 7) or months <= 12 else ""
    step = max(1, months // 120 + 1)
    return date_format(month, "Y") if month.month == 1 and month.year % step == 0 else ""


def status_chart(*, audience: Audience, today: dt.date | None = None) -> Chart:
    months = charts.cases_by_status(audience=audience, today=today)
    groups = list(CASE_GROUPS.items())
    series = [Series(key, str(label), f"case-{key}") for key, (label, _states) in groups]
    svg = svgcharts.stacked_columns(
        [
            Row(
                date_format(month.month, "YEAR_MONTH_FORMAT"),
                [sum(month.counts.get(s, 0) for s in states) for _k, (_l, states) in groups],
                tick=_month_tick(month.month, len(months)),
            )
            for month in months
        ],
        series,
        element_id="chart-cases-by-status",
        title=_("Opt-out requests by state, month by month"),
        description=_(
            "One column per month: how many requests were in each state at the end of the "
            "month, by the status log (a move counts from the day it was recorded)."
        ),
    )
    states = list(State)
    headers = [_("Month"), *(str(s.label) for s in states), _("Total")]
    table = [
        [
            date_format(month.month, "YEAR_MONTH_FORMAT"),
            *(month.counts.get(s.value, 0) for s in states),
            month.total,
        ]
        for month in months
    ]
    csv_rows = [
        [
            month.month.strftime("%Y-%m"),
            *(month.counts.get(s.value, 0) for s in states),
            month.total,
        ]
        for month in months
    ]
    return Chart(
        "cases-by-status",
        _("Cases by status over time"),
        svg,
        svgcharts.legend(series),
        headers,
        table,
        [_("Month"), *(str(s.label) for s in states), _("Total")],
        csv_rows,
    )


def age_chart(*, audience: Audience, today: dt.date | None = None) -> Chart:
    bands = charts.awaiting_by_age(audience=audience, today=today)
    series = [
        Series("overdue", _("overdue"), "bar-overdue"),
        Series("not_yet_due", _("not yet due"), "bar-not-yet-due"),
    ]
    svg = svgcharts.stacked_columns(
        [
            Row(str(band.label), [band.overdue, band.not_yet_due], tick=str(band.label))
            for band in bands
        ],
        series,
        element_id="chart-awaiting-by-age",
        title=_("Letters awaiting a reply, by how long they have waited"),
        description=_(
            "One column per age band, counted from the latest day each letter may have been "
            "sent: how many are overdue and how many are not yet due."
        ),
    )
    headers = [_("Waiting"), _("Overdue"), _("Not yet due"), _("Total")]
    table = [[str(b.label), b.overdue, b.not_yet_due, b.total] for b in bands]
    csv_rows = [[b.key, str(b.label), b.overdue, b.not_yet_due, b.total] for b in bands]
    return Chart(
        "awaiting-by-age",
        _("Letters awaiting a reply by age"),
        svg,
        svgcharts.legend(series),
        headers,
        table,
        [_("Band"), *headers],
        csv_rows,
    )


CHARTS: dict[str, Callable[..., Chart]] = {
    "reply-times": reply_times_chart,
    "cases-by-status": status_chart,
    "awaiting-by-age": age_chart,
}


def charts_html(
    *, audience: Audience, csv_url_name: str, today: dt.date | None = None
) -> SafeString:
    """Every chart with its legend, table and download link, as the charts pages show
    them (``tracker/_charts.html``), drawn and rendered or kept for the record as it
    stands: a kept page runs no template over the tables' thousands of cells."""
    return kept_drawing(
        "charts-html",
        audience=audience,
        parts=(today, csv_url_name),
        shows=maps.CHARTS_SHOWS,
        draw=lambda: render_fragment(
            "tracker/_charts.html",
            {
                "charts": [build(audience=audience, today=today) for build in CHARTS.values()],
                "csv_url_name": csv_url_name,
            },
        ),
    )


def chart(name: str, *, audience: Audience, today: dt.date | None = None) -> Chart:
    """One chart, drawn or kept for the record as it stands."""
    if name not in CHARTS:
        raise Http404(_("There is no such chart."))
    return kept_drawing(
        f"chart:{name}",
        audience=audience,
        parts=(today,),
        draw=lambda: CHARTS[name](audience=audience, today=today),
        shows=maps.CHARTS_SHOWS,
    )
