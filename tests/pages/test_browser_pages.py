"""The staff pages in a real browser (Playwright driving Debian's Chromium).

Also saves the screenshots the README shows (docs/screenshots/).
"""

from __future__ import annotations

from typing import Any

import pytest

from jurisdictions.models import Agency
from tests.conftest import PDF, SCREENSHOTS, sign_in
from tracker.domain.workflow import State
from tracker.models import AgencyResponse, Letter, OptOutRequest, Transition

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUBJECT = "Third request not to be activated"


def test_an_editor_walks_san_franciscos_2010_story(
    browser_page: Any, editor: Any, record_2010: None
) -> None:
    """San Francisco's sheriff wrote twice in 2010 and had no reply (the fixtures hold
    both letters, and the request is already ``notice_sent``). The story carries on
    from there as staff would log it: the case is escalated to the press; the sheriff
    faxes a further letter, with a PDF, to ICE's program office and the California
    SIB; that new letter renews the notice (back to ``notice_sent``); ICE's reply to
    it is logged; and the letter leaves the dashboard's "awaiting a reply" list."""
    page = browser_page
    sf = OptOutRequest.objects.get(reference="san-francisco-2010")
    sign_in(page, "editor", "pw-editor")

    page.get_by_role(
        "link", name="San Francisco: the sheriff's request not to be activated"
    ).first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == sf.title

    # No reply for months: the case goes to the press.
    move = page.locator(".move-form")
    move.get_by_label("Note (why)").fill("No reply to either letter; taken to the press.")
    move.get_by_role("button", name="Escalate (Congress, courts, press)").click()
    page.wait_for_load_state()
    assert page.locator("#current-status").inner_text() == "Escalated"

    # The sheriff's further letter, by fax, to ICE and the SIB, with the scan.
    page.get_by_text("Log a letter").click()
    form = page.locator("#log-letter form")
    assert form.get_by_label("Sender").input_value() == str(
        Agency.objects.get(reference="sf-sheriff").pk
    )
    form.get_by_label(str(Agency.objects.get(reference="ice-secure-communities"))).check()
    form.get_by_label(str(Agency.objects.get(reference="ca-sib"))).check()
    form.get_by_label("Method").select_option(label="Fax")
    form.get_by_label("Sent", exact=True).fill("2010-10-12")
    form.get_by_label("Subject").fill(SUBJECT)
    form.get_by_label("Summary").fill("Following ICE's published steps once more.")
    form.get_by_label("Attachment").set_input_files(
        files=[{"name": "sheriff-letter.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    form.get_by_role("button", name="Save the letter").click()
    page.wait_for_load_state()
    highlighted = page.locator(".entry.is-new")
    assert SUBJECT in highlighted.inner_text()
    assert "12 October 2010" in highlighted.inner_text()
    letter = Letter.objects.get(subject=SUBJECT)
    assert letter.method == Letter.Method.FAX
    assert letter.recipients.count() == 2
    assert letter.attachment.read() == PDF

    # The new letter renews the notice.
    page.locator(".move-form").get_by_role(
        "button", name="Renew the notice with a new letter"
    ).click()
    page.wait_for_load_state()
    assert page.locator("#current-status").inner_text() == "Notice sent"
    assert sf.transitions.latest("at").to_state == State.NOTICE_SENT
    page.screenshot(path=str(SCREENSHOTS / "request.png"), full_page=True)

    # ICE's reply to that letter.
    page.goto("/")
    assert SUBJECT in page.locator("#awaiting-list").inner_text()
    page.locator("#awaiting-list").get_by_role("link", name=SUBJECT).click()
    page.wait_for_load_state()
    page.get_by_text("Log a reply").click()
    reply = page.locator("#log-reply form")
    reply.get_by_label("From agency").select_option(label=str(Agency.objects.get(reference="ice")))
    reply.get_by_label("Answers letter").select_option(label=SUBJECT)
    reply.get_by_label("Kind of reply").select_option(label="Acknowledged receipt")
    reply.get_by_label("Date").fill("2010-11")
    reply.get_by_label("Summary").fill("ICE acknowledges the sheriff's letter.")
    reply.get_by_role("button", name="Save the reply").click()
    page.wait_for_load_state()
    assert "November 2010" in page.locator(".entry.is-new").inner_text()
    assert AgencyResponse.objects.get(letter=letter).kind == "acknowledged"

    page.goto("/")
    awaiting = page.locator("#awaiting-list").inner_text()
    assert SUBJECT not in awaiting
    assert "Second request to opt out" in awaiting
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)


def test_bad_input_is_shown_next_to_the_field_and_what_was_typed_is_kept(
    browser_page: Any, editor: Any, record_2010: None
) -> None:
    page = browser_page
    sf = OptOutRequest.objects.get(reference="san-francisco-2010")
    letters_before = Letter.objects.count()
    sign_in(page, "editor", "pw-editor")
    page.goto(sf.get_absolute_url())
    page.get_by_text("Log a letter").click()
    form = page.locator("#log-letter form")
    # The sent date is a date picker; the received date is typed as far as known.
    form.get_by_label("Received").fill("12/10/2010")
    form.get_by_label("Summary").fill("Typed with care; must not be lost.")
    form.get_by_role("button", name="Save the letter").click()
    page.wait_for_load_state()
    form = page.locator("#log-letter form")
    assert "is not a date: use YYYY-MM-DD, YYYY-MM or YYYY." in form.inner_text()
    assert "This field is required." in form.inner_text()
    assert form.get_by_label("Received").input_value() == "12/10/2010"
    assert form.get_by_label("Summary").input_value() == "Typed with care; must not be lost."
    assert Letter.objects.count() == letters_before
    page.locator("#log-letter").scroll_into_view_if_needed()
    page.locator("#log-letter").screenshot(path=str(SCREENSHOTS / "form-errors.png"))


def test_a_viewer_sees_the_case_but_no_edit_controls(
    browser_page: Any, viewer: Any, record_2010: None
) -> None:
    page = browser_page
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    sign_in(page, "viewer", "pw-viewer")
    page.get_by_role(
        "link", name="San Francisco: the sheriff's request not to be activated"
    ).first.click()
    page.wait_for_load_state()
    assert page.get_by_text("Second request to opt out").first.is_visible()
    main = page.locator("main")
    assert main.locator("form").count() == 0
    assert main.get_by_role("button").count() == 0
    assert page.get_by_text("Logging and moving it needs the Editors role").is_visible()
    # The stylesheet loaded under the Content-Security-Policy, and nothing was blocked.
    assert page.locator("main").evaluate("el => getComputedStyle(el).maxWidth") == "1216px"
    assert console_errors == []


def test_the_request_page_works_by_keyboard_on_a_phone_sized_screen(
    browser_page: Any, editor: Any, record_2010: None
) -> None:
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    sf = OptOutRequest.objects.get(reference="san-francisco-2010")
    moves_before = Transition.objects.filter(request=sf).count()
    sign_in(page, "editor", "pw-editor")
    page.goto(sf.get_absolute_url())
    # Nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # The meeting form opens and submits from the keyboard alone.
    page.locator("#log-meeting summary").focus()
    page.keyboard.press("Enter")
    page.locator("#log-meeting form").get_by_label("Place").focus()
    page.keyboard.type("City Hall")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "City Hall" in page.locator(".entry.is-new").inner_text()
    assert Transition.objects.filter(request=sf).count() == moves_before
