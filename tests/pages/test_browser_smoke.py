"""A person can sign in with a real browser and see the 2010 record."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_viewer_signs_in_and_sees_the_four_jurisdictions(
    browser_page: Any, viewer: Any, record_2010: None
) -> None:
    sign_in(browser_page, "viewer", "pw-viewer")
    assert browser_page.get_by_role("heading", name="Opt-out requests").is_visible()
    table = browser_page.get_by_role("table", name="What comes next").inner_text()
    for name in ("Arlington County", "San Francisco", "Santa Clara County", "District of Columbia"):
        assert name in table
