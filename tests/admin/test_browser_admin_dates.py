"""In a real browser whose timezone is not the tracker's, a date-only field carries no
"Enter times in the America/New_York timezone" note: a day is the same day everywhere."""

from __future__ import annotations

from typing import Any

from tests.conftest import sign_in


def test_a_date_only_field_has_no_timezone_note(
    browser_page: Any, live_server: Any, admin_user: Any
) -> None:
    browser = browser_page.context.browser
    context = browser.new_context(base_url=live_server.url, timezone_id="Europe/Madrid")
    page = context.new_page()
    try:
        sign_in(page, "admin", "pw-admin")
        page.goto("/admin/tracker/holiday/add/")
        page.wait_for_selector("#id_date")
        # Django's script still detects the mismatch and adds its note...
        note = page.locator(".timezonewarning")
        assert note.count() == 1
        assert "Enter times in the" in (note.text_content() or "")
        # ...but nobody sees it next to a date without a time.
        assert note.is_hidden()
        # The calendar next to the field is still offered.
        assert page.locator("#calendarlink0").is_visible()
    finally:
        context.close()
