"""The case page as staff work in it, in a real browser (Playwright driving Debian's
Chromium): correct a letter, log ICE's reply with the move it implies, and withdraw the
request with a reason; a viewer sees none of the controls."""

from __future__ import annotations

from typing import Any

import pytest

from jurisdictions.models import Agency
from tests.conftest import sign_in
from tracker.domain.workflow import State
from tracker.models import Letter, OptOutRequest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_editor_corrects_a_letter_logs_a_reply_with_its_move_and_withdraws_with_a_reason(
    browser_page: Any, editor: Any, record_2010: None
) -> None:
    page = browser_page
    sf = OptOutRequest.objects.get(reference="san-francisco-2010")
    letter = sf.letters.get(reference="san-francisco-2010-letter-2")
    sign_in(page, "editor", "pw-editor")
    page.goto(sf.get_absolute_url())

    # What the case waits for and what comes next, in one line at the top.
    summary = page.locator("#case-summary").inner_text()
    assert "Waiting for" in summary and "Next:" in summary and "overdue" in summary

    # A typo in the letter is corrected from the case itself.
    page.locator(f"#letter-{letter.pk}").get_by_role("link", name="Edit this letter").click()
    page.wait_for_load_state()
    form = page.locator("#edit-form")
    form.get_by_label("Subject").fill("Second request to opt out (corrected)")
    form.get_by_role("button", name="Save the changes").click()
    page.wait_for_load_state()
    assert "Second request to opt out (corrected)" in page.locator(".entry.is-new").inner_text()
    letter.refresh_from_db()
    assert letter.subject == "Second request to opt out (corrected)"
    assert letter.history.count() >= 2

    # ICE acknowledges: the reply and the move it implies, in one step.
    page.get_by_text("Log a reply or a letter received").click()
    reply = page.locator("#log-reply form")
    assert reply.get_by_label("Move the request as this reply implies").is_checked()
    reply.get_by_label("From agency").select_option(label=str(Agency.objects.get(reference="ice")))
    reply.get_by_label("Answers letter").select_option(label=letter.subject)
    reply.get_by_label("Kind of reply").select_option(label="Acknowledged receipt")
    reply.get_by_label("Date").fill("2010-11")
    reply.get_by_role("button", name="Save the reply").click()
    page.wait_for_load_state()
    assert page.locator("#current-status").inner_text() == "Acknowledged"

    # Withdrawing is a link to a page that asks why; the reason is kept with the move.
    assert page.locator(".move-form").get_by_role("button", name="Withdraw").count() == 0
    page.get_by_role("link", name="Withdraw the request…").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Withdraw the request").click()
    page.wait_for_load_state()
    assert "This field is required." in page.locator(".confirm-form").inner_text()
    sf.refresh_from_db()
    assert sf.status == State.ACKNOWLEDGED
    page.get_by_label("Reason").fill("The sheriff asked us to stop pursuing it.")
    page.get_by_role("button", name="Withdraw the request").click()
    page.wait_for_load_state()
    assert page.locator("#current-status").inner_text() == "Withdrawn"
    assert "The sheriff asked us to stop pursuing it." in page.locator(".entry.is-new").inner_text()
    sf.refresh_from_db()
    assert sf.status == State.WITHDRAWN
    assert Letter.objects.filter(request=sf).count() == 2


def test_a_viewer_sees_no_edit_links_on_the_case_page(
    browser_page: Any, viewer: Any, record_2010: None
) -> None:
    page = browser_page
    sf = OptOutRequest.objects.get(reference="san-francisco-2010")
    sign_in(page, "viewer", "pw-viewer")
    page.goto(sf.get_absolute_url())
    assert "Next:" in page.locator("#case-summary").inner_text()
    main = page.locator("main")
    assert main.get_by_role("link", name="Edit this letter").count() == 0
    assert main.get_by_role("link", name="Withdraw the request…").count() == 0
    assert main.locator("form").count() == 0
    page.goto(f"/edit/letter/{sf.letters.first().pk}/")
    assert "Not allowed" in page.locator("main").inner_text()
