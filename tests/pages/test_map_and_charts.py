"""The staff map and charts: every county drawn and linked, a state map zoomed to its
counties, filters, the charts' figures the same on the page and in the CSV, and a
fixed number of queries however large the record."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from jurisdictions.data.shapes import shapes
from jurisdictions.domain import maps
from jurisdictions.models import Jurisdiction
from tests.conftest import csv_rows
from tests.factories import AgencyFactory, JurisdictionFactory, LetterFactory
from tracker.domain import services

pytestmark = pytest.mark.django_db

COUNTY_PATH = re.compile(r'<path class="county ([^"]*)" d="[^"]+" data-fips="(\d{5})">')
LINKED_COUNTY = re.compile(
    r'<a href="/jurisdictions/(\d+)/"><path class="county [^"]*" d="[^"]+" data-fips="(\d{5})">'
)


def _view_box(html: str) -> tuple[float, ...]:
    found = re.search(r'<svg id="county-map" class="county-map" viewBox="([^"]+)"', html)
    assert found, "no map on the page"
    return tuple(float(n) for n in found.group(1).split())


@pytest.fixture
def nation(db: None) -> None:
    """Every county of the shipped list, as `import_jurisdictions --national` loads it."""
    call_command("import_jurisdictions", "--national", verbosity=0)


def test_the_national_map_draws_and_links_every_county(viewer_client: Client, nation: None) -> None:
    html = viewer_client.get(reverse("map")).text
    drawn = COUNTY_PATH.findall(html)
    assert len(drawn) == len(shapes()["counties"])
    linked = {fips: int(pk) for pk, fips in LINKED_COUNTY.findall(html)}
    with_shapes = Jurisdiction.objects.filter(fips__in=maps.county_codes())
    assert linked == dict(with_shapes.values_list("fips", "pk"))
    assert len(linked) == len(shapes()["counties"])
    # The three counties of the 2010 list with no shape are listed beside the map.
    for name in ("Bedford city, VA", "Rose Island District, AS", "Swains Island District, AS"):
        assert name in html
    assert _view_box(html) == maps.view_box()


def test_a_county_is_coloured_by_its_deployment_and_marked_by_its_request(
    viewer_client: Client, editor: Any
) -> None:
    arlington = JurisdictionFactory(
        name="Arlington County", state="VA", fips="51013", deployment_status="activated"
    )
    request = services.request_open(jurisdiction=arlington, title="Arlington: removal", by=editor)
    html = viewer_client.get(reverse("map")).text
    assert (
        f'<a href="/jurisdictions/{arlington.pk}/"><path class="county deployment-activated"'
        in html
    )
    assert "Arlington County, VA. Secure Communities: Activated. Opt-out request: Draft." in html
    assert '<circle class="marker case-open"' in html
    assert request.status == "draft"


def test_a_state_map_zooms_to_that_states_counties_only(
    viewer_client: Client, nation: None
) -> None:
    html = viewer_client.get(reverse("map-state", args=["CA"])).text
    drawn = [fips for _css, fips in COUNTY_PATH.findall(html)]
    assert len(drawn) == 58
    assert all(fips.startswith("06") for fips in drawn)
    assert _view_box(html) == maps.view_box("CA")
    assert _view_box(html)[2] < maps.view_box()[2] / 3


def test_the_state_filter_goes_to_the_states_own_address(viewer_client: Client) -> None:
    response = viewer_client.get(reverse("map"), {"state": "va", "case": "open"})
    assert response.status_code == 302
    assert response["Location"] == "/map/VA/?case=open"


def test_filters_draw_the_other_counties_pale(viewer_client: Client) -> None:
    JurisdictionFactory(fips="06001", deployment_status="activated")
    JurisdictionFactory(fips="06003", deployment_status="scheduled")
    html = viewer_client.get(reverse("map"), {"deployment": "activated"}).text
    classes = dict((fips, css) for css, fips in COUNTY_PATH.findall(html))
    assert classes["06001"] == "deployment-activated"
    assert classes["06003"] == "deployment-scheduled is-muted"
    assert "1 county matches the filters" in html


@pytest.mark.parametrize(
    "address",
    ["/map/ZZ/", "/map/?deployment=everywhere", "/map/?case=lost", "/map/?state=ZZ"],
)
def test_an_unknown_state_or_filter_is_a_404(viewer_client: Client, address: str) -> None:
    assert viewer_client.get(address).status_code == 404


@pytest.mark.parametrize("address", ["/map/", "/map/CA/", "/charts/", "/charts/reply-times.csv"])
def test_an_account_with_no_role_gets_403(
    client: Client, django_user_model: Any, address: str
) -> None:
    client.force_login(django_user_model.objects.create_user(username="norole", password="x"))
    assert client.get(address).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client: Client) -> None:
    assert client.get("/map/")["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("rows", [3, 40])
def test_the_map_takes_six_queries_whatever_the_number_of_jurisdictions(
    viewer_client: Client, editor: Any, rows: int, django_assert_num_queries: Any
) -> None:
    for n in range(rows):
        place = JurisdictionFactory(fips=f"06{n * 2 + 1:03d}")
        services.request_open(jurisdiction=place, title=f"Request {n}", by=editor)
    # Expect 6 queries: session, user, the user's and the group's permissions, where the
    # record stands (for a drawing kept), and every jurisdiction with its latest
    # request's state.
    with django_assert_num_queries(6):
        response = viewer_client.get(reverse("map"))
    assert response.text.count('<circle class="marker case-open"') == rows
    # Drawn again only when the record changes: the same map again is the kept drawing.
    with django_assert_num_queries(5):
        again = viewer_client.get(reverse("map")).text
    assert _svg(again) == _svg(response.text)


def _svg(html: str) -> str:
    return html[html.index("<svg") : html.rindex("</svg>")]


def _figures(html: str) -> str:
    return html[html.index("<figure") : html.rindex("</figure>")]


def _table(html: str, key: str) -> list[list[str]]:
    """The rows of a chart's table, as the page shows them."""
    figure = html[html.index(f'<figure class="chart-figure" id="{key}"') :]
    table = figure[figure.index("<tbody>") : figure.index("</tbody>")]
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
    ]


