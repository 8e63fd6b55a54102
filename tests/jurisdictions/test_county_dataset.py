"""The shipped national file: every U.S. county and county-equivalent, with FIPS and OCD ids."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from jurisdictions.data.counties import DATASET, ocd_id, ocd_slug, render
from jurisdictions.domain.importer import COLUMNS, import_csv, plan_import
from jurisdictions.models import Jurisdiction

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "jurisdictions.json"


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with DATASET.open(encoding="utf-8", newline="") as file:
        reader = csv.DictReader(file)
        assert tuple(reader.fieldnames or ()) == COLUMNS
        return list(reader)


def test_the_shipped_file_is_what_the_builder_produces() -> None:
    pytest.importorskip("addfips", reason="rebuilding the dataset needs pip install '.[data]'")

    assert DATASET.read_text(encoding="utf-8") == render()


def test_the_build_command_checks_the_shipped_file() -> None:
    pytest.importorskip("addfips", reason="rebuilding the dataset needs pip install '.[data]'")
    out = io.StringIO()

    call_command("build_county_dataset", "--check", stdout=out)

    assert "is up to date (3234 jurisdictions)" in out.getvalue()


def test_it_lists_every_county_and_equivalent_once(rows: list[dict[str, str]]) -> None:
    fips = [row["fips"] for row in rows]
    ocd_ids = [row["ocd_id"] for row in rows]

    assert 3100 < len(rows) < 3300
    assert len(set(fips)) == len(fips)
    assert len(set(ocd_ids)) == len(ocd_ids)
    assert len({(row["name"], row["state"]) for row in rows}) == len(rows)
    assert {row["state"] for row in rows} >= {"DC", "PR", "GU", "VI", "AS", "MP", "AK", "LA"}
    assert all(row["deployment_status"] == row["activation_date"] == "" for row in rows)


def test_it_includes_dc_and_the_independent_cities(rows: list[dict[str, str]]) -> None:
    by_fips = {row["fips"]: row for row in rows}
    virginia_cities = [r for r in rows if r["state"] == "VA" and r["kind"] == "independent_city"]

    assert by_fips["11001"]["name"] == "District of Columbia"
    assert len(virginia_cities) == 39  # in 2010, with Bedford (merged into its county in 2013)
    assert by_fips["51510"]["ocd_id"] == "ocd-division/country:us/state:va/place:alexandria"
    assert by_fips["51600"]["ocd_id"] == "ocd-division/country:us/state:va/place:fairfax"
    assert by_fips["51059"]["ocd_id"] == "ocd-division/country:us/state:va/county:fairfax"
    assert by_fips["24510"]["ocd_id"] == "ocd-division/country:us/state:md/place:baltimore"
    assert by_fips["29510"]["ocd_id"] == "ocd-division/country:us/state:mo/place:st_louis"
    assert by_fips["32510"]["ocd_id"] == "ocd-division/country:us/state:nv/place:carson_city"


def test_the_four_2010_jurisdictions_have_their_fixture_ids(rows: list[dict[str, str]]) -> None:
    by_fips = {row["fips"]: row for row in rows}
    fixtures = [
        entry["fields"]
        for entry in json.loads(FIXTURES.read_text())
        if entry["model"] == "jurisdictions.jurisdiction"
    ]

    assert len(fixtures) == 4
    for fixture in fixtures:
        row = by_fips[fixture["fips"]]
        assert (row["state"], row["ocd_id"]) == (fixture["state"], fixture["ocd_id"])


@pytest.mark.parametrize(
    ("fips", "name", "kind", "expected"),
    [
        ("51013", "Arlington County", "county", "state:va/county:arlington"),
        ("06075", "San Francisco County", "county", "state:ca/county:san_francisco"),
        ("11001", "District of Columbia", "district", "district:dc"),
        ("24033", "Prince George's County", "county", "state:md/county:prince_george~s"),
        ("01115", "St. Clair County", "county", "state:al/county:st_clair"),
        ("22071", "Orleans Parish", "parish", "state:la/parish:orleans"),
        ("02170", "Matanuska-Susitna Borough", "borough", "state:ak/borough:matanuska-susitna"),
        ("02110", "Juneau City and Borough", "city_and_borough", "state:ak/borough:juneau"),
        ("02050", "Bethel Census Area", "census_area", "state:ak/censusarea:bethel"),
        ("02020", "Anchorage Municipality", "municipality", "state:ak/borough:anchorage"),
        ("35013", "Doña Ana County", "county", "state:nm/county:dona_ana"),
        ("72127", "San Juan Municipio", "municipality", "territory:pr/municipio:san_juan"),
        ("66010", "Guam", "island", "territory:gu"),
    ],
)
def test_ocd_ids_follow_the_open_civic_data_conventions(
    fips: str, name: str, kind: str, expected: str
) -> None:
    assert ocd_id(fips, name, kind) == f"ocd-division/country:us/{expected}"


def test_a_name_becomes_an_ocd_id_part() -> None:
    assert ocd_slug("Queen Anne's") == "queen_anne~s"
    assert ocd_slug("Mayagüez") == "mayaguez"


@pytest.mark.django_db
def test_importing_the_national_file_over_the_2010_record_duplicates_nothing(
    record_2010: Any,
) -> None:
    data = DATASET.read_bytes()
    before = {j.fips: (j.name, j.version, j.notes) for j in Jurisdiction.objects.all()}

    first = import_csv(data)
    second = plan_import(data)

    assert first.ok, first.errors[:3]
    assert Jurisdiction.objects.count() == len(first.rows)
    assert len(first.creates) == len(first.rows) - 4
    assert {r.jurisdiction.fips for r in first.rows if r.action != "create"} == set(before)
    after = {
        j.fips: (j.name, j.version, j.notes) for j in Jurisdiction.objects.filter(fips__in=before)
    }
    assert after == before  # "San Francisco" keeps its name, and nothing else changed
    assert (len(second.creates), len(second.updates)) == (0, 0)


@pytest.mark.django_db
def test_the_command_reads_the_shipped_file_with_national() -> None:
    out = io.StringIO()

    call_command("import_jurisdictions", "--national", "--dry-run", "-v", "0", stdout=out)
    assert Jurisdiction.objects.count() == 0
    call_command("import_jurisdictions", "--national", stdout=out)

    assert Jurisdiction.objects.count() == 3234
    assert "Created 3234, updated 0, left 0 unchanged." in out.getvalue()
