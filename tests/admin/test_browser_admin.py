"""An editor logs a letter with its PDF and moves Arlington's request, in a real browser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import PDF, SCREENSHOTS, sign_in
from tracker.domain.workflow import State
from tracker.models import Letter, OptOutRequest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARLINGTON = "Arlington County: removal from Secure Communities"
SUBJECT = "Resolution asking to be removed from Secure Communities"


def choose(page: Any, select_id: str, search: str, option: str) -> None:
    """Pick ``option`` in an autocomplete (Select2) field, as a person would."""
    page.locator(f"#{select_id} + .select2").click()
    page.locator(".select2-container--open .select2-search__field").fill(search)
    page.locator(".select2-results__option", has_text=option).first.click()


def test_an_editor_logs_a_letter_with_a_pdf_moves_the_request_and_sees_both_in_the_history(
    browser_page: Any, editor: Any, record_2010: None
) -> None:
    page = browser_page
    sign_in(page, "editor", "pw-editor")
    page.goto("/admin/tracker/optoutrequest/")
    page.get_by_role("link", name=ARLINGTON).click()
    expect(page.get_by_role("heading", name="Status: Draft")).to_be_visible()
    # Nothing to mark as sent before a letter is logged.
    assert page.get_by_role("button", name="Mark the notice as sent").count() == 0

    new = "letters-2-0"
    choose(page, f"id_{new}-sender", "Arlington", "Arlington County Board")
    choose(page, f"id_{new}-recipients", "Secure Communities", "Secure Communities Program")
    page.select_option(f"#id_{new}-method", "mail")
    page.fill(f"#id_{new}-sent_on", "2010-09-28")
    page.fill(f"#id_{new}-subject", SUBJECT)
    page.set_input_files(
        f"#id_{new}-attachment",
        files=[{"name": "resolution.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.get_by_role("button", name="Save and continue editing").click()
    page.wait_for_load_state()
    expect(page.locator(".messagelist .success")).to_have_count(1)

    page.fill("#id_transition_note", "Resolution mailed to ICE on 28 September 2010")
    page.select_option("#id_transition_letter", label=SUBJECT)
    page.get_by_role("button", name="Mark the notice as sent").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Status: Notice sent")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "admin-request-change.png"))

    page.get_by_role("link", name="History").first.click()
    page.wait_for_load_state()
    history = page.locator("#content-main").inner_text()
    assert "Notice sent" in history
    assert SUBJECT in page.locator("#related-history").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "admin-request-history.png"), full_page=True)

    request = OptOutRequest.objects.get(title=ARLINGTON)
    assert request.status == State.NOTICE_SENT
    letter = Letter.objects.get(subject=SUBJECT)
    assert Path(letter.attachment.name).suffix == ".pdf"
    assert request.transitions.latest("at").letter == letter
