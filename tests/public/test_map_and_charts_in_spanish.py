"""The map and the charts in Spanish: every phrase of the pages, the drawings' titles and
descriptions, the tables and the CSV downloads' header rows; months the Spanish way;
the record's own words (agencies' and places' names) as they are."""

from __future__ import annotations

import html as html_module
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jurisdictions.data.shapes import shapes
from tests.conftest import csv_rows
from tests.domain.test_translations import CATALOGUE, read_po
from tests.factories import AgencyFactory, JurisdictionFactory, LetterFactory
from tracker.domain import services

pytestmark = pytest.mark.django_db

SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es-MX,es;q=0.9"}


def _texts(page: str) -> set[str]:
    """What a reader sees or hears, one piece per text node: the text between tags and
    the labels the page and its drawings carry (``<title>`` and ``<desc>`` are text)."""
    labels = re.findall(r'(?:aria-label|alt|placeholder)="([^"]*)"', page)
    pieces = [*re.split(r"<[^>]+>", page), *labels]
    return {" ".join(html_module.unescape(piece).split()) for piece in pieces} - {""}


def _english_left(english: set[str], spanish: set[str]) -> list[str]:
    """The catalogue's English phrases that are a whole piece of text of the English page
    and of the Spanish one (phrases whose Spanish is the same, "Total", not counted)."""
    # The Census names of the counties drawn as bare outlines are names, not phrases
    # ("Day", "Union", "Lake").
    names = {county["name"] for county in shapes()["counties"].values()}
    left = []
    for entry in read_po(CATALOGUE / "django.po"):
        phrase = " ".join(entry.msgid.split())
        if entry.plural or entry.translations.get(0) == entry.msgid:
            continue
        if phrase in english and phrase in spanish and phrase not in names:
            left.append(phrase)
    return sorted(left)


@pytest.fixture
def record(editor: Any) -> None:
    """A county with a request withdrawn, a city with one (drawn beside the map), and
    letters to an agency, answered and not."""
    county = JurisdictionFactory(
        name="Santa Clara County", state="CA", fips="06085", deployment_status="activated"
    )
    request = services.request_open(
        jurisdiction=county, title="Opt out", by=editor, is_public=True, opened_on=None
    )
    services.request_transition(request=request, to="withdrawn", by=editor)
    city = JurisdictionFactory(name="San José", state="CA", kind="city", fips="0668000")
    services.request_open(
        jurisdiction=city, title="Opt out too", by=editor, is_public=True, opened_on=None
    )
    ice = AgencyFactory(name="ICE Secure Communities")
    for _ in range(3):
        LetterFactory(request=request, recipients=[ice], is_public=True)


@pytest.mark.parametrize(
    "address",
    [
        "map",
        "public-map",
        "public-map-print",
        "charts",
        "public-charts",
        "public-charts-print",
    ],
)
def test_no_english_phrase_is_left_on_the_map_and_chart_pages_in_spanish(
    viewer_client: Client, record: None, address: str
) -> None:
    url = reverse(address)
    english = _texts(viewer_client.get(url).text)
    spanish_page = viewer_client.get(url, **SPANISH).text
    assert '<html lang="es">' in spanish_page
    spanish = _texts(spanish_page)
    assert _english_left(english, spanish) == []


def test_a_state_map_and_its_filters_read_in_spanish(viewer_client: Client, record: None) -> None:
    page = viewer_client.get(reverse("map-state", args=["CA"]) + "?case=any", **SPANISH).text
    assert "Secure Communities en California" in page
    assert "Estado de implementación" in page
    # The county's title: its name as it is, the rest in Spanish.
    assert "Santa Clara County, CA. Secure Communities: Activada." in page
    assert "Solicitud de exclusión: Retirada." in page
    assert "1 condado coincide con los filtros" in page


MONTHS = "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"


def test_the_charts_write_months_the_spanish_way(viewer_client: Client, record: None) -> None:
    today = timezone.localdate()
    page = viewer_client.get(reverse("public-charts"), **SPANISH).text
    this_month = f"{MONTHS.split()[today.month - 1]} de {today.year}"
    # The status chart's table names each month, and so does each column's title.
    assert f'<th scope="row">{this_month}</th>' in page
    assert f"<title>{this_month}, " in page


@pytest.mark.parametrize(
    ("name", "spanish_headers"),
    [
        ("reply-times", ["Referencia de la agencia", "Agencia", "Cartas"]),
        ("cases-by-status", ["Mes"]),
        ("awaiting-by-age", ["Franja", "En espera", "Atrasadas"]),
    ],
)
@pytest.mark.parametrize("url_name", ["chart-csv", "public-chart-csv"])
def test_the_csv_downloads_head_their_columns_in_spanish_and_keep_their_cells(
    viewer_client: Client, record: None, name: str, spanish_headers: list[str], url_name: str
) -> None:
    url = reverse(url_name, args=[name])
    english = csv_rows(viewer_client.get(url))
    spanish = csv_rows(viewer_client.get(url, **SPANISH))
    assert list(spanish[0])[: len(spanish_headers)] == spanish_headers
    assert list(spanish[0]) != list(english[0])

    # The same cells in both languages: references, codes, ISO months and plain numbers
    # (the age bands' second column is the band's name, in the reader's language).
    def cells(rows: list[dict[str, str]]) -> list[list[str]]:
        return [
            [
                cell
                for index, cell in enumerate(row.values())
                if name != "awaiting-by-age" or index != 1
            ]
            for row in rows
        ]

    assert cells(spanish) == cells(english)
    if name == "cases-by-status":
        assert all(re.fullmatch(r"\d{4}-\d{2}", row["Mes"]) for row in spanish)
    if name == "reply-times":
        assert spanish[0]["Agencia"] == "ICE Secure Communities"
    if name == "awaiting-by-age":
        assert spanish[0]["Franja"] == "under_30"
        assert spanish[0]["En espera"] == "menos de 30 días"
