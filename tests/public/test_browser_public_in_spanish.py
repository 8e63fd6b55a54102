"""A Spanish reader walks the public record in a real browser."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_spanish_browser_walks_the_public_record_in_spanish(
    browser_page: Any, record_2010: None
) -> None:
    page = browser_page
    page.set_extra_http_headers({"Accept-Language": "es-US,es;q=0.9"})
    page.goto("/public/")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role(
        "heading", name="Jurisdicciones que pidieron salirse del programa", level=1
    ).is_visible()
    page.get_by_role("link", name="Arlington County").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Cronología").is_visible()
    assert page.get_by_text("Estado", exact=True).first.is_visible()
    page.get_by_role("link", name="Contradicciones").first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Contradicciones", level=1).is_visible()
    pair = page.locator("#pair-2010-09-07-napolitano--2010-10-06-napolitano")
    earlier, later = pair.locator("article").all()
    assert "7 de septiembre de 2010" in earlier.inner_text()
    assert "Salirse del programa es posible" in earlier.inner_text()
    assert "6 de octubre de 2010" in later.inner_text()
    # The official's own words are not translated.
    assert "opt in/opt out program" in later.inner_text()
    assert "29 días de diferencia" in pair.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "public-contradictions-es.png"), full_page=False)


def test_the_language_switch_changes_the_page_and_is_remembered(
    browser_page: Any, record_2010: None
) -> None:
    page = browser_page
    page.goto("/public/statements/")
    assert page.get_by_role(
        "heading", name="What officials said about opting out", level=1
    ).is_visible()
    page.get_by_role("button", name="Español").click()
    page.wait_for_load_state()
    # The same page, now in Spanish.
    assert page.url.endswith("/public/statements/")
    assert page.get_by_role(
        "heading", name="Lo que dijeron las autoridades sobre salirse del programa", level=1
    ).is_visible()
    # The choice is kept for the next pages, though the browser asks for English.
    page.get_by_role("link", name="Jurisdicciones").first.click()
    page.wait_for_load_state()
    assert page.get_by_role(
        "heading", name="Jurisdicciones que pidieron salirse del programa", level=1
    ).is_visible()
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Jurisdictions that asked to opt out").is_visible()
