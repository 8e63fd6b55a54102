"""A Spanish reader walks the public record in a real browser."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def spanish_page(live_server: Any, browser_page: Any) -> Iterator[Any]:
    """A page of a browser whose language is Spanish: it asks for Spanish
    (``Accept-Language: es-US``) with every page and every download."""
    context = browser_page.context.browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="es-US"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


def test_a_spanish_browser_walks_the_public_record_in_spanish(
    spanish_page: Any, record_2010: None
) -> None:
    page = spanish_page
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

    # The map: its heading, legend and the counties' titles in Spanish; a county opens
    # the jurisdiction's record.
    page.get_by_role("link", name="Mapa", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role(
        "heading", name="Solicitudes de exclusión en los Estados Unidos", level=1
    ).is_visible()
    assert page.get_by_role("heading", name="Solicitud de exclusión (color del punto)").is_visible()
    page.get_by_label("Estado", exact=True).select_option(label="Virginia")
    page.get_by_role("button", name="Mostrar").click()
    page.wait_for_load_state()
    assert page.url.endswith("/public/map/VA/")
    arlington = page.locator('a[href="/public/jurisdictions/va-arlington-county/"]')
    assert "Solicitud de exclusión" in arlington.locator("title").first.text_content()
    arlington.locator("circle.marker").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Cronología").is_visible()

    # The charts: titles, the table a screen reader reads, months the Spanish way, and
    # the download's header row in Spanish.
    page.get_by_role("link", name="Gráficos", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="El registro público en gráficos").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "public-charts-es.png"), full_page=False)
    page.get_by_text("Las cifras en una tabla").nth(1).click()
    months = page.get_by_role("table", name="Casos por estado a lo largo del tiempo")
    assert "septiembre de 2010" in months.inner_text()
    with page.expect_download() as downloading:
        page.get_by_role(
            "link", name="Descargar las cifras de «Tiempos de respuesta por agencia» (CSV)"
        ).click()
    header = Path(downloading.value.path()).read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("Referencia de la agencia,Agencia,Cartas,30 días o menos")


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
