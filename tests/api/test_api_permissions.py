"""Who may do what through the API: anonymous, viewer, editor and admin by every endpoint."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from core.dates import PartialDate
from core.tokens import api_token_create
from jurisdictions.models import Agency
from tests.conftest import PDF
from tests.factories import (
    AgencyFactory,
    ContactFactory,
    JurisdictionFactory,
    MeetingFactory,
    StatementFactory,
)
from tracker.api.serializers import ContactSerializer
from tracker.domain import services
from tracker.models import Letter

pytestmark = pytest.mark.django_db


@dataclass
class World:
    """One record of each kind to read and change, and a spare one of each to delete."""

    ids: dict[str, int]
    spare: dict[str, int]
    bodies: dict[str, dict[str, Any]]


@pytest.fixture
def world(editor: Any) -> World:
    jurisdiction = JurisdictionFactory(name="Arlington County", state="VA", fips="51013")
    sheriff = AgencyFactory(name="Sheriff", kind=Agency.Kind.SHERIFF, level=Agency.Level.LOCAL)
    ice = AgencyFactory(name="Secure Communities", kind=Agency.Kind.PROGRAM_OFFICE)
    contact = ContactFactory(agency=sheriff, email="sheriff@example.org")
    optout = services.request_open(jurisdiction=jurisdiction, title="Opt out", by=editor)
    letter = services.letter_log(
        request=optout,
        by=editor,
        sender=sheriff,
        recipients=[ice],  # type: ignore[list-item]
        subject="Notice",
        sent_on=PartialDate.parse("2010-09-07"),
        attachment=SimpleUploadedFile("notice.pdf", PDF),
    )
    response = services.response_record(
        request=optout,
        by=editor,
        agency=ice,
        kind="acknowledged",
        letter=letter,
        responded_on=PartialDate.parse("2010-10"),
        attachment=SimpleUploadedFile("reply.pdf", PDF),
    )
    meeting = MeetingFactory(request=optout)
    statement = StatementFactory(agency=ice)
    spare_request = services.request_open(jurisdiction=jurisdiction, title="Spare", by=editor)
    spare_letter = services.letter_log(
        request=optout, by=editor, sender=sheriff, subject="Spare", sent_on=None
    )
    ids = {
        "jurisdictions": jurisdiction.pk,
        "agencies": sheriff.pk,
        "contacts": contact.pk,
        "requests": optout.pk,
        "letters": letter.pk,
        "responses": response.pk,
        "meetings": meeting.pk,
        "statements": statement.pk,
        "transitions": optout.transitions.get().pk,
    }
    spare = {
        "jurisdictions": JurisdictionFactory(fips=None).pk,
        "agencies": AgencyFactory().pk,
        "contacts": ContactFactory(agency=sheriff).pk,
        "requests": spare_request.pk,
        "letters": spare_letter.pk,
        "responses": services.response_record(
            request=optout, by=editor, agency=ice, kind="denied"
        ).pk,
        "meetings": MeetingFactory(request=optout).pk,
        "statements": StatementFactory(agency=ice).pk,
        "transitions": spare_request.transitions.get().pk,
    }
    bodies = {
        "jurisdictions": {"name": "Fairfax County", "kind": "county", "state": "VA"},
        "agencies": {"name": "Virginia State Police", "level": "state", "kind": "sib"},
        "contacts": {"name": "A clerk", "agency": sheriff.pk},
        "requests": {"jurisdiction": jurisdiction.pk, "title": "Second request"},
        "letters": {"request": optout.pk, "sender": sheriff.pk, "subject": "Follow-up"},
        "responses": {"request": optout.pk, "agency": ice.pk, "kind": "more_information"},
        "meetings": {"request": optout.pk, "status": "planned"},
        "statements": {
            "speaker": "A spokesperson",
            "agency": ice.pk,
            "medium": "news_report",
            "quote": "Counties cannot opt out.",
            "position": "impossible",
        },
        "transitions": {"request": optout.pk, "to_state": "withdrawn"},
    }
    return World(ids=ids, spare=spare, bodies=bodies)


def client_for(who: str, users: dict[str, Any]) -> APIClient:
    client = APIClient()
    if who != "anonymous":
        _token, secret = api_token_create(user=users[who], name="permissions")
        client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


@pytest.fixture
def users(editor: Any, viewer: Any, admin_user: Any) -> dict[str, Any]:
    return {"editor": editor, "viewer": viewer, "admin": admin_user}


RESOURCES = [
    "jurisdictions",
    "agencies",
    "contacts",
    "requests",
    "letters",
    "responses",
    "meetings",
    "statements",
]
WHO = ["anonymous", "viewer", "editor", "admin"]

#: Expected status per user, for each method of a writable resource. Anonymous reads
#: are in ANONYMOUS_READS.
CRUD_MATRIX: dict[str, dict[str, int]] = {
    "list": {"anonymous": 200, "viewer": 200, "editor": 200, "admin": 200},
    "create": {"anonymous": 401, "viewer": 403, "editor": 201, "admin": 201},
    "retrieve": {"anonymous": 404, "viewer": 200, "editor": 200, "admin": 200},
    "update": {"anonymous": 401, "viewer": 403, "editor": 200, "admin": 200},
    "partial_update": {"anonymous": 401, "viewer": 403, "editor": 200, "admin": 200},
    "destroy": {"anonymous": 401, "viewer": 403, "editor": 403, "admin": 204},
}

#: The status log is read-only for everyone: it is written by the workflow.
TRANSITIONS_MATRIX: dict[str, dict[str, int]] = {
    "list": {"anonymous": 200, "viewer": 200, "editor": 200, "admin": 200},
    "create": {"anonymous": 401, "viewer": 405, "editor": 405, "admin": 405},
    "retrieve": {"anonymous": 404, "viewer": 200, "editor": 200, "admin": 200},
    "update": {"anonymous": 401, "viewer": 405, "editor": 405, "admin": 405},
    "partial_update": {"anonymous": 401, "viewer": 405, "editor": 405, "admin": 405},
    "destroy": {"anonymous": 401, "viewer": 405, "editor": 405, "admin": 405},
}


#: Without a token, lists answer with the published records (none here: nothing in the
#: world is published, so a record read by id is a 404), except where noted: contacts
#: are never public; agencies are public information.
ANONYMOUS_READS: dict[tuple[str, str], int] = {
    ("contacts", "list"): 401,
    ("contacts", "retrieve"): 401,
    ("agencies", "retrieve"): 200,
}


def call(client: APIClient, action: str, resource: str, world: World) -> Any:
    base = f"/api/v1/{resource}/"
    body = world.bodies[resource]
    if action == "list":
        return client.get(base)
    if action == "create":
        return client.post(base, body, format="json")
    if action == "retrieve":
        return client.get(f"{base}{world.ids[resource]}/")
    target = f"{base}{world.spare[resource]}/"
    # Any version will do: what is checked here is who may write at all.
    if action == "update":
        return client.put(target, body, format="json", HTTP_IF_MATCH="*")
    if action == "partial_update":
        return client.patch(target, {}, format="json", HTTP_IF_MATCH="*")
    return client.delete(target, HTTP_IF_MATCH="*")


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("action", list(CRUD_MATRIX))
@pytest.mark.parametrize("resource", [*RESOURCES, "transitions"])
def test_each_role_gets_the_expected_status_on_every_endpoint(
    world: World, users: dict[str, Any], resource: str, action: str, who: str
) -> None:
    matrix = TRANSITIONS_MATRIX if resource == "transitions" else CRUD_MATRIX
    expected = matrix[action][who]
    if who == "anonymous":
        expected = ANONYMOUS_READS.get((resource, action), expected)
    response = call(client_for(who, users), action, resource, world)
    assert response.status_code == expected, response.content
    if response.status_code >= 400:
        assert set(response.json()) >= {"code", "detail", "errors"}


ACTIONS: list[tuple[str, str, str]] = [
    # (method, path template, resource id key)
    ("get", "/api/v1/", ""),
    ("get", "/api/v1/requests/{requests}/timeline/", "requests"),
    ("post", "/api/v1/requests/{requests}/transitions/", "requests"),
    ("post", "/api/v1/requests/{requests}/reopen/", "requests"),
    ("get", "/api/v1/jurisdictions/{jurisdictions}/requests/", "jurisdictions"),
    ("get", "/api/v1/letters/{letters}/attachment/", "letters"),
    ("get", "/api/v1/responses/{responses}/attachment/", "responses"),
    ("get", "/api/v1/statements/contradictions/", ""),
    ("get", "/api/v1/milestones/requests/", ""),
    ("get", "/api/v1/milestones/agencies/", ""),
    ("get", "/api/v1/letters/?format=csv", ""),
    ("get", "/api/v1/requests/?format=csv", ""),
]
ACTIONS_MATRIX: dict[str, dict[str, int]] = {
    "/api/v1/": {"anonymous": 401, "viewer": 200, "editor": 200, "admin": 200},
    # The request is not published: anonymous callers do not find it.
    "timeline": {"anonymous": 404, "viewer": 200, "editor": 200, "admin": 200},
    # The request has a sent letter, so moving it to notice_sent is allowed.
    "transitions": {"anonymous": 401, "viewer": 403, "editor": 201, "admin": 201},
    # Allowed to try, but the request is open: the workflow answers.
    "reopen": {"anonymous": 401, "viewer": 403, "editor": 409, "admin": 409},
    "jurisdiction requests": {"anonymous": 404, "viewer": 200, "editor": 200, "admin": 200},
    "letter attachment": {"anonymous": 401, "viewer": 200, "editor": 200, "admin": 200},
    "response attachment": {"anonymous": 401, "viewer": 200, "editor": 200, "admin": 200},
    # Anonymous readers get the contradictions between published statements.
    "contradictions": {"anonymous": 200, "viewer": 200, "editor": 200, "admin": 200},
    "request milestones": {"anonymous": 401, "viewer": 200, "editor": 200, "admin": 200},
    "agency milestones": {"anonymous": 401, "viewer": 200, "editor": 200, "admin": 200},
    "letters csv": {"anonymous": 401, "viewer": 200, "editor": 200, "admin": 200},
    "requests csv": {"anonymous": 401, "viewer": 200, "editor": 200, "admin": 200},
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize(
    ("method", "template", "name"),
    [
        (method, template, name)
        for (method, template, _key), name in zip(ACTIONS, ACTIONS_MATRIX, strict=True)
    ],
)
def test_each_role_gets_the_expected_status_on_every_action(
    world: World, users: dict[str, Any], method: str, template: str, name: str, who: str
) -> None:
    client = client_for(who, users)
    url = template.format(**world.ids)
    if method == "post":
        body = {"to": "notice_sent"} if url.endswith("/transitions/") else {}
        response = client.post(url, body, format="json", HTTP_IF_MATCH="*")
    else:
        response = client.get(url)
    assert response.status_code == ACTIONS_MATRIX[name][who]


def test_a_session_signs_in_an_api_reader_too(world: World, viewer: Any) -> None:
    client = APIClient()
    client.force_login(viewer)
    assert client.get("/api/v1/requests/").status_code == 200


def test_a_wrong_token_is_refused_with_401(world: World) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get("/api/v1/requests/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert response["WWW-Authenticate"] == "Token"


def test_a_user_without_a_group_reads_nothing(world: World, django_user_model: Any) -> None:
    stranger = django_user_model.objects.create_user(username="stranger", password="x")
    client = APIClient()
    client.force_login(stranger)
    assert client.get("/api/v1/letters/").status_code == 403


def test_contact_details_appear_only_to_users_allowed_to_view_contacts(
    world: World, viewer: Any, django_user_model: Any
) -> None:
    contact = ContactFactory(email="clerk@example.org", phone="555", address="1 Main St")
    client = APIClient()
    client.force_login(viewer)
    shown = client.get(f"/api/v1/contacts/{contact.pk}/").json()
    assert (shown["email"], shown["phone"], shown["address"]) == (
        "clerk@example.org",
        "555",
        "1 Main St",
    )

    class Request:
        user = django_user_model.objects.create_user(username="outsider", password="x")

    hidden = ContactSerializer(contact, context={"request": Request()}).data
    assert hidden["name"] == contact.name
    assert not set(hidden) & {"email", "phone", "address", "notes"}


def test_deleting_a_record_others_refer_to_is_a_409_that_says_why(
    world: World, admin_user: Any
) -> None:
    client = APIClient()
    client.force_login(admin_user)
    response = client.delete(
        f"/api/v1/jurisdictions/{world.ids['jurisdictions']}/", HTTP_IF_MATCH="*"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "protected"
    assert "opt-out request" in response.json()["detail"]


def test_moving_a_request_with_a_sent_letter_is_logged(world: World, editor: Any) -> None:
    client = client_for("editor", {"editor": editor})
    client.post(
        f"/api/v1/requests/{world.ids['requests']}/transitions/",
        {"to": "notice_sent"},
        format="json",
        HTTP_IF_MATCH="*",
    )
    assert Letter.objects.get(pk=world.ids["letters"]).request.status == "notice_sent"
