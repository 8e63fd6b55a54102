"""Importing jurisdictions from CSV: matching, updates, idempotence, dry runs and bad input."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jurisdictions.domain.importer import (
    COLUMNS,
    ImportRefused,
    apply_plan,
    import_csv,
    plan_import,
)
from jurisdictions.models import Jurisdiction
from tests.factories import JurisdictionFactory

pytestmark = pytest.mark.django_db

HEADER = ",".join(COLUMNS)


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def run(tmp_path: Path, data: bytes, *args: str) -> tuple[str, str]:
    path = tmp_path / "jurisdictions.csv"
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    call_command("import_jurisdictions", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def fail(tmp_path: Path, data: bytes) -> str:
    """Run the command expecting a refusal; return everything it said."""
    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import_jurisdictions", str(path), stdout=out, stderr=err)
    return err.getvalue() + str(refused.value)


def history_count() -> int:
    return int(Jurisdiction.history.count())


# --- Creating and matching --------------------------------------------------------------


def test_it_creates_jurisdictions_with_history(tmp_path: Path) -> None:
    data = csv_bytes(
        "Fairfax County,county,VA,51059,ocd-division/country:us/state:va/county:fairfax,"
        "scheduled,2010-11-02,Board vote pending",
        "Alexandria city,independent_city,va,51510,,,,",
    )

    out, _ = run(tmp_path, data)

    fairfax = Jurisdiction.objects.get(fips="51059")
    assert (fairfax.name, fairfax.kind, fairfax.state) == ("Fairfax County", "county", "VA")
    assert fairfax.ocd_id == "ocd-division/country:us/state:va/county:fairfax"
    assert fairfax.deployment_status == "scheduled"
    assert fairfax.activation_date == dt.date(2010, 11, 2)
    assert fairfax.notes == "Board vote pending"
    assert fairfax.reference == "va-fairfax-county"
    alexandria = Jurisdiction.objects.get(fips="51510")
    assert alexandria.state == "VA"
    assert alexandria.deployment_status == "unknown"
    record = fairfax.history.get()
    assert record.history_type == "+"
    assert record.history_change_reason == "Imported from jurisdictions.csv"
    assert "Created 2, updated 0, left 0 unchanged." in out


def test_it_matches_by_fips_before_ocd_id_and_name(tmp_path: Path) -> None:
    by_fips = JurisdictionFactory(name="Alpha County", fips="06001", ocd_id=None)
    by_ocd = JurisdictionFactory(
        name="Beta County", fips=None, ocd_id="ocd-division/country:us/state:ca/county:beta"
    )
    by_name = JurisdictionFactory(name="Gamma County", fips=None, ocd_id=None)

    plan = plan_import(
        csv_bytes(
            # Every row also names the others' keys, so only the order decides.
            "Gamma County,,CA,06001,ocd-division/country:us/state:ca/county:beta,activated,,",
        )
    )

    assert plan.errors  # the row would take Beta's OCD id and Gamma's name: refused
    assert {e.column for e in plan.errors} == {"ocd_id"}
    plan = plan_import(csv_bytes("Gamma County,,CA,06001,,activated,,"))
    assert [(r.jurisdiction.pk, r.matched_by) for r in plan.rows] == [(by_fips.pk, "FIPS")]
    plan = plan_import(
        csv_bytes("Gamma County,,CA,,ocd-division/country:us/state:ca/county:beta,activated,,")
    )
    assert [(r.jurisdiction.pk, r.matched_by) for r in plan.rows] == [(by_ocd.pk, "OCD id")]
    plan = plan_import(csv_bytes("gamma county,,ca,,,activated,,"))
    assert [(r.jurisdiction.pk, r.matched_by) for r in plan.rows] == [
        (by_name.pk, "name and state")
    ]


def test_an_update_raises_the_version_and_records_who_imported(tmp_path: Path, editor: Any) -> None:
    county = JurisdictionFactory(name="Alpha County", fips="06001")
    version = county.version

    plan = import_csv(csv_bytes("Alpha County,,CA,06001,,activated,2010-05-11,"), by=editor)

    county.refresh_from_db()
    assert county.deployment_status == "activated"
    assert county.activation_date == dt.date(2010, 5, 11)
    assert county.version == version + 1
    latest = county.history.order_by("-history_date", "-history_id").first()
    assert latest.history_type == "~"
    assert latest.history_user == editor
    assert latest.version == version + 1
    assert [c.field for c in plan.updates[0].changes] == ["deployment_status", "activation_date"]


def test_an_empty_cell_leaves_the_existing_value_alone(tmp_path: Path) -> None:
    county = JurisdictionFactory(
        name="Alpha County",
        fips="06001",
        deployment_status="activated",
        activation_date=dt.date(2010, 5, 11),
        notes="Entered by an editor",
    )

    out, _ = run(tmp_path, csv_bytes("Alpha County,county,CA,06001,,,,"))

    county.refresh_from_db()
    assert county.deployment_status == "activated"
    assert county.activation_date == dt.date(2010, 5, 11)
    assert county.notes == "Entered by an editor"
    assert "left 1 unchanged" in out


def test_it_keeps_the_trackers_name_and_kind_unless_asked_to_rename(tmp_path: Path) -> None:
    city: Any = JurisdictionFactory(name="San Francisco", kind="city_and_county", fips="06075")
    data = csv_bytes("San Francisco County,county,CA,06075,,,,")

    out, _ = run(tmp_path, data)
    city.refresh_from_db()
    assert city.name == "San Francisco"
    assert city.kind == "city_and_county"
    assert "use --rename" in out

    run(tmp_path, data, "--rename")
    city.refresh_from_db()
    assert city.name == "San Francisco County"
    assert city.kind == "county"


def test_importing_the_same_file_twice_changes_nothing_the_second_time(tmp_path: Path) -> None:
    JurisdictionFactory(name="Alpha County", fips="06001", notes="old")
    data = csv_bytes(
        "Alpha County,county,CA,06001,,scheduled,,new notes",
        "Beta County,county,CA,06003,,,,",
    )
    run(tmp_path, data)
    versions = dict(Jurisdiction.objects.values_list("fips", "version"))
    histories = history_count()

    out, _ = run(tmp_path, data)

    assert dict(Jurisdiction.objects.values_list("fips", "version")) == versions
    assert history_count() == histories
    assert "Created 0, updated 0, left 2 unchanged." in out


def test_a_dry_run_reports_each_row_and_writes_nothing(tmp_path: Path) -> None:
    JurisdictionFactory(name="Alpha County", fips="06001")
    histories = history_count()

    out, _ = run(
        tmp_path,
        csv_bytes(
            "Alpha County,county,CA,06001,,activated,,",
            "Beta County,county,CA,06003,,,,",
            "Gamma County,county,CA,06005,,,,",
        ),
        "--dry-run",
    )

    assert "line 2: update Alpha County, CA (matched by FIPS)" in out
    assert "Secure Communities deployment: unknown → activated" in out
    assert "line 3: create Beta County, CA" in out
    assert "Would create 2, update 1, leave 0 unchanged." in out
    assert Jurisdiction.objects.count() == 1
    assert Jurisdiction.objects.get().deployment_status == "unknown"
    assert history_count() == histories


def test_a_file_with_comma_separated_quoted_notes_and_a_byte_order_mark_imports(
    tmp_path: Path,
) -> None:
    data = "\ufeff" + HEADER + '\nAlpha County,county,CA,06001,,,,"Two lines,\nand a comma"\n'

    run(tmp_path, data.encode())

    assert Jurisdiction.objects.get().notes == "Two lines,\nand a comma"


def test_labels_and_us_dates_from_a_spreadsheet_are_understood(tmp_path: Path) -> None:
    run(tmp_path, csv_bytes("Alpha County,County,CA,06001,,Activated,9/7/2010,"))

    county = Jurisdiction.objects.get()
    assert (county.kind, county.deployment_status) == ("county", "activated")
    assert county.activation_date == dt.date(2010, 9, 7)


# --- Bad input: every row reported, nothing written --------------------------------------

GOOD = "Alpha County,county,CA,06001,,,,"

BAD_ROWS = [
    pytest.param(
        "Beta County,county,ZZ,06003,,,,", "line 3, state: unknown state “ZZ”", id="state"
    ),
    pytest.param("Beta County,county,CA,6003,,,,", "did you mean 06003?", id="fips-zero"),
    pytest.param("Beta County,county,CA,06-003,,,,", "malformed FIPS code", id="fips"),
    pytest.param(
        "Beta County,county,CA,06001,,,,",
        "line 3, fips: duplicate in the file: FIPS 06001 is also on line 2",
        id="duplicate-fips",
    ),
    pytest.param(
        "Beta County,county,CA,06003,,activated,2010-02-30,",
        "line 3, activation_date: invalid date “2010-02-30”",
        id="date",
    ),
    pytest.param(
        "Beta County,county,CA,06003,,activated,2099-01-01,",
        "line 3, activation_date: 2099-01-01 is in the future",
        id="activated-in-the-future",
    ),
    pytest.param(
        "Beta County,county,CA,06003,,,," + "x" * 20_001,
        "line 3, notes: Ensure this value has at most 20000 characters",
        id="notes-too-long",
    ),
    pytest.param(
        "Beta County,county,CA,06003,,opted out,,",
        "line 3, deployment_status: unknown deployment status “opted out”",
        id="status",
    ),
    pytest.param("Beta County,county,CA,06003,,", "line 3: has 6 cells", id="cells"),
    pytest.param("Beta County,kingdom,CA,06003,,,,", "unknown kind “kingdom”", id="kind"),
    pytest.param(
        "Beta County,county,CA,51003,,,,",
        "line 3, fips: FIPS 51003 does not belong to CA",
        id="fips-state",
    ),
    pytest.param(
        "Beta County,county,CA,06003,,not_scheduled,2010-09-01,",
        "line 3, activation_date: A jurisdiction that is not scheduled",
        id="unscheduled-date",
    ),
    pytest.param(
        "Beta County,county,CA,06003,not-an-id,,,",
        "line 3, ocd_id: An Open Civic Data id looks like",
        id="ocd-id",
    ),
    pytest.param(
        "Beta County,,CA,06003,,,,",
        "line 3, kind: kind is required to create a new jurisdiction",
        id="create-without-kind",
    ),
]


@pytest.mark.parametrize(("row", "message"), BAD_ROWS)
def test_an_invalid_row_is_reported_with_its_line_and_nothing_is_written(
    tmp_path: Path, row: str, message: str
) -> None:
    said = fail(tmp_path, csv_bytes(GOOD, row))

    assert message in said
    assert "nothing was written" in said
    assert not Jurisdiction.objects.exists()


def test_a_value_kept_by_a_jurisdiction_outside_the_file_is_refused(tmp_path: Path) -> None:
    JurisdictionFactory(
        name="Alpha County", fips="06001", ocd_id="ocd-division/country:us/state:ca/county:a"
    )
    beta = JurisdictionFactory(name="Beta County", fips="06003", ocd_id=None)

    # The row matches Beta by FIPS and would give it the OCD id Alpha keeps.
    said = fail(
        tmp_path,
        csv_bytes("Beta County,county,CA,06003,ocd-division/country:us/state:ca/county:a,,,"),
    )

    assert (
        "line 2, ocd_id: OCD id ocd-division/country:us/state:ca/county:a is also used by "
        "Alpha County, CA (already in the tracker)" in said
    )
    beta.refresh_from_db()
    assert beta.ocd_id is None


def test_two_rows_matching_the_same_jurisdiction_are_refused(tmp_path: Path) -> None:
    JurisdictionFactory(
        name="Alpha County", fips="06001", ocd_id="ocd-division/country:us/state:ca/county:a"
    )

    said = fail(
        tmp_path,
        csv_bytes(
            "Alpha County,county,CA,06001,,,,",
            "Zeta County,county,CA,,ocd-division/country:us/state:ca/county:a,activated,,",
        ),
    )

    assert "line 3: matches Alpha County, CA by OCD id, which line 2 already matches" in said


def test_every_invalid_row_is_reported_not_only_the_first(tmp_path: Path) -> None:
    said = fail(
        tmp_path,
        csv_bytes(
            "Beta County,county,ZZ,06003,,,,",
            GOOD,
            "Gamma County,county,CA,06005,,activated,tomorrow,",
            "Delta County,county,CA,06007,,maybe,,",
        ),
    )

    assert "line 2, state" in said
    assert "line 4, activation_date" in said
    assert "line 5, deployment_status" in said
    assert "3 invalid row(s)" in said


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(
            b"name,kind,state,ocd_id,deployment_status,activation_date,notes\n" + GOOD.encode(),
            "line 1: The header row is wrong (missing column: fips)",
            id="missing-column",
        ),
        pytest.param(
            HEADER.encode() + b",extra\n",
            "unknown column: extra",
            id="unknown-column",
        ),
        pytest.param(
            HEADER.replace(",", ";").encode() + b"\n",
            "separated by something other than commas",
            id="semicolons",
        ),
        pytest.param(
            csv_bytes(GOOD) + "Montréal County,county,CA,06003,,,,\n".encode("latin-1"),
            "line 3: The file is not UTF-8 text (byte 0xe9",
            id="not-utf8",
        ),
        pytest.param(b"PK\x03\x04\x14\x00\x06\x00", "spreadsheet workbook (.xlsx)", id="xlsx"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8", id="binary"),
        pytest.param(
            csv_bytes(GOOD) + b'"Beta County,county,CA,06003,,,,\n',
            "line 3: This is not readable CSV",
            id="unterminated-quote",
        ),
        pytest.param(b"", "line 1: The file is empty.", id="empty"),
    ],
)
def test_a_file_that_is_not_usable_csv_is_refused_with_a_reason(
    tmp_path: Path, data: bytes, message: str
) -> None:
    said = fail(tmp_path, data)

    assert message in said
    assert not Jurisdiction.objects.exists()


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_jurisdictions", str(tmp_path / "nope.csv"))


# --- Writing safely -------------------------------------------------------------------


def test_a_plan_is_refused_when_a_jurisdiction_changed_after_it_was_read() -> None:
    county = JurisdictionFactory(name="Alpha County", fips="06001")
    plan = plan_import(csv_bytes("Alpha County,,CA,06001,,activated,,"))
    county.notes = "Saved by an editor in the meantime"
    county.save()

    with pytest.raises(ImportRefused, match="changed by someone else"):
        apply_plan(plan)

    county.refresh_from_db()
    assert county.deployment_status == "unknown"


def test_a_confirmation_is_refused_when_the_preview_is_no_longer_true() -> None:
    county = JurisdictionFactory(name="Alpha County", fips="06001")
    data = csv_bytes("Alpha County,,CA,06001,,activated,,", "Beta County,county,CA,06003,,,,")
    previewed = plan_import(data).fingerprint()
    county.deployment_status = "activated"
    county.save()

    with pytest.raises(ImportRefused, match="changed since this file was checked"):
        import_csv(data, expected_fingerprint=previewed)

    assert not Jurisdiction.objects.filter(fips="06003").exists()


def test_rows_that_each_change_differently_are_all_saved_with_history() -> None:
    for i in range(1, 61):
        JurisdictionFactory(name=f"County {i}", fips=f"06{i:03d}")
    histories = history_count()

    # 60 different notes: more sets of changes than are saved group by group.
    plan = import_csv(
        csv_bytes(*(f"County {i},county,CA,06{i:03d},,,,note {i}" for i in range(1, 61)))
    )

    assert len(plan.updates) == 60
    assert dict(Jurisdiction.objects.values_list("fips", "notes"))["06042"] == "note 42"
    assert set(Jurisdiction.objects.values_list("version", flat=True)) == {2}
    assert history_count() == histories + 60


# --- Query counts -------------------------------------------------------------------------


def _file(n: int, start: int = 1) -> bytes:
    return csv_bytes(*(f"County {i},county,CA,06{i:03d},,,," for i in range(start, start + n)))


@pytest.mark.parametrize("rows", [5, 50])
def test_checking_a_file_takes_one_query_whatever_its_size(
    rows: int, django_assert_num_queries: Any
) -> None:
    for i in range(1, rows + 1, 2):
        JurisdictionFactory(name=f"County {i}", fips=f"06{i:03d}")

    # Expect 1 query: every jurisdiction, read once to match and check uniqueness.
    with django_assert_num_queries(1):
        plan = plan_import(_file(rows))

    assert len(plan.rows) == rows


@pytest.mark.parametrize("rows", [5, 50])
def test_importing_takes_the_same_queries_at_5_and_50_rows(
    rows: int, django_assert_num_queries: Any
) -> None:
    for i in range(1, rows + 1, 2):
        JurisdictionFactory(name=f"County {i}", fips=f"06{i:03d}")
    data = csv_bytes(
        *(f"County {i},county,CA,06{i:03d},,activated,,imported" for i in range(1, rows + 1))
    )

    # Expect 10 queries: savepoint; every jurisdiction, locked and read once (the
    # plan); savepoint; the versions of the rows to update, locked; the update;
    # its history rows; the new rows; their history rows; two savepoint releases.
    with django_assert_num_queries(10):
        import_csv(data)

    assert Jurisdiction.objects.filter(notes="imported").count() == rows
