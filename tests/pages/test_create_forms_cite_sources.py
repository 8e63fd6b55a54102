"""The staff create forms cite sources: a letter, a reply, a meeting and a statement
are logged with the documents they rest on, stated by them or inferred (with the
reasoning). An inference without its reasoning is an error next to its box, and
nothing is written."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Model
from django.test import Client

from jurisdictions.models import Agency
from tracker.models import (
    INFERENCE_NEEDS_REASONING,
    AgencyResponse,
    Basis,
    Letter,
    Meeting,
    OptOutRequest,
    Source,
    Statement,
)

pytestmark = pytest.mark.django_db

REASONING = "ICE's 2010 memo implies it: the sheriff's office followed the published steps."


def agency(reference: str) -> int:
    return Agency.objects.get(reference=reference).pk


def _letter(optout: OptOutRequest) -> dict[str, Any]:
    return {
        "letter-sender": agency("sf-sheriff"),
        "letter-recipients": [agency("ice-secure-communities")],
        "letter-method": "fax",
        "letter-sent_on": "2010-10-12",
        "letter-subject": "A letter that cites its source",
    }


def _reply(optout: OptOutRequest) -> dict[str, Any]:
    return {
        "response-agency": agency("ice"),
        "response-kind": "acknowledged",
        "response-responded_on": "2010-11",
        "response-summary": "A reply that cites its source",
    }


def _meeting(optout: OptOutRequest) -> dict[str, Any]:
    return {"meeting-status": "planned", "meeting-place": "A meeting that cites its source"}


def _statement(optout: OptOutRequest) -> dict[str, Any]:
    return {
        "statement-speaker": "Senior ICE official",
        "statement-agency": agency("ice-secure-communities"),
        "statement-stated_on": "2010-10",
        "statement-medium": "letter",
        "statement-position": "possible",
        "statement-quote": "A statement that cites its source",
    }


# (model, prefix, the page's address, the form's data, the field that finds the record)
FORMS: list[tuple[type[Model], str, str, Any, str]] = [
    (Letter, "letter", "/requests/{pk}/letters/", _letter, "subject"),
    (AgencyResponse, "response", "/requests/{pk}/replies/", _reply, "summary"),
    (Meeting, "meeting", "/requests/{pk}/meetings/", _meeting, "place"),
    (Statement, "statement", "/statements/", _statement, "quote"),
]
IDS = [prefix for _m, prefix, _u, _d, _f in FORMS]


@pytest.fixture
def sf(record_2010: None) -> OptOutRequest:
    return OptOutRequest.objects.get(reference="san-francisco-2010")


@pytest.mark.parametrize(("model", "prefix", "url", "data", "field"), FORMS, ids=IDS)
def test_a_create_form_stores_its_sources_and_its_inference(
    editor_client: Client,
    sf: OptOutRequest,
    model: type[Model],
    prefix: str,
    url: str,
    data: Any,
    field: str,
) -> None:
    source = Source.objects.get(seed="001")
    posted = {
        **data(sf),
        f"{prefix}-sources": [source.pk],
        f"{prefix}-basis": "inferred",
        f"{prefix}-inference": REASONING,
    }
    response = editor_client.post(url.format(pk=sf.pk), posted)
    assert response.status_code == 302, response.content.decode()[:2000]
    value = posted[f"{prefix}-{field}"]
    record: Any = model._default_manager.get(**{field: value})
    assert (record.basis, record.inference) == (Basis.INFERRED, REASONING)
    assert list(record.sources.all()) == [source]


@pytest.mark.parametrize(("model", "prefix", "url", "data", "field"), FORMS, ids=IDS)
def test_an_inference_without_reasoning_is_a_form_error_and_nothing_is_stored(
    editor_client: Client,
    sf: OptOutRequest,
    model: type[Model],
    prefix: str,
    url: str,
    data: Any,
    field: str,
) -> None:
    before = model._default_manager.count()
    posted = {**data(sf), f"{prefix}-basis": "inferred", f"{prefix}-inference": "  "}
    response = editor_client.post(url.format(pk=sf.pk), posted)
    assert response.status_code == 400
    assert model._default_manager.count() == before
    error_list = response.text.split(f'id="id_{prefix}-inference_error"')[1].split("</ul>")[0]
    assert str(INFERENCE_NEEDS_REASONING) in error_list


@pytest.mark.parametrize(("model", "prefix", "url", "data", "field"), FORMS, ids=IDS)
def test_a_record_logged_without_citation_is_stated_by_no_source(
    editor_client: Client,
    sf: OptOutRequest,
    model: type[Model],
    prefix: str,
    url: str,
    data: Any,
    field: str,
) -> None:
    posted = data(sf)
    assert editor_client.post(url.format(pk=sf.pk), posted).status_code == 302
    record: Any = model._default_manager.get(**{field: posted[f"{prefix}-{field}"]})
    assert (record.basis, record.inference, record.sources.count()) == (Basis.STATED, "", 0)


def test_the_create_forms_show_the_citation_fields(editor_client: Client, sf: Any) -> None:
    page = editor_client.get(sf.get_absolute_url()).text
    for prefix in ("letter", "response", "meeting"):
        for name in ("sources", "basis", "inference"):
            assert f'name="{prefix}-{name}"' in page, (prefix, name)
    statements = editor_client.get("/statements/").text
    assert 'name="statement-sources"' in statements
    assert 'name="statement-inference"' in statements
