"""County shapes for the maps: built once from the ``us-atlas`` TopoJSON, shipped as
``us_county_shapes.json.gz``.

Source: the npm package ``us-atlas`` (version 3, ISC licence, © Michael Bostock),
which converts the Census Bureau's cartographic boundary files (1:10,000,000) to
TopoJSON. The 50 states and the District of Columbia come from
``counties-albers-10m.json``, already projected (Albers USA: Alaska and Hawaii
moved below the lower 48) into a 975 x 610 box; Puerto Rico, the U.S. Virgin
Islands, Guam, the Northern Mariana Islands and American Samoa come from
``counties-10m.json`` (longitude and latitude), each drawn in its own inset box
below that, at its own scale.

Rebuild (a few seconds)::

    cd "$(mktemp -d)" && npm pack us-atlas@3 && tar xzf us-atlas-3.*.tgz
    python manage.py build_county_shapes --atlas "$PWD/package"

The shipped file needs nothing at run time but the standard library. Arcs are
simplified one by one (Douglas-Peucker), so neighbouring counties, which share
their border arcs, keep sharing them: no gaps, no overlaps.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SHAPES = Path(__file__).resolve().parent / "us_county_shapes.json.gz"

#: Where the geometry comes from, as shipped inside the file and shown under the maps.
SOURCE = (
    "U.S. Census Bureau cartographic boundary files (1:10,000,000), as TopoJSON in the "
    "us-atlas package version 3 (ISC licence, © 2013-2019 Michael Bostock)"
)

#: The projected box of counties-albers-10m.json; the territories' insets go below it.
WIDTH = 975.0
MAIN_HEIGHT = 610.0
HEIGHT = 700.0
#: Largest allowed distance, in map units (the map is 975 wide), between a simplified
#: border and the Census one: under a pixel on a county map of one state.
TOLERANCE = 0.12
#: The same for the territories, in degrees (about 150 metres): their insets are
#: drawn much larger than the Albers map's scale.
TOLERANCE_DEGREES = 0.0015

#: Codes of the 2010 county list that the Census boundaries (2017) give another code:
#: the same land, renamed.
ALIASES = {
    "02270": "02158",  # Wade Hampton Census Area, Kusilvak Census Area since 2015
    "46113": "46102",  # Shannon County, Oglala Lakota County since 2015
}

#: Territories drawn in inset boxes: USPS code, FIPS prefix, box (x, y, width, height).
INSETS: tuple[tuple[str, str, tuple[float, float, float, float]], ...] = (
    ("PR", "72", (560.0, 620.0, 170.0, 70.0)),
    ("VI", "78", (740.0, 620.0, 60.0, 70.0)),
    ("GU", "66", (810.0, 620.0, 40.0, 70.0)),
    ("MP", "69", (860.0, 620.0, 40.0, 70.0)),
    ("AS", "60", (910.0, 620.0, 60.0, 70.0)),
)

Point = tuple[float, float]
Ring = list[Point]


class ShapesError(Exception):
    """The atlas files are missing or not what the build expects."""


# --- Decoding TopoJSON -----------------------------------------------------------------


def decode_arcs(topology: dict[str, Any]) -> list[list[Point]]:
    """Every arc of a quantized topology as absolute coordinates (delta-decoded, then
    scaled and translated by the topology's transform)."""
    transform = topology.get("transform")
    arcs: list[list[Point]] = []
    for arc in topology["arcs"]:
        if transform is None:
            arcs.append([(float(x), float(y)) for x, y, *_ in arc])
            continue
        (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
        x = y = 0
        points = []
        for dx, dy, *_ in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring_points(indexes: Iterable[int], arcs: Sequence[Sequence[Point]]) -> Ring:
    """A ring stitched from its arcs; ``~i`` is arc ``i`` reversed. Each arc after the
    first starts where the previous one ended, so that point is not repeated."""
    ring: Ring = []
    for index in indexes:
        arc = list(arcs[~index])[::-1] if index < 0 else list(arcs[index])
        ring.extend(arc if not ring else arc[1:])
    return ring


def polygons_of(geometry: dict[str, Any], arcs: Sequence[Sequence[Point]]) -> list[list[Ring]]:
    """The polygons (each a list of rings) of a Polygon or MultiPolygon geometry."""
    kind = geometry.get("type")
    if kind == "Polygon":
        return [[ring_points(ring, arcs) for ring in geometry["arcs"]]]
    if kind == "MultiPolygon":
        return [[ring_points(ring, arcs) for ring in polygon] for polygon in geometry["arcs"]]
    return []


# --- Simplifying -----------------------------------------------------------------------


def _distance_to_segment(point: Point, start: Point, end: Point) -> float:
    (px, py), (ax, ay), (bx, by) = point, start, end
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    if length == 0:
        return math.hypot(px - ax, py - ay)
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def simplify(points: Sequence[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker, keeping both ends (iterative: some arcs have thousands of points)."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        farthest, index = 0.0, -1
        for i in range(first + 1, last):
            distance = _distance_to_segment(points[i], points[first], points[last])
            if distance > farthest:
                farthest, index = distance, i
        if index != -1 and farthest > tolerance:
            keep[index] = True
            stack.extend([(first, index), (index, last)])
    return [point for point, kept in zip(points, keep, strict=True) if kept]


# --- Writing paths ---------------------------------------------------------------------


def _number(value: float, decimals: int = 1) -> str:
    text = f"{value:.{decimals}f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("-0", "") else text


def path_data(polygons: Iterable[Iterable[Ring]], decimals: int = 1) -> str:
    """SVG path data, one decimal, relative moves after the first point of each ring.

    Coordinates are rounded before the differences are taken, so rounding errors do
    not add up along a ring."""
    parts: list[str] = []
    for polygon in polygons:
        for ring in polygon:
            rounded = [(round(x, decimals), round(y, decimals)) for x, y in ring]
            deduplicated = [p for i, p in enumerate(rounded) if i == 0 or p != rounded[i - 1]]
            if len(deduplicated) < 3:
                continue
            (x0, y0), rest = deduplicated[0], deduplicated[1:]
            steps, (px, py) = [], (x0, y0)
            for x, y in rest:
                steps.append(f"{_number(x - px, decimals)} {_number(y - py, decimals)}")
                px, py = x, y
            parts.append(
                f"M{_number(x0, decimals)} {_number(y0, decimals)}l" + " ".join(steps) + "z"
            )
    return "".join(parts)


def _speck(polygons: list[list[Ring]]) -> str:
    """A small diamond where the atlas has shrunk a county to a point (Lexington city VA
    is under a map unit across), so it can still be seen, titled and followed."""
    x, y = polygons[0][0][0]
    return f"M{_number(x)} {_number(y - 0.4)}l0.4 0.4 -0.4 0.4 -0.4 -0.4z"


def _bounds(rings: Iterable[Ring]) -> list[float]:
    xs, ys = [], []
    for ring in rings:
        for x, y in ring:
            xs.append(x)
            ys.append(y)
    return [round(min(xs), 1), round(min(ys), 1), round(max(xs), 1), round(max(ys), 1)]


def _centre(polygons: list[list[Ring]]) -> list[float]:
    """Where a county's marker goes: the centroid of its largest outer ring (a county
    of many islands is marked on its main one)."""

    def area_and_centroid(ring: Ring) -> tuple[float, float, float]:
        area = cx = cy = 0.0
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
            cross = x1 * y2 - x2 * y1
            area += cross
            cx += (x1 + x2) * cross
            cy += (y1 + y2) * cross
        if area == 0:
            x0, y0, x1, y1 = _bounds([ring])
            return 0.0, (x0 + x1) / 2, (y0 + y1) / 2
        return abs(area) / 2, cx / (3 * area), cy / (3 * area)

    best = max((area_and_centroid(polygon[0]) for polygon in polygons), key=lambda a: a[0])
    return [round(best[1], 1), round(best[2], 1)]


# --- Building --------------------------------------------------------------------------


@dataclass(frozen=True)
class County:
    fips: str
    name: str
    polygons: list[list[Ring]]


def _load(atlas: Path, name: str) -> dict[str, Any]:
    try:
        topology: dict[str, Any] = json.loads((atlas / name).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ShapesError(f"Cannot read {atlas / name}: {error}") from None
    if topology.get("type") != "Topology" or "counties" not in topology.get("objects", {}):
        raise ShapesError(f"{atlas / name} is not the us-atlas counties TopoJSON.")
    return topology


def _simplified_counties(
    topology: dict[str, Any], keep: Any, tolerance: float
) -> tuple[list[County], list[Any]]:
    arcs = [simplify(arc, tolerance) for arc in decode_arcs(topology)]
    counties = [
        County(str(g["id"]), g.get("properties", {}).get("name", ""), polygons_of(g, arcs))
        for g in topology["objects"]["counties"]["geometries"]
        if keep(str(g.get("id", "")))
    ]
    return counties, arcs


def _project_inset(counties: list[County], box: tuple[float, float, float, float]) -> None:
    """Fit longitude/latitude polygons into ``box`` (equirectangular at the territory's
    latitude, north up), in place."""
    rings = [ring for county in counties for polygon in county.polygons for ring in polygon]
    # No territory crosses the antimeridian, so longitudes need no wrapping.
    lon = [x for ring in rings for x, _ in ring]
    lat = [y for ring in rings for _, y in ring]
    x0, x1, y0, y1 = min(lon), max(lon), min(lat), max(lat)
    stretch = math.cos(math.radians((y0 + y1) / 2))
    bx, by, bw, bh = box
    margin = 6.0
    scale = min((bw - 2 * margin) / ((x1 - x0) * stretch), (bh - 2 * margin) / (y1 - y0))
    left = bx + (bw - (x1 - x0) * stretch * scale) / 2
    top = by + (bh - (y1 - y0) * scale) / 2
    for county in counties:
        county.polygons[:] = [
            [
                [(left + (x - x0) * stretch * scale, top + (y1 - y) * scale) for x, y in ring]
                for ring in polygon
            ]
            for polygon in county.polygons
        ]


def build(atlas: Path) -> dict[str, Any]:
    """The shipped data: every county's path, bounds and marker point; each state's
    outline and bounds; the insets' boxes."""
    albers = _load(atlas, "counties-albers-10m.json")
    plain = _load(atlas, "counties-10m.json")
    main, arcs = _simplified_counties(albers, lambda fips: True, TOLERANCE)
    territories = {prefix for _code, prefix, _box in INSETS}
    inset_counties, _ = _simplified_counties(
        plain, lambda fips: fips[:2] in territories, TOLERANCE_DEGREES
    )
    for _code, prefix, box in INSETS:
        _project_inset([c for c in inset_counties if c.fips.startswith(prefix)], box)
    counties: dict[str, dict[str, Any]] = {}
    for county in sorted(main + inset_counties, key=lambda c: c.fips):
        if not county.polygons:
            continue
        d = path_data(county.polygons) or _speck(county.polygons)
        counties[county.fips] = {
            "name": county.name,
            "d": d,
            "bounds": _bounds(ring for polygon in county.polygons for ring in polygon),
            "centre": _centre(county.polygons),
        }
    states = {}
    for geometry in albers["objects"]["states"]["geometries"]:
        polygons = polygons_of(geometry, arcs)
        states[str(geometry["id"])] = {
            "d": path_data(polygons),
            "bounds": _bounds(ring for polygon in polygons for ring in polygon),
        }
    # The Aleutians reach west of the Albers box's left edge: the map's box holds them.
    left = min(0.0, min(county["bounds"][0] for county in counties.values()))
    top = min(0.0, min(county["bounds"][1] for county in counties.values()))
    return {
        "source": SOURCE,
        "box": [math.floor(left), math.floor(top), math.ceil(WIDTH - left), HEIGHT - top],
        "aliases": ALIASES,
        "insets": [{"state": code, "box": list(box)} for code, _prefix, box in INSETS],
        "states": states,
        "counties": counties,
    }


def write(data: dict[str, Any], output: Path = SHAPES) -> int:
    """Write the data gzip'd with a fixed timestamp, so a rebuild from the same atlas is
    byte for byte the same file. Returns its size."""
    text = json.dumps(data, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    output.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    return output.stat().st_size


# --- Reading ---------------------------------------------------------------------------


@cache
def shapes() -> dict[str, Any]:
    """The shipped shapes, read once per process."""
    with gzip.open(SHAPES, "rt", encoding="utf-8") as file:
        data: dict[str, Any] = json.load(file)
    return data
