"""Every published fact shows where it comes from, and what is inferred says so."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import RequestFactory, SourceFactory, StatementFactory
from tracker.models import INFERENCE_NEEDS_REASONING, Basis, Letter, OptOutRequest, Statement

pytestmark = pytest.mark.django_db


def test_the_san_francisco_page_shows_the_seeds_and_the_inferred_addressees(
    client: Client, record_2010: None
) -> None:
    page = client.get(reverse("public-jurisdiction", args=["ca-san-francisco"])).text
    # Citations: seed number, title, publisher, date (undated seeds say so).
    assert "Seed 003" in page
    assert "Napolitano Confirms Secure Communities Opt-Out Process" in page
    assert "Seed 000" in page and "The Washington Independent" in page
    assert "undated" in page
    # The second letter's addressees are marked inferred, in words, with the reasoning.
    assert "<strong>Inferred:</strong>" in page
    assert "inferred from those instructions" in page
    assert page.count('class="inferred"') == 1


def test_the_arlington_and_dc_votes_are_marked_inferred(client: Client, record_2010: None) -> None:
    for reference, body in [
        ("va-arlington-county", "County Board was the body that voted"),
        ("dc-district-of-columbia", "Council of the District of Columbia was the body"),
    ]:
        page = client.get(reverse("public-jurisdiction", args=[reference])).text
        assert "<strong>Inferred:</strong>" in page
        assert body in page


def test_the_statements_page_cites_each_statement(client: Client, record_2010: None) -> None:
    page = client.get(reverse("public-statements")).text
    assert "Obfuscation and misdirection" in page
    assert "We&#x27;re moving forward" in page
    assert "Insecurities about Secure Communities" in page
    assert "National Immigration Forum" in page
    assert "No source recorded." not in page


def test_a_record_citing_nothing_says_so(client: Client) -> None:
    StatementFactory(is_public=True, quote="Uncited words")
    page = client.get(reverse("public-statements")).text
    assert "No source recorded." in page


def test_a_source_link_is_shown_and_its_notes_never_are(client: Client) -> None:
    source = SourceFactory(
        title="A memo", url="https://example.org/memo", notes="Internal: ask the clerk"
    )
    StatementFactory(is_public=True, sources=[source])
    page = client.get(reverse("public-statements")).text
    assert 'href="https://example.org/memo"' in page
    assert "ask the clerk" not in page
    data = APIClient().get("/api/v1/statements/").json()["results"][0]
    assert data["sources"][0]["url"] == "https://example.org/memo"
    assert "notes" not in data["sources"][0]


def test_the_api_gives_sources_basis_and_inference(reader: APIClient, record_2010: None) -> None:
    letter = Letter.objects.get(reference="san-francisco-2010-letter-2")
    data = reader.get(f"/api/v1/letters/{letter.pk}/").json()
    assert data["basis"] == "inferred"
    assert "instructions" in data["inference"]
    assert len(data["sources"]) == 4
    public = APIClient().get(f"/api/v1/letters/{letter.pk}/").json()
    assert public["basis"] == "inferred"
    assert [s["seed"] for s in public["sources"]] == ["000", "001", "003", "004"]
    assert public["sources"][0]["published"]["date"] == "2010-10-06"
    sources = reader.get("/api/v1/sources/").json()
    assert sources["count"] == 5
    assert {s["reference"] for s in sources["results"]} >= {"seed-000", "seed-004"}


def test_an_inference_without_its_reasoning_is_refused_in_the_api(
    api: APIClient, record_2010: None
) -> None:
    request = OptOutRequest.objects.get(reference="santa-clara-2010")
    response = api.patch(
        f"/api/v1/requests/{request.pk}/",
        {"basis": "inferred", "inference": " "},
        format="json",
        HTTP_IF_MATCH=f'"{request.version}"',
    )
    assert response.status_code == 400, response.content
    assert "Say how it is inferred" in str(response.json())
    request.refresh_from_db()
    assert request.basis == Basis.STATED


def test_an_inference_without_its_reasoning_is_refused_by_the_model(**_: Any) -> None:
    request = RequestFactory.build(basis=Basis.INFERRED, inference="")
    with pytest.raises(Exception) as caught:
        request.clean()
    assert str(INFERENCE_NEEDS_REASONING) in str(caught.value)


def test_the_edit_page_refuses_an_inference_without_its_reasoning(
    editor_client: Client, record_2010: None
) -> None:
    statement = Statement.objects.get(reference="2010-10-06-napolitano")
    url = f"/edit/statement/{statement.pk}/"
    page = editor_client.get(url).text
    assert 'name="statement-sources"' in page and 'name="statement-inference"' in page
    posted = {
        "statement-speaker": statement.speaker,
        "statement-agency": statement.agency_id,
        "statement-stated_on": "2010-10-06",
        "statement-medium": statement.medium,
        "statement-position": statement.position,
        "statement-quote": statement.quote,
        "statement-sources": [s.pk for s in statement.sources.all()],
        "statement-basis": "inferred",
        "statement-inference": "",
        "statement-version": statement.version,
    }
    response = editor_client.post(url, posted)
    assert response.status_code == 400
    assert "Say how it is inferred" in response.text
    statement.refresh_from_db()
    assert statement.basis == Basis.STATED
    posted["statement-inference"] = "The press office's summary, not her words."
    assert editor_client.post(url, posted).status_code == 302
    statement.refresh_from_db()
    assert statement.basis == Basis.INFERRED
    assert {s.seed for s in statement.sources.all()} == {"000", "001", "002"}
