"""The OpenAPI schema and the interactive docs."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tracker.domain.workflow import State

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema() -> dict[str, Any]:
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


RESOURCES = [
    "jurisdictions",
    "agencies",
    "contacts",
    "requests",
    "letters",
    "responses",
    "meetings",
    "statements",
    "transitions",
]


def test_the_schema_lists_every_resource_and_the_nested_shortcuts(schema: dict[str, Any]) -> None:
    paths = set(schema["paths"])
    for resource in RESOURCES:
        assert f"/api/v1/{resource}/" in paths
        assert f"/api/v1/{resource}/{{id}}/" in paths
    assert {
        "/api/v1/requests/{id}/timeline/",
        "/api/v1/requests/{id}/transitions/",
        "/api/v1/jurisdictions/{id}/requests/",
        "/api/v1/letters/{id}/attachment/",
        "/api/v1/responses/{id}/attachment/",
    } <= paths


def test_every_operation_documents_its_errors(schema: dict[str, Any]) -> None:
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"401", "403", "404"} <= codes, (method, path)
            # API tokens are not versioned records: revoking one twice changes nothing.
            changes = not path.startswith("/api/v1/tokens/") and (
                method in ("put", "patch", "delete")
                or (method == "post" and path.endswith(("{id}/transitions/", "{id}/reopen/")))
            )
            if changes:
                assert {"409", "412", "428"} <= codes, (method, path)
                if_match = [p for p in operation.get("parameters", []) if p["name"] == "If-Match"]
                assert [p["required"] for p in if_match] == [True], (method, path)


def test_the_move_documents_409_412_and_428(schema: dict[str, Any]) -> None:
    move = schema["paths"]["/api/v1/requests/{id}/transitions/"]["post"]
    assert {"201", "409", "412", "428"} <= set(move["responses"])


def test_list_endpoints_document_their_filters(schema: dict[str, Any]) -> None:
    letters = {p["name"] for p in schema["paths"]["/api/v1/letters/"]["get"]["parameters"]}
    assert {
        "overdue",
        "awaiting_reply",
        "direction",
        "method",
        "sent_on_after",
        "search",
        "ordering",
        "page_size",
    } <= letters
    requests = {p["name"] for p in schema["paths"]["/api/v1/requests/"]["get"]["parameters"]}
    assert {"status", "jurisdiction", "state", "agency", "owner", "overdue"} <= requests


def test_every_state_code_is_explained(schema: dict[str, Any]) -> None:
    states = schema["components"]["schemas"]["RequestStateEnum"]
    assert states["enum"] == [state.value for state in State]
    for state in State:
        assert f"`{state.value}` - {state.label}" in states["description"]


def test_partial_dates_are_documented_as_one_string_with_its_precision(
    schema: dict[str, Any],
) -> None:
    sent_on = schema["components"]["schemas"]["Letter"]["properties"]["sent_on"]
    assert sent_on["type"] == "string"
    assert "YYYY-MM" in sent_on["description"]


def test_request_bodies_refuse_unknown_fields_in_the_schema_too(schema: dict[str, Any]) -> None:
    assert schema["components"]["schemas"]["LetterRequest"]["additionalProperties"] is False


def test_the_docs_page_loads_its_scripts_from_this_site(client: Any) -> None:
    page = client.get("/api/docs/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert "<script>" not in html  # no inline script: the site's CSP would block it
    script = client.get("/api/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
