"""Drawing county maps as SVG on the server: no JavaScript, no tiles, printable.

The shapes are the shipped ``jurisdictions/data/us_county_shapes.json.gz`` (see
:mod:`jurisdictions.data.shapes` for where they come from). A caller says, per
county FIPS code, how to draw it (an :class:`Area`: its link, its title, its
classes, an optional marker); this module knows nothing of requests or of who
is looking. The whole map is one string built here rather than in a template
loop: 3,200 counties are drawn in a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from jurisdictions.data.shapes import shapes
from jurisdictions.domain.states import STATES

#: Space around a state's counties when the map zooms in, as a share of its size.
ZOOM_MARGIN = 0.04
#: A marker's radius as a share of the larger side of the box shown.
MARKER_SHARE = 1 / 160


@dataclass(frozen=True)
class Area:
    """How to draw one county: ``css`` names its fill; ``marker`` (a class) puts a dot
    on it, described by ``marker_title``; ``href`` links it."""

    title: str
    css: str
    href: str = ""
    marker: str = ""
    marker_title: str = ""


@dataclass(frozen=True)
class MapDrawing:
    svg: SafeString
    view_box: tuple[float, float, float, float]


@cache
def county_codes() -> frozenset[str]:
    """Every county FIPS code the map can draw, the 2010 codes of renamed counties too."""
    data = shapes()
    return frozenset(data["counties"]) | frozenset(data["aliases"])


@cache
def _former_codes() -> dict[str, str]:
    """Current code -> the 2010 code of the same county, where they differ."""
    return {new: old for old, new in shapes()["aliases"].items()}


def state_fips_prefix(state: str) -> str:
    return STATES[state][1]


def view_box(state: str | None = None) -> tuple[float, float, float, float]:
    """The whole map, or the box around one state's counties with a margin."""
    data = shapes()
    if state is None:
        x, y, width, height = data["box"]
        return (float(x), float(y), float(width), float(height))
    prefix = state_fips_prefix(state)
    boxes = [c["bounds"] for fips, c in data["counties"].items() if fips.startswith(prefix)]
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[2] for b in boxes)
    y1 = max(b[3] for b in boxes)
    margin = max(x1 - x0, y1 - y0) * ZOOM_MARGIN
    return (
        round(x0 - margin, 1),
        round(y0 - margin, 1),
        round(x1 - x0 + 2 * margin, 1),
        round(y1 - y0 + 2 * margin, 1),
    )


def states_with_shapes() -> list[str]:
    """USPS codes of the states and territories the map draws, in code order."""
    prefixes = {fips[:2] for fips in shapes()["counties"]}
    return sorted(code for code, (_name, fips) in STATES.items() if fips in prefixes)


def draw(
    areas: Mapping[str, Area],
    *,
    title: str,
    description: str,
    state: str | None = None,
    element_id: str = "county-map",
) -> MapDrawing:
    """The map as an inline ``<svg>``: one ``<path>`` per county (linked and titled when
    ``areas`` describes it), state borders on top, markers last so none is hidden."""
    data = shapes()
    former = _former_codes()
    box = view_box(state)
    prefix = state_fips_prefix(state) if state else ""
    radius = round(max(box[2], box[3]) * MARKER_SHARE, 2)
    counties: list[str] = []
    markers: list[str] = []
    for fips, county in data["counties"].items():
        if not fips.startswith(prefix):
            continue
        code = fips if fips in areas else former.get(fips, fips)
        area = areas.get(code)
        if area is None:
            counties.append(
                f'<path class="county no-record" d="{county["d"]}">'
                f"<title>{escape(county['name'])}</title></path>"
            )
            continue
        # Plain formatting with escape(): format_html for each of 3,200 counties costs a
        # tenth of a second more. The path data is the shipped file's digits and letters.
        path = (
            f'<path class="county {escape(area.css)}" d="{county["d"]}" data-fips="{code}">'
            f"<title>{escape(area.title)}</title></path>"
        )
        href = escape(area.href)
        counties.append(f'<a href="{href}">{path}</a>' if href else path)
        if area.marker:
            x, y = county["centre"]
            dot = (
                f'<circle class="marker {escape(area.marker)}" cx="{x}" cy="{y}" r="{radius}">'
                f"<title>{escape(area.marker_title)}</title></circle>"
            )
            markers.append(f'<a href="{href}">{dot}</a>' if href else dot)
    borders = "".join(
        f'<path d="{outline["d"]}"/>'
        for fips, outline in data["states"].items()
        if not prefix or fips == prefix
    )
    insets = (
        ""
        if state
        else "".join(
            format_html(
                '<g class="inset"><rect x="{}" y="{}" width="{}" height="{}"/>'
                '<text x="{}" y="{}">{}</text></g>',
                inset["box"][0],
                inset["box"][1],
                inset["box"][2],
                inset["box"][3],
                inset["box"][0] + 3,
                inset["box"][1] + 10,
                inset["state"],
            )
            for inset in data["insets"]
        )
    )
    # A group, not an image: an image's content is hidden from screen readers, and
    # each county here is a link they must be able to reach.
    svg = format_html(
        '<svg id="{}" class="county-map" viewBox="{}" role="group" aria-labelledby="{}-title" '
        'aria-describedby="{}-desc"'
        ' xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>'
        '{}<g class="counties">{}</g><g class="state-borders" aria-hidden="true">{}</g>'
        '<g class="markers">{}</g></svg>',
        element_id,
        " ".join(str(n) for n in box),
        element_id,
        element_id,
        element_id,
        title,
        element_id,
        description,
        mark_safe(insets),  # safe: built with format_html above
        mark_safe("".join(counties)),  # safe: each built with format_html or escape
        mark_safe(borders),  # safe: the shipped file's digits and letters
        mark_safe("".join(markers)),  # safe: each built with format_html
    )
    return MapDrawing(svg=svg, view_box=box)


def source_note() -> str:
    return _("Boundaries: %(source)s.") % {"source": shapes()["source"]}
