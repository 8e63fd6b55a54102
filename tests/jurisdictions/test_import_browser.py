"""An editor imports jurisdictions through the admin in a real browser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jurisdictions.domain.importer import COLUMNS
from jurisdictions.models import Jurisdiction
from tests.conftest import SCREENSHOTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_editor_uploads_previews_and_confirms_an_import(
    browser_page: Any, editor: Any, record_2010: None, tmp_path: Path
) -> None:
    page = browser_page
    csv_file = tmp_path / "virginia.csv"
    csv_file.write_text(
        ",".join(COLUMNS)
        + "\nArlington County,county,VA,51013,,activated,2010-11-05,"
        + "\nFairfax County,county,VA,51059,ocd-division/country:us/state:va/county:fairfax,,,"
        + "\nAlexandria city,independent_city,VA,51510,,,,\n"
    )
    sign_in(page, "editor", "pw-editor")

    page.goto("/admin/jurisdictions/jurisdiction/")
    page.get_by_role("link", name="Import CSV").click()
    page.get_by_label("CSV file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Check the file").click()

    assert (
        "Would create 2, update 1, leave 0 unchanged."
        in page.locator("#import-summary").inner_text()
    )
    updates = page.locator("#import-updates").inner_text()
    assert "Arlington County, VA" in updates
    assert "unknown → activated" in updates
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "admin-jurisdiction-import-preview.png"), full_page=True)
    assert Jurisdiction.objects.filter(state="VA").count() == 1  # nothing written yet

    page.get_by_role("button", name="Import").click()

    assert "Created 2, updated 1, left 0 unchanged." in page.locator(".messagelist").inner_text()
    arlington = Jurisdiction.objects.get(fips="51013")
    assert arlington.deployment_status == "activated"
    assert Jurisdiction.objects.filter(state="VA").count() == 3


def test_an_invalid_file_is_explained_line_by_line_in_the_browser(
    browser_page: Any, editor: Any, tmp_path: Path
) -> None:
    page = browser_page
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text(
        ",".join(COLUMNS)
        + "\nFairfax County,county,VA,5105,,,,"
        + "\nAlexandria city,independent_city,VA,51510,,opted out,,\n"
    )
    sign_in(page, "editor", "pw-editor")

    page.goto("/admin/jurisdictions/jurisdiction/import/")
    page.get_by_label("CSV file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Check the file").click()

    errors = page.locator("#import-errors").inner_text()
    assert "malformed FIPS code “5105”" in errors
    assert "did you mean" not in errors  # 05105 is not a Virginia code
    assert "unknown deployment status “opted out”" in errors
    assert page.get_by_role("button", name="Import").count() == 0
    page.screenshot(path=str(SCREENSHOTS / "admin-jurisdiction-import-errors.png"), full_page=True)
    assert not Jurisdiction.objects.exists()
