"""The schema describes what the API really answers: the public representation of
anonymous reads, and every status code the API gives, in the error shape."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
import schemathesis
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from jurisdictions.models import Jurisdiction
from tests.api.helpers import if_match
from tests.api.test_schemathesis import _served_schema
from tests.factories import MeetingFactory, ResponseFactory
from tracker.domain import services
from tracker.models import AgencyResponse, Letter, Meeting, OptOutRequest, Statement, Transition

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def openapi() -> Any:
    return schemathesis.openapi.from_dict(_served_schema())


def conforms(openapi: Any, method: str, path: str, answer: Any) -> None:
    """Fail unless ``answer`` (a Django test response) is one the schema documents for
    the operation ``method path``, status, headers and body."""
    operation = openapi[path][method.upper()]
    assert str(answer.status_code) in operation.definition.raw["responses"], (
        f"{method} {path} answered {answer.status_code}, which its schema does not list"
    )
    request = requests.Request(method.upper(), f"http://testserver{path}").prepare()
    headers = {name: [value] for name, value in answer.headers.items()}
    content = b"".join(answer.streaming_content) if answer.streaming else answer.content
    response = schemathesis.Response(
        status_code=answer.status_code,
        headers=headers,
        content=content,
        request=request,
        elapsed=0.0,
        verify=False,
    )
    operation.validate_response(response)


# --- The public representation ---------------------------------------------------------


@pytest.fixture
def published(record_2010: None, editor: Any) -> None:
    """The 2010 record with every item published, a reply, a meeting and the opening
    entry of a status log among them."""
    opened = services.request_open(
        jurisdiction=Jurisdiction.objects.order_by("pk").first(), title="Opened", by=editor
    )
    assert opened.transitions.exists()
    letter = Letter.objects.order_by("pk").first()
    assert letter is not None
    ResponseFactory(request=letter.request, letter=letter, agency=letter.sender)
    MeetingFactory(request=letter.request)
    for model in (OptOutRequest, Letter, AgencyResponse, Meeting, Statement, Transition):
        if any(field.name == "is_public" for field in model._meta.get_fields()):
            model.objects.update(is_public=True)


PUBLIC_READS = [
    "/api/v1/requests/",
    "/api/v1/letters/",
    "/api/v1/responses/",
    "/api/v1/meetings/",
    "/api/v1/statements/",
    "/api/v1/transitions/",
    "/api/v1/jurisdictions/",
    "/api/v1/agencies/",
]


@pytest.mark.parametrize("path", PUBLIC_READS)
def test_anonymous_reads_answer_as_the_schema_says(
    openapi: Any, published: None, path: str
) -> None:
    anonymous = APIClient()
    page = anonymous.get(path)
    assert page.status_code == 200, page.content
    rows = page.json()["results"]
    assert rows, f"nothing published at {path}"
    conforms(openapi, "get", path, page)
    one = anonymous.get(f"{path}{rows[0]['id']}/")
    conforms(openapi, "get", path + "{id}/", one)
    assert "version" not in one.json()  # the public shape, not the signed-in one


def test_anonymous_nested_reads_answer_as_the_schema_says(openapi: Any, record_2010: None) -> None:
    anonymous = APIClient()
    request = OptOutRequest.objects.filter(is_public=True).order_by("pk").first()
    assert request is not None
    nested = anonymous.get(f"/api/v1/jurisdictions/{request.jurisdiction_id}/requests/")
    assert nested.json()["results"]
    conforms(openapi, "get", "/api/v1/jurisdictions/{id}/requests/", nested)
    pairs = anonymous.get("/api/v1/statements/contradictions/")
    assert pairs.json()["results"]
    conforms(openapi, "get", "/api/v1/statements/contradictions/", pairs)


def test_signed_in_reads_answer_as_the_schema_says(
    openapi: Any, published: None, reader: APIClient
) -> None:
    for path in PUBLIC_READS:
        page = reader.get(path)
        conforms(openapi, "get", path, page)
        conforms(
            openapi, "get", path + "{id}/", reader.get(f"{path}{page.json()['results'][0]['id']}/")
        )


# --- Every status the API answers is documented ------------------------------------------


def test_every_status_the_api_answers_is_documented(
    openapi: Any, cases: dict[str, Any], api: APIClient, reader: APIClient, settings: Any
) -> None:
    sf, letter, ice = cases["sf"], cases["sf_letter"], cases["ice"]
    anonymous = APIClient()
    agency = f"/api/v1/agencies/{ice.pk}/"
    move = f"/api/v1/requests/{sf.pk}/transitions/"
    seen: set[int] = set()

    def check(method: str, path: str, answer: Any, status: int) -> None:
        assert answer.status_code == status, (method, path, answer.content)
        conforms(openapi, method, path, answer)
        seen.add(status)

    check("get", "/api/v1/letters/", api.get("/api/v1/letters/?stauts=draft"), 400)
    check("get", "/api/v1/contacts/", anonymous.get("/api/v1/contacts/"), 401)
    check(
        "post",
        "/api/v1/agencies/",
        reader.post("/api/v1/agencies/", {"name": "X"}, format="json"),
        403,
    )
    check("get", "/api/v1/letters/{id}/", api.get("/api/v1/letters/999999/"), 404)
    check(
        "get",
        "/api/v1/agencies/",
        api.get("/api/v1/agencies/", HTTP_ACCEPT="application/xml"),
        406,
    )
    check(
        "post",
        "/api/v1/requests/{id}/transitions/",
        api.post(move, {"to": "draft"}, format="json", **if_match(sf)),
        409,
    )
    check(
        "patch",
        "/api/v1/agencies/{id}/",
        api.patch(agency, {"notes": "x"}, format="json", HTTP_IF_MATCH='"0"'),
        412,
    )
    check("patch", "/api/v1/agencies/{id}/", api.patch(agency, {"notes": "x"}, format="json"), 428)
    check(
        "post",
        "/api/v1/agencies/",
        api.post("/api/v1/agencies/", "name=x", content_type="text/plain"),
        415,
    )
    tag = api.get(agency)["ETag"]
    check("get", "/api/v1/agencies/{id}/", api.get(agency, HTTP_IF_NONE_MATCH=tag), 304)
    page_tag = api.get("/api/v1/letters/")["ETag"]
    check("get", "/api/v1/letters/", api.get("/api/v1/letters/", HTTP_IF_NONE_MATCH=page_tag), 304)
    key = {"HTTP_IDEMPOTENCY_KEY": "schema-test"}
    body = {"name": "Board of Supervisors", "kind": "other", "level": "local"}
    api.post("/api/v1/agencies/", body, format="json", **key)
    check(
        "post",
        "/api/v1/agencies/",
        api.post("/api/v1/agencies/", {**body, "name": "Other"}, format="json", **key),
        422,
    )
    # 405: the address refuses the method; each of its operations says so.
    refused = api.post("/api/v1/transitions/", {}, format="json")
    assert refused.status_code == 405
    assert json.loads(refused.content)["code"] == "method_not_allowed"
    assert "405" in openapi["/api/v1/transitions/"]["GET"].definition.raw["responses"]
    settings.ANONYMOUS_API_PER_MINUTE = 1
    cache.clear()
    anonymous.get("/api/v1/statements/", REMOTE_ADDR="198.51.100.7")
    check(
        "get",
        "/api/v1/statements/",
        anonymous.get("/api/v1/statements/", REMOTE_ADDR="198.51.100.7"),
        429,
    )
    assert seen == {304, 400, 401, 403, 404, 406, 409, 412, 415, 422, 428, 429}
    assert letter.pk  # the letters list above had a row to tag


def test_format_csv_in_the_address_wins_over_accept(api: APIClient, cases: dict[str, Any]) -> None:
    for path in ("/api/v1/letters/?format=csv", "/api/v1/requests/?format=csv"):
        answer = api.get(path, HTTP_ACCEPT="application/json")
        assert answer.status_code == 200
        assert answer["Content-Type"].startswith("text/csv")
        assert b"".join(answer.streaming_content).startswith(b"reference,")
    # Without the format in the address, Accept still decides.
    assert api.get("/api/v1/letters/", HTTP_ACCEPT="text/csv")["Content-Type"].startswith(
        "text/csv"
    )
    assert api.get("/api/v1/letters/")["Content-Type"].startswith("application/json")


def test_errors_of_no_single_field_are_non_field_errors_and_said_once(
    client: Client, api: APIClient
) -> None:
    answer = api.post("/api/v1/contacts/", {"name": "Ana Ortiz"}, format="json")
    assert answer.status_code == 400
    body = answer.json()
    assert list(body["errors"]) == ["non_field_errors"]
    assert body["errors"]["non_field_errors"] == [
        "A contact belongs to an agency or a jurisdiction: choose at least one."
    ]
    assert "Constraint" not in body["detail"]


def test_a_304_is_documented_exactly_where_the_api_gives_one(
    openapi: Any, published: None, reader: APIClient
) -> None:
    for path in PUBLIC_READS:
        page = reader.get(path)
        one = f"{path}{page.json()['results'][0]['id']}/"
        for url, template in ((path, path), (one, path + "{id}/")):
            first = reader.get(url)
            again = reader.get(url, HTTP_IF_NONE_MATCH=first.get("ETag", '"none"'))
            documented = "304" in openapi[template]["GET"].definition.raw["responses"]
            assert (again.status_code == 304) == documented, (url, again.status_code)
