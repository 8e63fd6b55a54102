"""Exporting jurisdictions in the import format, and the round trip through a spreadsheet."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from jurisdictions.domain.importer import COLUMNS, export_rows, import_csv, write_csv
from jurisdictions.models import Jurisdiction
from tests.factories import JurisdictionFactory

pytestmark = pytest.mark.django_db


def exported() -> str:
    out = io.StringIO()
    write_csv(None, out)
    return out.getvalue()


def test_the_export_writes_the_import_columns_and_every_value() -> None:
    JurisdictionFactory(
        name="Fairfax County",
        state="VA",
        fips="51059",
        ocd_id="ocd-division/country:us/state:va/county:fairfax",
        deployment_status="scheduled",
        activation_date=dt.date(2010, 11, 2),
        notes='Said "yes", then "no"',
    )

    rows = list(csv.reader(io.StringIO(exported())))

    assert rows == [
        list(COLUMNS),
        [
            "Fairfax County",
            "county",
            "VA",
            "51059",
            "ocd-division/country:us/state:va/county:fairfax",
            "scheduled",
            "2010-11-02",
            'Said "yes", then "no"',
        ],
    ]


def test_the_export_command_writes_a_file(tmp_path: Path) -> None:
    JurisdictionFactory(name="Alpha County", fips="06001")
    path = tmp_path / "out.csv"

    call_command("export_jurisdictions", str(path), stderr=io.StringIO())

    assert path.read_text().splitlines() == [
        ",".join(COLUMNS),
        "Alpha County,county,CA,06001,,unknown,,",
    ]


def test_the_export_command_writes_to_standard_output() -> None:
    JurisdictionFactory(name="Alpha County", fips="06001")
    out = io.StringIO()

    call_command("export_jurisdictions", stdout=out)

    assert out.getvalue().splitlines()[1] == "Alpha County,county,CA,06001,,unknown,,"


def test_a_round_trip_through_a_spreadsheet_changes_only_what_was_edited(editor: Any) -> None:
    for i in range(1, 6):
        JurisdictionFactory(name=f"County {i}", fips=f"06{i:03d}", notes=f"line one\nline {i}")
    alpha = Jurisdiction.objects.get(fips="06003")
    rows = list(csv.DictReader(io.StringIO(exported())))
    # The spreadsheet edit: one county is activated, with a date in U.S. form.
    for row in rows:
        if row["fips"] == "06003":
            row["deployment_status"] = "activated"
            row["activation_date"] = "10/26/2010"
    edited = io.StringIO()
    writer = csv.DictWriter(edited, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)

    plan = import_csv(edited.getvalue().encode(), by=editor)

    assert [r.jurisdiction.pk for r in plan.updates] == [alpha.pk]
    assert len(plan.unchanged) == 4
    assert not plan.creates
    alpha.refresh_from_db()
    assert alpha.deployment_status == "activated"
    assert alpha.activation_date == dt.date(2010, 10, 26)
    assert alpha.notes == "line one\nline 3"
    # And the export of the result imports as "nothing to do".
    again = import_csv(exported().encode())
    assert (len(again.creates), len(again.updates), len(again.unchanged)) == (0, 0, 5)


@pytest.mark.parametrize("rows", [5, 50])
def test_the_export_takes_one_query_at_5_and_50_rows(
    rows: int, django_assert_num_queries: Any
) -> None:
    for i in range(rows):
        JurisdictionFactory(name=f"County {i}", fips=f"06{i:03d}")

    # Expect 1 query: the jurisdictions' exported columns, in one streamed SELECT.
    with django_assert_num_queries(1):
        written = list(export_rows())

    assert len(written) == rows


def test_a_formula_typed_into_a_note_is_exported_inert_and_imported_back_unchanged(
    tmp_path: Any, db: None
) -> None:
    JurisdictionFactory(name="Formula County", state="CA", fips="06999", notes="=HYPERLINK(1)")
    out = io.StringIO()
    call_command("export_jurisdictions", stdout=out)
    assert ",'=HYPERLINK(1)" in out.getvalue()
    Jurisdiction.objects.filter(fips="06999").update(notes="changed")
    path = tmp_path / "round-trip.csv"
    path.write_text(out.getvalue())
    call_command("import_jurisdictions", str(path), stdout=io.StringIO())
    assert Jurisdiction.objects.get(fips="06999").notes == "=HYPERLINK(1)"
