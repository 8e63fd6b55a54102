"""The public map and charts: drawn from the published record only."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import csv_rows
from tests.factories import AgencyFactory, JurisdictionFactory, LetterFactory, RequestFactory
from tracker.domain import services

pytestmark = pytest.mark.django_db

SECRET = "confidentialmarker"


def _county_class(html: str, fips: str) -> str:
    found = re.search(rf'<path class="county ([^"]*)" d="[^"]+" data-fips="{fips}">', html)
    return found.group(1) if found else ""


@pytest.fixture
def places(editor: Any) -> dict[str, Any]:
    """A county with a published request (and a later unpublished one), a county with
    only an unpublished request, and a county with no request."""
    shown = JurisdictionFactory(
        name="Shown County", fips="06001", deployment_status="activated", notes=SECRET
    )
    services.request_open(
        jurisdiction=shown, title="Shown", by=editor, is_public=True, opened_on=None
    )
    later = services.request_open(jurisdiction=shown, title=f"{SECRET} later", by=editor)
    services.request_transition(request=later, to="withdrawn", by=editor)
    hidden = JurisdictionFactory(
        name=f"{SECRET} County", fips="06003", deployment_status="scheduled"
    )
    services.request_open(jurisdiction=hidden, title=f"{SECRET} request", by=editor)
    quiet = JurisdictionFactory(name=f"{SECRET} Quiet", fips="06005", deployment_status="removed")
    return {"shown": shown, "hidden": hidden, "quiet": quiet}


def test_the_public_map_shows_only_jurisdictions_with_a_published_request(
    client: Client, places: dict[str, Any]
) -> None:
    html = client.get(reverse("public-map")).text
    assert SECRET not in html
    shown = places["shown"]
    assert (
        f'<a href="/public/jurisdictions/{shown.reference}/"><path class="county '
        'deployment-activated" d="'
    ) in html
    # Counties with nothing published are bare outlines: no colour, no link.
    assert _county_class(html, "06003") == ""
    assert _county_class(html, "06005") == ""
    assert 'href="/jurisdictions/' not in html


def test_a_county_is_marked_by_its_latest_published_request_not_a_hidden_later_one(
    client: Client, viewer_client: Client, places: dict[str, Any]
) -> None:
    public = client.get(reverse("public-map")).text
    assert "Shown County, CA. Secure Communities: Activated. Opt-out request: Draft." in public
    staff = viewer_client.get(reverse("map")).text
    assert "Shown County, CA. Secure Communities: Activated. Opt-out request: Withdrawn." in staff


def test_the_public_legend_counts_only_published_places(
    client: Client, places: dict[str, Any]
) -> None:
    html = client.get(reverse("public-map")).text
    legend = html[html.index('class="map-legend"') :]
    assert re.search(r"Activated</td><td>1</td>", legend)
    assert re.search(r"Scheduled</td><td>0</td>", legend)
    assert re.search(r"Removed from the deployment plan</td><td>0</td>", legend)


def test_the_public_state_map_and_the_printable_maps_answer(
    client: Client, places: dict[str, Any]
) -> None:
    for address in ("/public/map/CA/", "/public/map/print/", "/public/map/CA/print/"):
        response = client.get(address)
        assert response.status_code == 200, address
        assert SECRET not in response.text
    printable = client.get("/public/map/print/").text
    assert 'class="map-filters"' not in printable
    assert "Printed from" in printable
    # The page's map section is kept with the drawing, one for each way it is shown:
    # the printable one kept first leaves the form on the other page.
    assert 'class="map-filters"' in client.get("/public/map/").text
    assert 'class="map-filters"' not in client.get("/public/map/print/").text


def test_the_staff_and_public_charts_are_kept_apart(viewer_client: Client) -> None:
    ice = AgencyFactory(name="ICE Secure Communities")
    LetterFactory(recipients=[ice], subject=SECRET)
    staff = viewer_client.get(reverse("charts")).text
    assert 'href="/charts/reply-times.csv"' in staff
    assert "ICE Secure Communities" in staff
    viewer_client.logout()
    public = viewer_client.get(reverse("public-charts")).text
    assert 'href="/public/charts/reply-times.csv"' in public
    assert 'href="/charts/' not in public
    assert "ICE Secure Communities" not in public


def _part(html: str, start: str, end: str) -> str:
    """The drawing of a page (its language switch carries a new CSRF token each time)."""
    return html[html.index(start) : html.rindex(end)]


@pytest.mark.parametrize("rows", [3, 30])
def test_the_public_map_takes_two_queries_then_one(
    client: Client, editor: Any, rows: int, django_assert_num_queries: Any
) -> None:
    for n in range(rows):
        place = JurisdictionFactory(fips=f"06{n * 2 + 1:03d}")
        services.request_open(jurisdiction=place, title=f"R{n}", by=editor, is_public=True)
    # Expect 2 queries: where the record stands (for a drawing kept), and the
    # jurisdictions with a published request, each with the state of its latest
    # published one. The same map again is the kept drawing: 1 query.
    with django_assert_num_queries(2):
        html = client.get(reverse("public-map")).text
    assert html.count('<circle class="marker case-open"') == rows
    with django_assert_num_queries(1):
        again = client.get(reverse("public-map")).text
    assert _part(again, "<svg", "</svg>") == _part(html, "<svg", "</svg>")


def test_the_public_charts_count_only_published_letters(client: Client) -> None:
    ice = AgencyFactory(name="ICE Secure Communities")
    shown = RequestFactory(is_public=True)
    LetterFactory(request=shown, recipients=[ice], is_public=True, sent_on=dt.date(2010, 9, 1))
    LetterFactory(request=shown, recipients=[ice], subject=SECRET)
    LetterFactory(recipients=[ice], is_public=True)  # its request is not published
    html = client.get(reverse("public-charts")).text
    assert SECRET not in html
    rows = csv_rows(client.get(reverse("public-chart-csv", args=["reply-times"])))
    assert [(row["Agency"], row["Letters"]) for row in rows] == [("ICE Secure Communities", "1")]
    ages = csv_rows(client.get(reverse("public-chart-csv", args=["awaiting-by-age"])))
    assert sum(int(row["Total"]) for row in ages) == 1
    assert client.get(reverse("public-charts-print")).status_code == 200


@pytest.mark.parametrize("rows", [2, 20])
def test_the_public_charts_take_the_same_queries_for_2_and_20_letters(
    client: Client, rows: int, django_assert_num_queries: Any
) -> None:
    agency = AgencyFactory()
    request = RequestFactory(is_public=True)
    for _ in range(rows):
        LetterFactory(request=request, recipients=[agency], is_public=True)
    # Expect 7 queries: where the record stands (for a drawing kept), reply times per
    # agency, the agencies, moves into and out of each state per month, requests with
    # no status log, letters by age. The same charts again: 1 query.
    with django_assert_num_queries(7):
        first = client.get(reverse("public-charts")).text
    with django_assert_num_queries(1):
        again = client.get(reverse("public-charts")).text
    assert _part(again, "<figure", "</figure>") == _part(first, "<figure", "</figure>")
