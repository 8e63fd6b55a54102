"""The letter form in a real browser (Playwright driving Debian's Chromium): the notice
pair in one key press, the recipients filtered as one types, a file dropped onto the
attachment, and the letter saved with the keyboard alone."""

from __future__ import annotations

from typing import Any

import factory
import pytest
from django.utils import timezone

from jurisdictions.models import Agency
from tests.attachment_files import text_pdf
from tests.conftest import SCREENSHOTS, sign_in
from tests.factories import AgencyFactory
from tracker.models import Letter, OptOutRequest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_notice_to_ice_and_the_sib_is_logged_with_the_keyboard_alone(
    browser_page: Any, editor: Any, record_2010: None
) -> None:
    page = browser_page
    sf = OptOutRequest.objects.get(reference="san-francisco-2010")
    ice = Agency.objects.get(reference="ice-secure-communities")
    sib = Agency.objects.get(reference="ca-sib")
    bureaus = AgencyFactory.create_batch(10, name=factory.Sequence(lambda n: f"Bureau {n}"))
    sign_in(page, "editor", "pw-editor")
    # A search for other agencies (the page reloads) makes the list long enough to filter.
    page.goto(f"{sf.get_absolute_url()}?find_agency=Bureau")

    # Open the form from the keyboard.
    page.locator("#log-letter summary").focus()
    page.keyboard.press("Enter")
    form = page.locator("#log-letter form")
    assert form.get_by_label("Sent", exact=True).input_value() == timezone.localdate().isoformat()

    # One key press ticks ICE's program office and the state's SIB.
    form.get_by_label("ICE's program office and this state's SIB").focus()
    page.keyboard.press("Space")
    assert form.get_by_label(str(ice)).is_checked()
    assert form.get_by_label(str(sib)).is_checked()
    page.keyboard.press("Space")
    assert not form.get_by_label(str(ice)).is_checked()
    page.keyboard.press("Space")

    # The filter narrows the other recipients; the ticked ones stay in sight.
    form.get_by_label("Filter the recipients").focus()
    page.keyboard.type("sheriff")
    sheriff = Agency.objects.get(reference="sf-sheriff")
    assert form.get_by_label(str(sheriff), exact=True).last.is_visible()
    assert form.get_by_label(str(ice)).is_visible()
    assert form.get_by_label(bureaus[0].name).is_hidden()

    # A file dropped onto the attachment's zone is chosen.
    page.evaluate(
        """(bytes) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([new Uint8Array(bytes)], "notice.pdf",
                                        {type: "application/pdf"}));
            const zone = document.querySelector(".dropzone");
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true}));
        }""",
        list(text_pdf("Notice of the county's wish to opt out")),
    )
    assert "notice.pdf" in form.locator(".dropzone").inner_text()

    # The subject typed, Enter saves the letter.
    form.get_by_label("Subject").focus()
    page.keyboard.type("Notice of the wish to opt out")
    form.get_by_label("Filter the recipients").fill("")
    page.locator("#log-letter").screenshot(path=str(SCREENSHOTS / "letter-form.png"))
    form.get_by_label("Subject").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "Notice of the wish to opt out" in page.locator(".entry.is-new").inner_text()

    letter = Letter.objects.get(subject="Notice of the wish to opt out")
    assert set(letter.recipients.all()) == {ice, sib}
    assert letter.sent_on == timezone.localdate()
    assert "opt out" in letter.attachment_text
