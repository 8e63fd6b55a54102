"""The map and the charts in a real browser (Playwright driving Debian's Chromium),
with JavaScript off: they are drawn by the server. Also saves the screenshots the
README shows (docs/screenshots/map.png, map-state.png, charts.png)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from jurisdictions.data.shapes import shapes
from jurisdictions.models import Jurisdiction
from tests.conftest import SCREENSHOTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def nation(record_2010: None) -> None:
    """Every county, and the 2010 record's four jurisdictions with their requests; a
    few states given a deployment status so the screenshot shows the colours."""
    call_command("import_jurisdictions", "--national", verbosity=0)
    Jurisdiction.objects.filter(state__in=["TX", "AZ", "MA"]).update(deployment_status="activated")
    Jurisdiction.objects.filter(state__in=["NM", "FL"]).update(deployment_status="scheduled")
    Jurisdiction.objects.filter(state="CA", deployment_status="unknown").update(
        deployment_status="activated"
    )
    Jurisdiction.objects.filter(state__in=["OR", "WA"]).update(deployment_status="not_scheduled")


def test_staff_see_every_county_and_open_one_from_a_state_map(
    browser_page: Any, editor: Any, nation: None
) -> None:
    page = browser_page
    sign_in(page, "editor", "pw-editor")
    page.get_by_role("link", name="Map", exact=True).click()
    page.wait_for_load_state()
    county_map = page.locator("svg#county-map")
    assert county_map.is_visible()
    assert county_map.locator("path.county").count() == len(shapes()["counties"])
    assert county_map.locator("circle.marker").count() == 4
    box = county_map.bounding_box()
    assert box["width"] > 1000 and box["height"] > 600
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "map.png"), full_page=True)

    # The state filter zooms to California; Santa Clara County opens its page.
    page.get_by_label("State", exact=True).select_option(label="California")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert page.url.endswith("/map/CA/")
    assert page.locator("svg#county-map path.county").count() == 58
    page.screenshot(path=str(SCREENSHOTS / "map-state.png"), full_page=False)
    santa_clara = Jurisdiction.objects.get(fips="06085")
    # The county and its dot are one link; the dot, drawn last, is what a click lands on.
    page.locator(f'a[href="/jurisdictions/{santa_clara.pk}/"]:has(circle.marker)').click()
    page.wait_for_load_state()
    assert "Santa Clara County" in page.get_by_role("heading", level=1).inner_text()


def test_an_anonymous_reader_reads_the_charts_and_the_public_map_without_javascript(
    live_server: Any, browser_page: Any, record_2010: None
) -> None:
    context = browser_page.context.browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto("/public/")
    page.get_by_role("link", name="Charts", exact=True).click()
    page.wait_for_load_state()
    for key in ("reply-times", "cases-by-status", "awaiting-by-age"):
        chart = page.locator(f"svg#chart-{key}")
        assert chart.is_visible(), key
        assert chart.get_attribute("role") == "img"
    # The text alternative: each chart's figures in a table a screen reader can read.
    page.get_by_text("The figures as a table").first.click()
    table = page.get_by_role("table", name="Reply times per agency")
    assert table.is_visible()
    assert "Secure Communities Program Office" in table.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "charts.png"), full_page=True)

    page.goto("/public/map/VA/")
    page.locator('a[href="/public/jurisdictions/va-arlington-county/"]:has(circle.marker)').click()
    page.wait_for_load_state()
    assert "Arlington County" in page.get_by_role("heading", level=1).inner_text()
    context.close()
