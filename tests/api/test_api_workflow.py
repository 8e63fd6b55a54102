"""Moving requests through the API: 201, 409 with the allowed states, 412 on a stale copy."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from core.dates import PartialDate
from jurisdictions.models import Agency
from tests.api.helpers import if_match
from tests.factories import AgencyFactory, JurisdictionFactory
from tests.threads import at_once
from tracker.domain import services
from tracker.models import OptOutRequest, Transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def noticed(optout: OptOutRequest, editor: Any) -> OptOutRequest:
    """A request with a notice sent to ICE's program office."""
    services.letter_log(
        request=optout,
        by=editor,
        sender=AgencyFactory(kind=Agency.Kind.SHERIFF, level=Agency.Level.LOCAL),
        recipients=[AgencyFactory(kind=Agency.Kind.PROGRAM_OFFICE)],  # type: ignore[list-item]
        subject="Notice",
        sent_on=PartialDate.parse("2010-09-07"),
    )
    return optout


def move_url(request: OptOutRequest) -> str:
    return f"/api/v1/requests/{request.pk}/transitions/"


def test_a_request_shows_its_allowed_moves_and_checklist(
    api: APIClient, noticed: OptOutRequest
) -> None:
    body = api.get(f"/api/v1/requests/{noticed.pk}/").json()
    assert body["status"] == "draft"
    assert [step["to"] for step in body["allowed_transitions"]] == ["notice_sent", "withdrawn"]
    assert {item["key"]: item["done"] for item in body["checklist"]} == {
        "notice_program_office": True,
        "notice_sib": False,
        "meeting_held": False,
    }


def test_an_allowed_move_is_201_with_the_new_state_and_logged(
    api: APIClient, noticed: OptOutRequest, editor: Any
) -> None:
    response = api.post(
        move_url(noticed),
        {"to": "notice_sent", "note": "Faxed today."},
        format="json",
        **if_match(noticed),
    )
    assert response.status_code == 201
    body = response.json()
    assert body["request"]["status"] == "notice_sent"
    assert body["transition"]["from_state"] == "draft"
    assert body["transition"]["by"] == "editor"
    assert response["ETag"] == f'"{body["request"]["version"]}"'
    logged = Transition.objects.filter(request=noticed).latest("pk")
    assert (logged.to_state, logged.note, logged.by) == ("notice_sent", "Faxed today.", editor)


def test_a_forbidden_move_is_409_naming_the_current_and_allowed_states(
    api: APIClient, optout: OptOutRequest
) -> None:
    response = api.post(move_url(optout), {"to": "removed"}, format="json", **if_match(optout))
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "transition_not_allowed"
    assert body["current"] == "draft"
    assert body["allowed"] == ["withdrawn"]
    assert "Removed from the deployment plan" in body["detail"]
    assert optout.transitions.count() == 1


def test_a_guarded_move_says_what_is_missing(api: APIClient, optout: OptOutRequest) -> None:
    response = api.post(move_url(optout), {"to": "notice_sent"}, format="json", **if_match(optout))
    assert response.status_code == 409
    assert "log a letter" in response.json()["detail"]


def test_an_unknown_state_is_a_400_naming_the_field(api: APIClient, optout: OptOutRequest) -> None:
    response = api.post(move_url(optout), {"to": "granted"}, format="json", **if_match(optout))
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["to"]


def test_a_letter_of_another_request_cannot_cause_a_move(
    api: APIClient, noticed: OptOutRequest, editor: Any
) -> None:
    other = services.request_open(jurisdiction=JurisdictionFactory(), title="Other", by=editor)
    foreign = services.letter_log(
        request=other, by=editor, sender=AgencyFactory(), subject="Elsewhere"
    )
    response = api.post(
        move_url(noticed),
        {"to": "notice_sent", "letter": foreign.pk},
        format="json",
        **if_match(noticed),
    )
    assert response.status_code == 400
    assert "letter" in response.json()["errors"]
    assert OptOutRequest.objects.get(pk=noticed.pk).status == "draft"


