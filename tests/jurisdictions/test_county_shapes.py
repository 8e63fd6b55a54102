"""The shipped county shapes: built from the us-atlas TopoJSON, one for every county
of the shipped list (but three the Census boundaries no longer draw)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from jurisdictions.data import shapes as building
from jurisdictions.data.counties import DATASET
from jurisdictions.data.shapes import shapes
from jurisdictions.domain import maps

#: Counties of the 2010 list with no shape in the Census boundaries: Bedford city VA
#: (merged into Bedford County in 2013), and two uninhabited islands of American Samoa.
WITHOUT_SHAPES = {"51515", "60030", "60040"}
PATH_DATA = re.compile(r"^(M-?[0-9.]+ -?[0-9.]+l(-?[0-9.]+ -?[0-9.]+ ?)+z)+$")


def _listed() -> dict[str, str]:
    with DATASET.open(encoding="utf-8") as file:
        return {row["fips"]: row["name"] for row in csv.DictReader(file)}


def test_every_listed_county_has_a_shape_but_three() -> None:
    listed = _listed()
    drawable = maps.county_codes()
    assert {fips for fips in listed if fips not in drawable} == WITHOUT_SHAPES


def test_every_shape_is_a_listed_county_under_its_2010_code_or_its_new_one() -> None:
    listed = set(_listed())
    data = shapes()
    renamed = set(data["aliases"].values())
    assert {fips for fips in data["counties"] if fips not in listed} == renamed
    assert all(old in listed for old in data["aliases"])


def test_shapes_are_plain_path_data_inside_the_map() -> None:
    """The pages put the path data in the HTML as it is: only digits and path letters."""
    data = shapes()
    left, top, width, height = data["box"]
    for fips, county in data["counties"].items():
        assert PATH_DATA.match(county["d"]), fips
        x0, y0, x1, y1 = county["bounds"]
        assert left <= x0 <= x1 <= left + width
        assert top <= y0 <= y1 <= top + height
        assert x0 <= county["centre"][0] <= x1 or len(county["d"]) < 40, fips
    assert data["source"].startswith("U.S. Census Bureau")


def test_a_state_map_zooms_to_its_counties() -> None:
    whole = maps.view_box()
    california = maps.view_box("CA")
    assert whole == (-58.0, 0.0, 1033.0, 700.0)
    assert california[2] < whole[2] / 3
    for county in (c for f, c in shapes()["counties"].items() if f.startswith("06")):
        x0, y0, x1, y1 = county["bounds"]
        assert california[0] <= x0 and x1 <= california[0] + california[2]
        assert california[1] <= y0 and y1 <= california[1] + california[3]


def test_arcs_are_delta_decoded_and_stitched_into_rings() -> None:
    topology = {
        "transform": {"scale": [2, 3], "translate": [10, 20]},
        "arcs": [[[0, 0], [1, 0], [0, 1]], [[1, 1], [-1, 0], [0, -1]]],
    }
    arcs = building.decode_arcs(topology)
    assert arcs[0] == [(10, 20), (12, 20), (12, 23)]
    assert arcs[1] == [(12, 23), (10, 23), (10, 20)]
    # Each arc after the first starts where the previous ended: that point is not repeated.
    assert building.ring_points([0, 1], arcs) == [
        (10, 20),
        (12, 20),
        (12, 23),
        (10, 23),
        (10, 20),
    ]
    # ~i is arc i reversed: the same ring, the other way round.
    assert building.ring_points([~1, ~0], arcs) == [
        (10, 20),
        (10, 23),
        (12, 23),
        (12, 20),
        (10, 20),
    ]


def test_simplifying_keeps_the_ends_and_every_point_off_the_line() -> None:
    points = [(0.0, 0.0), (1.0, 0.01), (2.0, 0.0), (3.0, 5.0), (4.0, 0.0)]
    assert building.simplify(points, 0.1) == [(0.0, 0.0), (2.0, 0.0), (3.0, 5.0), (4.0, 0.0)]


def test_path_data_is_relative_after_each_rings_first_point() -> None:
    square = [[[(1.0, 1.0), (3.0, 1.0), (3.0, 3.25), (1.0, 3.0)]]]
    assert building.path_data(square) == "M1 1l2 0 0 2.2 -2 -0.2z"


def test_the_build_command_explains_a_missing_atlas(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("build_county_shapes", atlas=tmp_path, output=tmp_path / "out.json.gz")
    assert not (tmp_path / "out.json.gz").exists()


def test_the_build_command_refuses_a_file_that_is_not_the_atlas(tmp_path: Path) -> None:
    (tmp_path / "counties-albers-10m.json").write_text(json.dumps({"type": "FeatureCollection"}))
    with pytest.raises(CommandError, match="not the us-atlas counties TopoJSON"):
        call_command("build_county_shapes", atlas=tmp_path, output=tmp_path / "out.json.gz")