def _letters() -> None:
    ice = AgencyFactory(name="ICE Secure Communities")
    sib = AgencyFactory(name="California SIB")
    for _ in range(3):
        LetterFactory(recipients=[ice, sib])


def test_the_charts_page_shows_each_chart_with_its_figures(viewer_client: Client) -> None:
    _letters()
    html = viewer_client.get(reverse("charts")).text
    for key in ("reply-times", "cases-by-status", "awaiting-by-age"):
        assert f'<svg id="chart-{key}" class="chart"' in html
        assert f'href="/charts/{key}.csv"' in html
    agencies = {row[0]: row for row in _table(html, "reply-times")}
    assert agencies["ICE Secure Communities"][1] == "3"
    assert sum(int(row[-1]) for row in _table(html, "awaiting-by-age")) == 3


@pytest.mark.parametrize(
    ("key", "first_column"),
    [
        ("reply-times", "Agency reference"),
        ("cases-by-status", "Month"),
        ("awaiting-by-age", "Band"),
    ],
)
def test_each_charts_csv_has_the_figures_of_its_table(
    viewer_client: Client, key: str, first_column: str
) -> None:
    _letters()
    table = _table(viewer_client.get(reverse("charts")).text, key)
    rows = csv_rows(viewer_client.get(reverse("chart-csv", args=[key])))
    assert len(rows) == len(table) > 0
    assert next(iter(rows[0])) == first_column
    for shown, downloaded in zip(table, rows, strict=True):
        numbers = [cell for cell in shown if cell.isdigit()]
        assert numbers == [value for value in downloaded.values() if value.isdigit()]
    if key == "reply-times":
        assert [row["Agency"] for row in rows] == [row[0] for row in table]


def test_an_unknown_chart_is_a_404(viewer_client: Client) -> None:
    assert viewer_client.get("/charts/pie.csv").status_code == 404


@pytest.mark.parametrize("rows", [2, 20])
def test_the_charts_page_takes_the_same_queries_for_2_and_20_letters(
    viewer_client: Client, rows: int, django_assert_num_queries: Any
) -> None:
    agency = AgencyFactory()
    for _ in range(rows):
        LetterFactory(recipients=[agency])
    # Expect 11 queries: session, user, the user's and the group's permissions, where
    # the record stands (for a drawing kept), reply times per agency, the agencies,
    # moves into and out of each state per month, requests with no status log, letters
    # by age.
    with django_assert_num_queries(11):
        first = viewer_client.get(reverse("charts")).text
    with django_assert_num_queries(5):
        again = viewer_client.get(reverse("charts")).text
    assert _figures(again) == _figures(first)
