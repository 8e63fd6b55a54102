"""Every staff and public page in a real browser: on a phone and a wide screen, with an
accessibility check, and one letter logged with the keyboard alone.

The pages come from the URLconf (``tests/every_page.py``), so a new page is checked
without changing these tests. The record is the 2010 one plus what stretches a page: a
letter subject, summary, agency name and request title made of one long unbroken word.
Also saves the phone-width screenshots the README shows (docs/screenshots/).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import SCREENSHOTS, sign_in
from tests.every_page import LONG_WORD, Page, every_page, stretch_the_record
from tracker.models import Letter, OptOutRequest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 900}
#: The axe-core impacts that fail the check ("moderate" and "minor" ones do not).
FAILING_IMPACTS = {"serious", "critical"}


@pytest.fixture
def pages(editor: Any, record_2010: None) -> list[Page]:
    """Every page as the editor sees it, on the stretched 2010 record."""
    stretch_the_record(editor)
    client = Client()
    client.force_login(editor)
    found, left_out = every_page(client)
    names = {page.name for page in found}
    # The enumeration itself can fail: it must find the pages everyone knows.
    assert {"dashboard", "request-detail", "letters", "public-index", "login"} <= names
    assert any("POST only" in why for why in left_out)
    return found


def test_no_page_is_wider_than_a_phone_or_a_wide_screen(
    browser_page: Any, pages: list[Page]
) -> None:
    page = browser_page
    sign_in(page, "editor", "pw-editor")
    too_wide: list[str] = []
    # English on both screens, then Spanish (longer words) on the phone.
    for language, viewport in (("en", PHONE), ("en", WIDE), ("es", PHONE)):
        if language == "es":
            origin = page.evaluate("location.origin")
            page.context.add_cookies([{"name": "django_language", "value": "es", "url": origin}])
        page.set_viewport_size(viewport)
        for each in pages:
            page.goto(each.path)
            assert page.locator("html").get_attribute("lang") == language, each.path
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > viewport["width"]:
                too_wide.append(
                    f"{each.path} is {width} px wide at {viewport['width']} px ({language})"
                )
    assert not too_wide, "\n".join(too_wide)


def test_on_a_phone_the_filters_fold_away_and_long_words_wrap(
    browser_page: Any, pages: list[Page]
) -> None:
    page = browser_page
    sign_in(page, "editor", "pw-editor")
    page.set_viewport_size(PHONE)
    page.goto("/letters/")
    filters = page.locator("details.list-filters")
    assert filters.get_attribute("open") is None
    # Folded: the list starts within the first screen.
    first_row = page.locator("main table tbody tr").first
    assert first_row.bounding_box()["y"] < PHONE["height"]
    # The long subject wraps inside the screen.
    subject = page.get_by_role("link", name=LONG_WORD).first
    box = subject.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"]
    page.screenshot(path=str(SCREENSHOTS / "phone-letters.png"))
    # Unfolded by a tap (or the keyboard) to filter.
    filters.locator("summary").click()
    assert filters.get_by_label("Direction").is_visible()
    page.goto("/")
    page.screenshot(path=str(SCREENSHOTS / "phone-dashboard.png"))
    # On a wide screen the filters start open beside the list.
    page.set_viewport_size(WIDE)
    page.goto("/letters/")
    assert page.locator("details.list-filters").get_by_label("Direction").is_visible()


def _axe_problems(page: Any, axe: Any, where: str) -> list[str]:
    results = axe.run(page).response
    return [
        f"{where}: {violation['id']} ({violation['impact']}) {violation['help']}: "
        + "; ".join(node["html"][:120] for node in violation["nodes"][:3])
        for violation in results["violations"]
        if violation["impact"] in FAILING_IMPACTS
    ]


def test_axe_finds_no_serious_or_critical_problem_on_any_page(
    browser_page: Any, axe: Any, pages: list[Page]
) -> None:
    """axe-core (bundled in the axe-playwright-python package, nothing downloaded) on
    every page, with every folded part (quick forms, filters) opened, signed out on the
    sign-in page and signed in on the rest; then on a phone for the pages whose layout
    changes most."""
    page = browser_page
    page.goto("/accounts/login/")
    problems = _axe_problems(page, axe, "/accounts/login/ (signed out)")
    sign_in(page, "editor", "pw-editor")
    for each in pages:
        page.goto(each.path)
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        problems += _axe_problems(page, axe, each.path)
    page.set_viewport_size(PHONE)
    for path in ("/", "/letters/", "/requests/"):
        page.goto(path)
        problems += _axe_problems(page, axe, f"{path} (phone)")
    assert problems == [], "\n".join(problems)


def _focused(page: Any) -> str:
    """The focused element's label, or its text: what a screen reader would announce."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el) return "";
            const label = el.labels && el.labels.length ? el.labels[0].innerText : "";
            return (label || el.getAttribute("aria-label") || el.innerText || "").trim();
        }"""
    )


def _tab_to(page: Any, name: str, limit: int = 400) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if _focused(page).rstrip(":") == name:
            return
    raise AssertionError(f"Tab never reached {name!r}")


def test_an_editor_logs_a_letter_with_the_keyboard_alone(
    browser_page: Any, editor: Any, record_2010: None
) -> None:
    """Tab, Enter and typing only: no click, no fill, from the sign-in page on."""
    page = browser_page
    sf = OptOutRequest.objects.get(reference="san-francisco-2010")
    page.goto("/accounts/login/")
    _tab_to(page, "Username")
    page.keyboard.type("editor")
    _tab_to(page, "Password")
    page.keyboard.type("pw-editor")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # From the dashboard to the request through its link.
    _tab_to(page, sf.title)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", level=1).inner_text() == sf.title
    _tab_to(page, "Log a letter sent")
    page.keyboard.press("Enter")
    # The sent date is a date picker set to today: left as it is.
    _tab_to(page, "Subject")
    page.keyboard.type("Typed without a mouse")
    _tab_to(page, "Summary")
    page.keyboard.type("Logged from the keyboard.")
    _tab_to(page, "Save the letter")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Typed without a mouse" in page.locator(".entry.is-new").inner_text()
    letter = Letter.objects.get(subject="Typed without a mouse")
    assert letter.request == sf
    assert str(letter.sent_on) == timezone.localdate().isoformat()
