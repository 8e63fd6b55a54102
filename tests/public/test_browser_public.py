"""An anonymous reader opens the public contradictions in a real browser."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_anonymous_reader_finds_the_7_september_and_6_october_pair(
    browser_page: Any, record_2010: None
) -> None:
    page = browser_page
    page.goto("/public/")
    page.get_by_role("link", name="Contradictions").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/public/statements/contradictions/")
    assert page.get_by_role("heading", name="Contradictions", level=1).is_visible()
    pair = page.locator("#pair-2010-09-07-napolitano--2010-10-06-napolitano")
    assert pair.is_visible()
    earlier, later = pair.locator("article").all()
    assert "7 September 2010" in earlier.inner_text()
    assert "Opting out is possible" in earlier.inner_text()
    assert "6 October 2010" in later.inner_text()
    assert "opt in/opt out program" in later.inner_text()
    # Side by side on a wide screen: the later statement starts to the right of the earlier.
    assert later.bounding_box()["x"] > earlier.bounding_box()["x"] + 100
    assert "29 days apart" in pair.inner_text()
    # No sign-in link or staff navigation on a public page.
    assert page.get_by_role("button", name="Sign out").count() == 0
    # A link to one pair scrolls to it and marks it: the view a press release links to.
    page.goto(
        "/public/statements/contradictions/#pair-2010-09-07-napolitano--2010-10-06-napolitano"
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "public-contradictions.png"), full_page=False)


def test_the_public_pages_read_on_a_phone_with_the_pair_stacked(
    browser_page: Any, record_2010: None
) -> None:
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/public/statements/contradictions/")
    pair = page.locator("#pair-2010-09-07-napolitano--2010-10-06-napolitano")
    earlier, later = pair.locator("article").all()
    assert later.bounding_box()["y"] > earlier.bounding_box()["y"]
    # Nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SCREENSHOTS / "public-contradictions-phone.png"), full_page=False)
