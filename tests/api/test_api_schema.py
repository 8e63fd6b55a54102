"""The OpenAPI schema and the interactive docs."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tracker.api.schema import add_examples, complete_responses, has_example
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
    "events",
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


# --- A schema a client can be generated from -------------------------------------------


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


def test_every_operation_has_a_tag_of_its_resource_a_summary_and_an_example(
    schema: dict[str, Any],
) -> None:
    operations = _operations(schema)
    assert len(operations) > 60
    for path, method, operation in operations:
        resource = path.removeprefix("/api/v1/").split("/")[0]
        assert operation.get("tags") == [resource], (method, path)
        assert operation.get("summary"), (method, path)
        assert has_example(operation), (method, path)
        for code, response in operation["responses"].items():
            answer = response.get("content", {}).get("application/json")
            if code.startswith("2") and answer is not None:
                assert "examples" in answer or "example" in answer, (code, method, path)
    tags = {operation["tags"][0] for _path, _method, operation in operations}
    assert set(RESOURCES) <= tags


def test_a_new_endpoint_gets_its_tag_summary_and_example_without_asking() -> None:
    """The hooks fill in what a view does not say: a tag from the path, a summary,
    the general answers and an example of the answer."""
    fresh: dict[str, Any] = {
        "paths": {
            "/api/v1/webhooks/": {
                "get": {
                    "responses": {
                        "404": {"description": "No such hook."},
                        "200": {
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Hook"}
                                }
                            }
                        },
                    }
                }
            }
        },
        "components": {
            "schemas": {
                "Hook": {"type": "object", "properties": {"name": {"type": "string"}}},
                "Error": {"type": "object"},
            }
        },
    }
    done = add_examples(complete_responses(fresh))
    operation = done["paths"]["/api/v1/webhooks/"]["get"]
    assert {"404", "405", "406", "429", "503"} <= set(operation["responses"])
    assert has_example(operation)
    not_found = operation["responses"]["404"]["content"]["application/json"]
    assert not_found["schema"] == {"$ref": "#/components/schemas/Error"}
    assert not_found["examples"]["404"]["value"]["code"] == "not_found"
    answer = operation["responses"]["200"]["content"]["application/json"]["examples"]
    assert answer["Answer"]["value"] == {"name": "Arlington County"}


def test_every_ordering_is_an_enum_with_updated_at_both_ways(schema: dict[str, Any]) -> None:
    found = 0
    for path, _method, operation in _operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["name"] == "ordering":
                found += 1
                choices = parameter["schema"]["enum"]
                assert {"updated_at", "-updated_at", "id", "-id"} <= set(choices), path
    assert found >= len(RESOURCES)


def test_reads_document_304_and_if_none_match_where_an_etag_applies(
    schema: dict[str, Any],
) -> None:
    for path, method, operation in _operations(schema):
        paged = "Paginated" in str(operation["responses"].get("200", {}))
        if method == "get" and paged:
            assert "304" in operation["responses"], path
            assert "If-None-Match" in {p["name"] for p in operation["parameters"]}, path
    # Records answer 304; requests and letters carry figures worked out on each read.
    assert "304" in schema["paths"]["/api/v1/agencies/{id}/"]["get"]["responses"]
    assert "304" not in schema["paths"]["/api/v1/letters/{id}/"]["get"]["responses"]
    assert "304" not in schema["paths"]["/api/v1/transitions/{id}/"]["get"]["responses"]


def test_every_operation_documents_what_any_address_can_answer(schema: dict[str, Any]) -> None:
    for path, method, operation in _operations(schema):
        codes = set(operation["responses"])
        assert {"406", "429", "503"} <= codes, (method, path)
        if "requestBody" in operation:
            assert "413" in codes, (method, path)
        for code, response in operation["responses"].items():
            if code[0] in "45":
                body = response["content"]["application/json"]
                assert body["schema"] == {"$ref": "#/components/schemas/Error"}, (code, path)
                assert body["examples"][code]["value"]["code"], (code, path)


def test_read_answers_are_either_the_signed_in_or_the_public_shape(
    schema: dict[str, Any],
) -> None:
    components = schema["components"]["schemas"]
    assert components["LetterOrPublicLetter"]["oneOf"] == [
        {"$ref": "#/components/schemas/Letter"},
        {"$ref": "#/components/schemas/PublicLetter"},
    ]
    letters = schema["paths"]["/api/v1/letters/"]["get"]["responses"]["200"]["content"]
    page = letters["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert components[page]["properties"]["results"]["items"] == {
        "$ref": "#/components/schemas/LetterOrPublicLetter"
    }
    assert components["PublicLetter"]["additionalProperties"] is False
    # Only request bodies and the public shapes are closed: the signed-in answer of a
    # request (the component "Request") is not a request body.
    assert "additionalProperties" not in components["Request"]
    assert components["RequestRequest"]["additionalProperties"] is False


def test_the_opening_entry_of_the_status_log_is_described(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    from_state = components["Transition"]["properties"]["from_state"]
    assert {"$ref": "#/components/schemas/BlankEnum"} in from_state["oneOf"]
    assert components["BlankEnum"]["enum"] == [""]
    assert components["PublicTransition"]["properties"]["from_state"]["nullable"] is True


def test_each_body_has_one_schema_per_media_type(schema: dict[str, Any]) -> None:
    """JSON everywhere; multipart, as its own component, only where a file is sent."""
    components = schema["components"]["schemas"]
    for path, method, operation in _operations(schema):
        content = operation.get("requestBody", {}).get("content", {})
        if not content:
            continue
        assert "application/x-www-form-urlencoded" not in content, (method, path)
        refs = [media["schema"]["$ref"] for media in content.values()]
        assert len(set(refs)) == len(refs), (method, path)
    letter = schema["paths"]["/api/v1/letters/"]["post"]["requestBody"]["content"]
    assert letter["application/json"]["schema"]["$ref"].endswith("/LetterRequest")
    assert letter["multipart/form-data"]["schema"]["$ref"].endswith("/MultipartLetterRequest")
    assert "attachment" not in components["LetterRequest"]["properties"]
    assert components["MultipartLetterRequest"]["properties"]["attachment"]["format"] == "binary"
    assert components["MultipartLetterRequest"]["additionalProperties"] is False
    agency = schema["paths"]["/api/v1/agencies/"]["post"]["requestBody"]["content"]
    assert list(agency) == ["application/json"]
