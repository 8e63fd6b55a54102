"""The map and the charts as the staff pages and the public pages both show them.

The reads are :mod:`tracker.domain.maps` and :mod:`tracker.domain.charts` (who may
see what is decided there, by audience); the drawing is
:mod:`jurisdictions.domain.maps` and :mod:`core.svgcharts`. This module puts them
together: which colour a county gets, what its title says, where it links, and
each chart's series, table and CSV columns. Both surfaces call it with their own
audience and their own links, so the two never draw a different map.

A drawn map or chart is kept in the cache under the page, the audience, the language
and the filters, with the point the record had reached when it was drawn
(:func:`tracker.domain.maps.record_version`, and the day): drawing the 3,200
counties or reading every letter for the reply times is done once per change of the
record. After a change, the kept drawing is served at once, marked as being brought
up to date, while :func:`redraw_task` draws it anew in the worker (one task per page
and change, however many visitors ask); :func:`warm_drawings_task`, on the schedule,
draws the common ones before anyone asks. Only a page never drawn is drawn in the
request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db.models import Model
from django.dispatch import receiver
from django.http import Http404, HttpResponseBase, QueryDict
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core import svgcharts
from core.backups import archive_restored
from core.spreadsheets import csv_table_response
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

#: How long a drawn map or chart is kept. The newest drawing of each page is kept until
#: a newer one replaces it (it is what a visitor sees while that one is drawn), so this
#: only bounds how long a page nobody opens holds memory.
DRAWING_KEPT_SECONDS = 24 * 60 * 60
#: How long a redraw is waited for before another visitor may ask for it again (a
#: worker that stopped while drawing releases nothing).
REDRAW_LOCK_SECONDS = 10 * 60
#: Drawings each process keeps in its own memory besides the shared cache (the most
#: recently used ones).
IN_PROCESS_DRAWINGS = 8
_IN_PROCESS: OrderedDict[str, Kept[Any]] = OrderedDict()
_IN_PROCESS_LOCK = threading.Lock()
#: Bumped when an archive is restored: a restored database may reach a history row
#: number that an earlier drawing was kept under, and its drawings show another record.
_RESTORES_KEY = "visuals:restores"


@dataclass(frozen=True)
class Kept(Generic[T]):
    """A drawing, the point of the record (and the day) it was drawn at, and when."""

    drawing: T
    version: str
    drawn_at: dt.datetime
    #: Drawn before the record's latest change: a redraw is on its way.
    stale: bool = False

    def note(self) -> str:
        """What a reader is told of a drawing being brought up to date ("" when it is not)."""
        if not self.stale:
            return ""
        drawn_at = timezone.localtime(self.drawn_at)
        return _("Drawn at %(time)s; being brought up to date.") % {
            "time": date_format(drawn_at, "DATETIME_FORMAT")
        }


def redraws_in_background() -> bool:
    """Whether a page drawn before a change is served while a task draws it anew.

    ``VISUALS_REDRAW_IN_BACKGROUND`` decides; unset, it is so when the worker's drawing
    reaches the web processes: the cache is shared (Redis), or tasks run where they are
    enqueued. Otherwise (one process's memory as the cache) the page is drawn anew in
    the request, as the worker's drawing would never be seen."""
    chosen = getattr(settings, "VISUALS_REDRAW_IN_BACKGROUND", None)
    if chosen is not None:
        return bool(chosen)
    backend = str(settings.TASKS["default"]["BACKEND"])
    local_cache = str(settings.CACHES["default"]["BACKEND"]).endswith(("LocMemCache", "DummyCache"))
    return not local_cache or backend.endswith("ImmediateBackend")


def _identity(name: str, audience: Audience, parts: tuple[Any, ...]) -> str:
    """The cache key of a page's drawings: what it shows and to whom, in which language.
    Which point of the record a drawing shows is kept inside (``Kept.version``), so a
    drawing of an earlier point is found under the same key."""
    identity = (name, audience.value, parts, get_language(), cache.get(_RESTORES_KEY, 0))
    return "visuals:" + hashlib.sha256(repr(identity).encode()).hexdigest()


def _version(shows: tuple[type[Model], ...]) -> str:
    """The point a drawing shows: the record as it stands, and the day (the charts count
    from today)."""
    return f"{maps.record_version(shows)}@{timezone.localdate().isoformat()}"


def _keep(key: str, kept: Kept[Any]) -> None:
    with _IN_PROCESS_LOCK:
        _IN_PROCESS[key] = kept
        _IN_PROCESS.move_to_end(key)
        while len(_IN_PROCESS) > IN_PROCESS_DRAWINGS:
            _IN_PROCESS.popitem(last=False)


def _store(key: str, kept: Kept[Any]) -> None:
    """Keep ``kept`` in the shared cache, with its version beside it under a small key
    (what a process reads to know whether its own copy is still the newest)."""
    cache.set_many({key: kept, f"{key}:version": kept.version}, DRAWING_KEPT_SECONDS)
    _keep(key, kept)


def _newest(key: str) -> Kept[Any] | None:
    """The newest drawing kept under ``key``: the process's own copy while the shared
    cache's is the same one (a cleared cache forgets it everywhere), else the shared
    cache's: a national map is a megabyte or two that the cache would otherwise unpickle
    (or fetch from Redis) on every page."""
    with _IN_PROCESS_LOCK:
        own = _IN_PROCESS.get(key)
    if own is not None and cache.get(f"{key}:version") == own.version:
        return own
    shared: Kept[Any] | None = cache.get(key)
    if shared is not None:
        _keep(key, shared)
    return shared


def _draw(name: str, audience: Audience, parts: tuple[Any, ...], version: str) -> Kept[Any]:
    """Draw a page now and keep it as of ``version``, read before drawing: a change made
    while drawing is drawn again."""
    make, _shows = DRAWINGS[name]
    kept = Kept(make(audience, parts), version, timezone.now())
    _store(_identity(name, audience, parts), kept)
    return kept


def kept_drawing(name: str, *, audience: Audience, parts: tuple[Any, ...]) -> Kept[Any]:
    """The drawing ``name`` (one of :data:`DRAWINGS`) for ``audience`` and ``parts``, in
    the current language, for the record as it stands.

    Kept for this point of the record: served. Kept only for an earlier point: served
    at once, marked stale, and one redraw enqueued (one per page and point of the
    record, however many visitors ask) when :func:`redraws_in_background`. Never
    drawn (or not in the background): drawn in the request."""
    _make, shows = DRAWINGS[name]
    key = _identity(name, audience, parts)
    version = _version(shows)
    kept = _newest(key)
    if kept is not None and kept.version == version:
        return kept
    if kept is None or not redraws_in_background():
        return _draw(name, audience, parts, version)
    lock = f"{key}:redrawing:{version}"
    if cache.add(lock, True, REDRAW_LOCK_SECONDS):
        try:
            redraw_task.enqueue(name, audience.value, list(parts), _language())
        except Exception:
            cache.delete(lock)  # the next visitor asks again
            raise
    return replace(kept, stale=True)


def _language() -> str:
    return get_language() or settings.LANGUAGE_CODE


@task
def redraw_task(name: str, audience: str, parts: list[Any], language: str) -> str:
    """Draw one page anew for the record as it stands (a visitor was shown an earlier
    drawing meanwhile). Safe to run twice: a page already drawn for this point of the
    record is left as it is. What it did, for the task's result."""
    with translation.override(language):
        return _redraw(name, Audience(audience), tuple(parts))


def _redraw(name: str, audience: Audience, parts: tuple[Any, ...]) -> str:
    key = _identity(name, audience, parts)
    version = _version(DRAWINGS[name][1])
    if cache.get(f"{key}:version") == version:
        return "kept"
    _draw(name, audience, parts, version)
    return "drawn"


def common_drawings() -> list[tuple[str, Audience, tuple[Any, ...]]]:
    """The drawings most visitors open: the national map and every chart, for the staff
    and the public (and the public's printable map): what :func:`warm_drawings_task`
    keeps drawn."""
    found: list[tuple[str, Audience, tuple[Any, ...]]] = []
    for audience, csv_url_name in (
        (Audience.STAFF, "chart-csv"),
        (Audience.PUBLIC, "public-chart-csv"),
    ):
        found.append(("map", audience, ("", "", "", False)))
        found.append(("charts-html", audience, (None, csv_url_name)))
        found.extend((f"chart:{name}", audience, (None,)) for name in CHARTS)
    found.append(("map", Audience.PUBLIC, ("", "", "", True)))
    return found


@task
def warm_drawings_task() -> dict[str, int]:
    """Draw the common drawings (:func:`common_drawings`) in every language for the
    record as it stands, those not drawn for it yet, so the first visitor after a change
    is rarely shown an earlier drawing. On the schedule (``warm-drawings`` in
    TASK_SCHEDULE): a write costs nothing more, and a minute without changes costs a
    few cache reads. A drawing a redraw task is already drawing is left to it."""
    counts = {"drawn": 0, "kept": 0, "skipped": 0}
    if not redraws_in_background():
        return counts  # the web processes would never see what is drawn here
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for name, audience, parts in common_drawings():
                key = _identity(name, audience, parts)
                version = _version(DRAWINGS[name][1])
                if cache.get(f"{key}:version") == version:
                    counts["kept"] += 1
                elif cache.add(f"{key}:redrawing:{version}", True, REDRAW_LOCK_SECONDS):
                    _draw(name, audience, parts, version)
                    counts["drawn"] += 1
                else:
                    counts["skipped"] += 1
    return counts


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
    #: Said when the map was drawn before the record's latest change (a redraw is on
    #: its way): when it was drawn.
    stale_note: str = ""


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


#: Each audience's surface: its national map's address and where a county links to.
_SURFACES: dict[Audience, tuple[str, tuple[str, str, str]]] = {
    Audience.STAFF: ("map", ("jurisdiction-detail", "pk", "pk")),
    Audience.PUBLIC: ("public-map", ("public-jurisdiction", "reference", "reference")),
}


def build_map(
    *, audience: Audience, state: str, filters: MapFilters, printable: bool = False
) -> MapView:
    """The map of the nation (``state`` empty) or of one state, as the ``audience``'s
    surface shows it (its links, its filter form's address): drawn in one query, or
    the drawing kept for the record (see :func:`kept_drawing`); ``printable`` leaves
    the form out of ``html``. A drawing of an earlier point of the record says so
    (``stale_note``, and in the picture's description)."""
    kept = kept_drawing(
        "map",
        audience=audience,
        parts=(state, filters.deployment, filters.case, printable),
    )
    view: MapView = kept.drawing
    if not kept.stale:
        return view
    note = kept.note()
    return replace(view, stale_note=note, html=_describe(view.html, note))


def _describe(html: SafeString, note: str) -> SafeString:
    """``html`` with ``note`` opening every picture's description (its text alternative)."""
    return mark_safe(html.replace('-desc">', f'-desc">{escape(note)} '))  # safe: escaped


def _draw_map_section(audience: Audience, parts: tuple[Any, ...]) -> MapView:
    state, deployment, case, printable = parts
    url_name, link = _SURFACES[audience]
    view = _draw_map(
        audience=audience,
        state=state,
        filters=MapFilters(deployment, case),
        link=link_by(*link),
    )
    view.html = render_fragment(
        "tracker/_map.html", {"map": view, "map_url": reverse(url_name), "printable": printable}
    )
    # The picture is in the section now: keep it once, not twice.
    view.svg = SafeString()
    return view


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
    #: Said when the chart was drawn before the record's latest change (a redraw is on
    #: its way): when it was drawn.
    stale_note: str = ""


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
    them (``tracker/_charts.html``), drawn and rendered or kept for the record (see
    :func:`kept_drawing`): a kept page runs no template over the tables' thousands of
    cells. A drawing of an earlier point of the record says so, above the charts and in
    each picture's description."""
    kept = kept_drawing("charts-html", audience=audience, parts=(_day(today), csv_url_name))
    if not kept.stale:
        return kept.drawing
    note = kept.note()
    return render_fragment("tracker/_stale_note.html", {"note": note}) + _describe(
        kept.drawing, note
    )


def _day(today: dt.date | None) -> str | None:
    return today.isoformat() if today else None


def _draw_charts_html(audience: Audience, parts: tuple[Any, ...]) -> SafeString:
    day, csv_url_name = parts
    today = dt.date.fromisoformat(day) if day else None
    return render_fragment(
        "tracker/_charts.html",
        {
            "charts": [build(audience=audience, today=today) for build in CHARTS.values()],
            "csv_url_name": csv_url_name,
        },
    )


def chart(name: str, *, audience: Audience, today: dt.date | None = None) -> Chart:
    """One chart, drawn or kept for the record (see :func:`kept_drawing`). A drawing
    of an earlier point of the record says so in its ``note`` (the CSV's last line)."""
    if name not in CHARTS:
        raise Http404(_("There is no such chart."))
    kept = kept_drawing(f"chart:{name}", audience=audience, parts=(_day(today),))
    found: Chart = kept.drawing
    if not kept.stale:
        return found
    return replace(found, stale_note=kept.note())


def chart_download(found: Chart) -> HttpResponseBase:
    """A chart's CSV download: its header and rows, and, when it was drawn before the
    record's latest change, a last line saying so."""
    rows: list[list[Any]] = found.csv_rows
    if found.stale_note:
        rows = [*rows, [found.stale_note]]
    return csv_table_response(found.key, found.csv_headers, rows)


def _chart_drawer(name: str) -> Callable[[Audience, tuple[Any, ...]], Chart]:
    def draw(audience: Audience, parts: tuple[Any, ...]) -> Chart:
        (day,) = parts
        return CHARTS[name](audience=audience, today=dt.date.fromisoformat(day) if day else None)

    return draw


#: Every kept drawing by name: how it is drawn from its audience and parts (what a
#: redraw task is given), and the records it shows.
DRAWINGS: dict[str, tuple[Callable[[Audience, tuple[Any, ...]], Any], tuple[type[Model], ...]]] = {
    "map": (_draw_map_section, maps.MAP_SHOWS),
    "charts-html": (_draw_charts_html, maps.CHARTS_SHOWS),
    **{f"chart:{name}": (_chart_drawer(name), maps.CHARTS_SHOWS) for name in CHARTS},
}