def test_status_is_read_only_outside_the_transitions_endpoint(
    api: APIClient, optout: OptOutRequest
) -> None:
    response = api.patch(
        f"/api/v1/requests/{optout.pk}/", {"status": "removed"}, format="json", **if_match(optout)
    )
    assert response.status_code == 400
    assert "transitions" in response.json()["errors"]["status"][0]
    assert OptOutRequest.objects.get(pk=optout.pk).status == "draft"


def test_a_closed_request_can_be_reopened_to_the_state_it_was_closed_from(
    api: APIClient, noticed: OptOutRequest
) -> None:
    api.post(move_url(noticed), {"to": "notice_sent"}, format="json", **if_match(noticed))
    api.post(move_url(noticed), {"to": "withdrawn"}, format="json", **if_match(noticed))
    response = api.post(
        f"/api/v1/requests/{noticed.pk}/reopen/",
        {"note": "Withdrawn by mistake."},
        format="json",
        **if_match(noticed),
    )
    assert response.status_code == 201
    assert response.json()["request"]["status"] == "notice_sent"
    assert response.json()["request"]["closed_on"] is None
    assert noticed.transitions.latest("pk").note == "Withdrawn by mistake."


def test_an_open_request_cannot_be_reopened(api: APIClient, optout: OptOutRequest) -> None:
    response = api.post(
        f"/api/v1/requests/{optout.pk}/reopen/", {}, format="json", **if_match(optout)
    )
    assert response.status_code == 409
    assert response.json()["current"] == "draft"


# --- ETags and If-Match ---------------------------------------------------------------


def test_every_detail_response_carries_an_etag_from_the_version(
    api: APIClient, optout: OptOutRequest
) -> None:
    first = api.get(f"/api/v1/requests/{optout.pk}/")
    assert first["ETag"] == f'"{optout.version}"'
    changed = api.patch(
        f"/api/v1/requests/{optout.pk}/",
        {"title": "Renamed"},
        format="json",
        HTTP_IF_MATCH=first["ETag"],
    )
    assert changed.status_code == 200
    assert changed["ETag"] == f'"{optout.version + 1}"'


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_stale_if_match_is_412_and_changes_nothing(
    api: APIClient, admin_user: Any, optout: OptOutRequest, editor: Any, method: str
) -> None:
    stale = api.get(f"/api/v1/requests/{optout.pk}/")["ETag"]
    optout.title = "Changed by a colleague"
    services.record_save(optout, by=editor)
    api.force_login(admin_user)  # may delete
    body = {"jurisdiction": optout.jurisdiction_id, "title": "Mine"}
    response = getattr(api, method)(
        f"/api/v1/requests/{optout.pk}/", body, format="json", HTTP_IF_MATCH=stale
    )
    assert response.status_code == 412
    error = response.json()
    assert error["code"] == "stale_record"
    assert error["current_version"] == optout.version
    assert [c["field"] for c in error["changes"]] == ["title"]
    assert OptOutRequest.objects.get(pk=optout.pk).title == "Changed by a colleague"


def test_a_stale_if_match_on_a_move_is_412(
    api: APIClient, noticed: OptOutRequest, editor: Any
) -> None:
    stale = api.get(f"/api/v1/requests/{noticed.pk}/")["ETag"]
    noticed.summary = "Edited meanwhile"
    services.record_save(noticed, by=editor)
    response = api.post(
        move_url(noticed), {"to": "notice_sent"}, format="json", HTTP_IF_MATCH=stale
    )
    assert response.status_code == 412
    assert OptOutRequest.objects.get(pk=noticed.pk).status == "draft"


