"""Reading and writing records through the API: the services' rules, partial dates,
and bad input refused with a 4xx in the one error shape, with nothing written."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from core.dates import PartialDate
from jurisdictions.models import Agency, Jurisdiction
from tests.api.helpers import if_match
from tests.factories import AgencyFactory, JurisdictionFactory
from tracker.domain import services
from tracker.models import Letter, Meeting, OptOutRequest, Transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def ice() -> Agency:
    return AgencyFactory(name="ICE", kind=Agency.Kind.PROGRAM_OFFICE, reply_window_days=30)


def assert_error(response: Any, status: int, *fields: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()
    assert set(body) >= {"code", "detail", "errors"}
    assert body["detail"]
    for field in fields:
        assert field in body["errors"], body
    return body


# --- Writing through the services -----------------------------------------------------


def test_opening_a_request_logs_its_creation_and_starts_in_draft(
    api: APIClient, editor: Any
) -> None:
    jurisdiction = JurisdictionFactory()
    response = api.post(
        "/api/v1/requests/",
        {
            "jurisdiction": jurisdiction.pk,
            "title": "Opt out",
            "opened_on": "2010-09",
            "owner": "editor",
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["opened_on"], body["owner"]) == ("draft", "2010-09", "editor")
    assert response["ETag"] == '"1"'
    assert response["Location"].endswith(f"/api/v1/requests/{body['id']}/")
    created = OptOutRequest.objects.get(pk=body["id"])
    assert created.opened is not None and created.opened.display() == "September 2010"
    assert list(created.transitions.values_list("to_state", "by")) == [("draft", editor.pk)]


def test_logging_an_outgoing_letter_gives_it_a_due_date(
    api: APIClient, optout: OptOutRequest, sheriff: Agency, ice: Agency
) -> None:
    response = api.post(
        "/api/v1/letters/",
        {
            "request": optout.pk,
            "sender": sheriff.pk,
            "recipients": [ice.pk],
            "subject": "Notice",
            "method": "fax",
            "sent_on": "2010-09-07",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["due_on"] == "2010-10-07"
    assert body["awaiting_reply"] is True
    assert body["recipients"] == [ice.pk]


def test_a_date_known_to_the_month_is_read_and_written_as_yyyy_mm(
    api: APIClient, optout: OptOutRequest, sheriff: Agency
) -> None:
    letter = services.letter_log(request=optout, by=None, sender=sheriff, subject="Letter")
    url = f"/api/v1/letters/{letter.pk}/"
    for sent in ("2010", "2010-08", "2010-08-20"):
        assert (
            api.patch(url, {"sent_on": sent}, format="json", **if_match(letter)).json()["sent_on"]
            == sent
        )
    letter.refresh_from_db()
    assert (letter.sent_on, letter.sent_on_precision) == (dt.date(2010, 8, 20), "day")
    assert (
        api.patch(url, {"sent_on": None}, format="json", **if_match(letter)).json()["sent_on"]
        is None
    )


def test_a_model_rule_broken_through_the_api_is_a_400_on_the_field(
    api: APIClient, optout: OptOutRequest, sheriff: Agency
) -> None:
    response = api.post(
        "/api/v1/letters/",
        {
            "request": optout.pk,
            "sender": sheriff.pk,
            "subject": "Backwards",
            "sent_on": "2010-09-20",
            "received_on": "2010-09-01",
        },
        format="json",
    )
    assert_error(response, 400, "received_on")
    assert not Letter.objects.exists()


def test_a_held_meeting_without_a_date_is_refused(api: APIClient, optout: OptOutRequest) -> None:
    response = api.post(
        "/api/v1/meetings/", {"request": optout.pk, "status": "held"}, format="json"
    )
    assert_error(response, 400, "held_on")
    assert not Meeting.objects.exists()


def test_a_letter_stays_on_its_request(
    api: APIClient, optout: OptOutRequest, sheriff: Agency, editor: Any
) -> None:
    letter = services.letter_log(request=optout, by=editor, sender=sheriff, subject="Letter")
    other = services.request_open(jurisdiction=JurisdictionFactory(), title="Other", by=editor)
    response = api.patch(
        f"/api/v1/letters/{letter.pk}/", {"request": other.pk}, format="json", **if_match(letter)
    )
    assert_error(response, 400, "request")
    assert Letter.objects.get(pk=letter.pk).request_id == optout.pk


def test_an_edit_is_recorded_in_the_history_with_its_author(
    api: APIClient, optout: OptOutRequest, editor: Any
) -> None:
    api.patch(
        f"/api/v1/requests/{optout.pk}/",
        {"summary": "More detail"},
        format="json",
        **if_match(optout),
    )
    latest = OptOutRequest.history.filter(id=optout.pk).latest("history_date")
    assert (latest.summary, latest.history_user) == ("More detail", editor)


def test_an_empty_fips_is_stored_as_unknown_so_many_jurisdictions_may_lack_one(
    api: APIClient,
) -> None:
    for name in ("One", "Two"):
        response = api.post(
            "/api/v1/jurisdictions/",
            {"name": name, "kind": "county", "state": "VA", "fips": ""},
            format="json",
        )
        assert response.status_code == 201, response.content
    assert Jurisdiction.objects.filter(fips__isnull=True).count() == 2


def test_a_duplicate_jurisdiction_is_a_400(api: APIClient) -> None:
    JurisdictionFactory(name="Arlington County", state="VA", fips="51013")
    response = api.post(
        "/api/v1/jurisdictions/",
        {"name": "Arlington County", "kind": "county", "state": "VA"},
        format="json",
    )
    assert_error(response, 400)
    assert Jurisdiction.objects.count() == 1


# --- Bad input: a 4xx in the error shape, nothing written ------------------------------


def _counts() -> tuple[int, ...]:
    return (
        OptOutRequest.objects.count(),
        Letter.objects.count(),
        Transition.objects.count(),
        Jurisdiction.objects.count(),
    )


BAD_REQUEST_BODIES: list[tuple[str, Any, str | None]] = [
    ("wrong type for an id", {"jurisdiction": "abc", "title": "T"}, "jurisdiction"),
    ("a list instead of an object", [1, 2], "non_field_errors"),
    (
        "a boolean that is not one",
        {"jurisdiction": 1, "title": "T", "is_public": "maybe"},
        "is_public",
    ),
    ("an unknown field", {"jurisdiction": 1, "title": "T", "colour": "red"}, "colour"),
    ("a read-only field", {"jurisdiction": 1, "title": "T", "version": 7}, "version"),
    ("a huge id", {"jurisdiction": 10**30, "title": "T"}, "jurisdiction"),
    ("a huge negative id", {"jurisdiction": -(10**30), "title": "T"}, "jurisdiction"),
    ("a NUL byte", {"jurisdiction": 1, "title": "T\x00"}, "title"),
    ("an over-long title", {"jurisdiction": 1, "title": "T" * 201}, "title"),
    (
        "a month that does not exist",
        {"jurisdiction": 1, "title": "T", "opened_on": "2010-13"},
        "opened_on",
    ),
    ("a year out of range", {"jurisdiction": 1, "title": "T", "opened_on": "9999-12"}, "opened_on"),
    ("a year zero", {"jurisdiction": 1, "title": "T", "opened_on": "0000"}, "opened_on"),
    ("a date as a number", {"jurisdiction": 1, "title": "T", "opened_on": 2010}, "opened_on"),
    ("an unknown code", {"jurisdiction": 1, "title": "T", "seeks": "everything"}, "seeks"),
    ("an unknown owner", {"jurisdiction": 1, "title": "T", "owner": "nobody"}, "owner"),
]


@pytest.mark.parametrize(
    ("body", "field"),
    [(body, field) for _name, body, field in BAD_REQUEST_BODIES],
    ids=[name for name, _body, _field in BAD_REQUEST_BODIES],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(
    api: APIClient, body: Any, field: str
) -> None:
    JurisdictionFactory(pk=1)
    before = _counts()
    response = api.post("/api/v1/requests/", body, format="json")
    assert_error(response, 400, field)
    assert _counts() == before


def test_malformed_json_is_a_400_parse_error(api: APIClient) -> None:
    before = _counts()
    response = api.post("/api/v1/requests/", '{"title": ', content_type="application/json")
    assert assert_error(response, 400)["code"] == "parse_error"
    assert _counts() == before


def test_an_unsupported_media_type_is_a_415(api: APIClient) -> None:
    response = api.post("/api/v1/requests/", "<request/>", content_type="application/xml")
    assert assert_error(response, 415)["code"] == "unsupported_media_type"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/requests/99999999999999999999999999/",
        "/api/v1/requests/-1/",
        "/api/v1/requests/abc/",
        "/api/v1/requests/99999999999999999999999999/timeline/",
    ],
)
def test_an_id_that_cannot_exist_is_a_404(api: APIClient, url: str) -> None:
    assert assert_error(api.get(url), 404)["code"] == "not_found"


# The parameter as sent: a range box is named by its own name (opened_on_after).
@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("status=granted", "status"),
        ("jurisdiction=99999999999999999999999", "jurisdiction"),
        ("jurisdiction=abc", "jurisdiction"),
        ("opened_on_after=2010-02-30", "opened_on_after"),
        ("opened_on_after=99999-01-01", "opened_on_after"),
        ("overdue=maybe", "overdue"),
        ("search=a%00b", "search"),
        (f"search={'x' * 201}", "search"),
        ("ordering=password", "ordering"),
        ("state=ZZ", "state"),
    ],
)
def test_an_unknown_filter_value_is_a_400_naming_the_parameter(
    api: APIClient, optout: OptOutRequest, query: str, parameter: str
) -> None:
    assert_error(api.get(f"/api/v1/requests/?{query}"), 400, parameter)


def test_a_page_past_the_end_is_a_404(api: APIClient, optout: OptOutRequest) -> None:
    assert api.get("/api/v1/requests/?page=99999999999999999999").status_code == 404


@pytest.mark.parametrize("size", ["0", "-1", "ten", "²", "1.5"])
def test_a_page_size_that_is_not_a_positive_whole_number_is_a_400(
    api: APIClient, optout: OptOutRequest, size: str
) -> None:
    assert_error(api.get("/api/v1/requests/", {"page_size": size}), 400, "page_size")


def test_a_page_size_above_200_is_capped(api: APIClient) -> None:
    Jurisdiction.objects.bulk_create(
        Jurisdiction(name=f"Place {i}", kind="county", state="VA", reference=f"va-place-{i}")
        for i in range(201)
    )
    body = api.get("/api/v1/jurisdictions/?page_size=100000").json()
    assert (body["count"], len(body["results"])) == (201, 200)


def test_a_non_json_accept_header_is_a_406_in_the_error_shape(api: APIClient) -> None:
    response = api.get("/api/v1/requests/", HTTP_ACCEPT="application/xml")
    assert response.status_code == 406
    assert json.loads(response.content)["code"] == "not_acceptable"


def test_an_unchanged_letter_keeps_its_due_date_when_edited(
    api: APIClient, optout: OptOutRequest, sheriff: Agency, ice: Agency, editor: Any
) -> None:
    letter = services.letter_log(
        request=optout,
        by=editor,
        sender=sheriff,
        recipients=[ice],
        subject="Notice",
        sent_on=PartialDate.parse("2010-09-07"),
    )
    body = api.patch(
        f"/api/v1/letters/{letter.pk}/", {"summary": "Faxed"}, format="json", **if_match(letter)
    ).json()
    assert body["due_on"] == "2010-10-07"