def test_a_current_if_match_on_a_move_is_accepted(api: APIClient, noticed: OptOutRequest) -> None:
    etag = api.get(f"/api/v1/requests/{noticed.pk}/")["ETag"]
    response = api.post(move_url(noticed), {"to": "notice_sent"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 201


@pytest.mark.parametrize("header", ['W/"1"', "1", "garbage", '"²"', '"99999999999999999999999999"'])
def test_an_if_match_that_is_not_the_current_etag_is_412(
    api: APIClient, optout: OptOutRequest, header: str
) -> None:
    response = api.patch(
        f"/api/v1/requests/{optout.pk}/", {"title": "x"}, format="json", HTTP_IF_MATCH=header
    )
    assert response.status_code == 412


def test_if_match_star_or_a_list_containing_the_etag_is_accepted(
    api: APIClient, optout: OptOutRequest
) -> None:
    star = api.patch(
        f"/api/v1/requests/{optout.pk}/", {"title": "a"}, format="json", HTTP_IF_MATCH="*"
    )
    listed = api.patch(
        f"/api/v1/requests/{optout.pk}/",
        {"title": "b"},
        format="json",
        HTTP_IF_MATCH=f'"1", "{star.json()["version"]}"',
    )
    assert (star.status_code, listed.status_code) == (200, 200)


@pytest.mark.django_db(transaction=True)
def test_two_writers_of_the_same_version_cannot_both_move_a_request(
    editor: Any, noticed: OptOutRequest
) -> None:
    """Both send the same move at once; the domain lock lets exactly one through
    (row locks on PostgreSQL, one writer at a time and the version check on SQLite)."""
    etag = if_match(noticed)["HTTP_IF_MATCH"]

    def move() -> int:
        client = APIClient()
        client.force_login(editor)
        body = {"to": "notice_sent"}
        return client.post(move_url(noticed), body, format="json", HTTP_IF_MATCH=etag).status_code

    statuses = at_once(move, move)
    assert sorted(statuses, key=str) in ([201, 409], [201, 412]), statuses
    assert noticed.transitions.filter(to_state="notice_sent").count() == 1


# --- If-Match is required -------------------------------------------------------------

WITHOUT_IF_MATCH = [
    ("put", ""),
    ("patch", ""),
    ("delete", ""),
    ("post", "transitions/"),
    ("post", "reopen/"),
]


@pytest.mark.parametrize(("method", "suffix"), WITHOUT_IF_MATCH)
@pytest.mark.parametrize("header", [None, "", "   "])
def test_a_change_without_if_match_is_428_naming_the_current_etag_and_changes_nothing(
    api: APIClient,
    admin_user: Any,
    noticed: OptOutRequest,
    method: str,
    suffix: str,
    header: str | None,
) -> None:
    api.force_login(admin_user)  # may delete
    before = OptOutRequest.objects.values().get(pk=noticed.pk)
    body = {"jurisdiction": noticed.jurisdiction_id, "title": "Mine", "to": "notice_sent"}
    extra = {} if header is None else {"HTTP_IF_MATCH": header}
    response = getattr(api, method)(
        f"/api/v1/requests/{noticed.pk}/{suffix}", body, format="json", **extra
    )
    assert response.status_code == 428, response.content
    error = response.json()
    assert error["code"] == "precondition_required"
    assert error["current_version"] == noticed.version
    assert error["etag"] == response["ETag"] == f'"{noticed.version}"'
    assert f'"{noticed.version}"' in error["detail"]
    assert OptOutRequest.objects.values().get(pk=noticed.pk) == before
    assert noticed.transitions.count() == 1


def test_the_etag_named_by_a_428_makes_the_retry_succeed(
    api: APIClient, noticed: OptOutRequest
) -> None:
    refused = api.post(move_url(noticed), {"to": "notice_sent"}, format="json")
    assert refused.status_code == 428
    retried = api.post(
        move_url(noticed), {"to": "notice_sent"}, format="json", HTTP_IF_MATCH=refused["ETag"]
    )
    assert retried.status_code == 201, retried.content


def test_a_missing_record_is_404_before_any_if_match_is_asked_for(api: APIClient) -> None:
    response = api.patch("/api/v1/requests/999999/", {"title": "x"}, format="json")
    assert response.status_code == 404


def test_a_create_needs_no_if_match(api: APIClient) -> None:
    body = {"jurisdiction": JurisdictionFactory().pk, "title": "New"}
    assert api.post("/api/v1/requests/", body, format="json").status_code == 201
