"""The public record through the API without a token: published items only, shown
publicly, and nothing unpublished or private ever leaks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.factories import (
    AgencyFactory,
    ContactFactory,
    JurisdictionFactory,
    LetterFactory,
    MeetingFactory,
    RequestFactory,
    ResponseFactory,
    StatementFactory,
)
from tracker.models import AgencyResponse, Letter, Meeting, OptOutRequest, Statement, Transition

pytestmark = pytest.mark.django_db

SECRET = "confidentialmarker"


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


@pytest.fixture
def shown() -> OptOutRequest:
    """A published request whose every item has an unpublished twin and private details.

    Every private value contains SECRET, so one search of a response finds any leak.
    Agencies are public information, so their names do not contain it (their notes do).
    """
    jurisdiction = JurisdictionFactory(name="Shown County", notes=f"{SECRET} jurisdiction notes")
    contact = ContactFactory(
        name="Michael Hennessey",
        email=f"{SECRET}@example.org",
        phone=f"{SECRET}-phone",
        address=f"{SECRET} address",
        notes=f"{SECRET} contact notes",
    )
    ice = AgencyFactory(name="Secure Communities", notes=f"{SECRET} agency notes")
    request = RequestFactory(
        jurisdiction=jurisdiction,
        is_public=True,
        title="Shown request",
        notes=f"{SECRET} request notes",
        source=f"{SECRET} request source",
        requested_by=contact,
    )
    letter = LetterFactory(
        request=request,
        is_public=True,
        subject="Shown letter",
        notes=f"{SECRET} letter notes",
        source=f"{SECRET} letter source",
        sender_contact=contact,
        recipients=[ice],
    )
    hidden_letter = LetterFactory(request=request, subject=f"{SECRET} unpublished letter")
    LetterFactory(
        request=request, is_public=True, subject="Shown answer", in_reply_to=hidden_letter
    )
    ResponseFactory(
        request=request,
        letter=letter,
        agency=ice,
        is_public=True,
        summary="Shown reply",
        notes=SECRET,
    )
    ResponseFactory(request=request, letter=hidden_letter, is_public=True, summary="Shown too")
    ResponseFactory(request=request, summary=f"{SECRET} unpublished reply")
    meeting = MeetingFactory(request=request, is_public=True, outcome="Shown meeting", notes=SECRET)
    meeting.attendees.set([contact])
    MeetingFactory(request=request, outcome=f"{SECRET} unpublished meeting")
    # Status changes are public with their request; their notes never are.
    Transition.objects.create(
        request=request, from_state="draft", to_state="notice_sent", note=SECRET
    )
    Transition.objects.create(
        request=request, from_state="notice_sent", to_state="withdrawn", note=SECRET
    )
    # Published items of an unpublished request, in the same jurisdiction.
    hidden_request = RequestFactory(
        jurisdiction=jurisdiction, title=f"{SECRET} unpublished request"
    )
    LetterFactory(request=hidden_request, is_public=True, subject=f"{SECRET} orphan letter")
    MeetingFactory(request=hidden_request, is_public=True, outcome=f"{SECRET} orphan meeting")
    ResponseFactory(request=hidden_request, is_public=True, summary=f"{SECRET} orphan reply")
    Transition.objects.create(
        request=hidden_request, from_state="draft", to_state="denied", note=SECRET
    )
    # A jurisdiction with nothing published.
    RequestFactory(
        jurisdiction=JurisdictionFactory(name=f"{SECRET} County"), title=f"{SECRET} elsewhere"
    )
    department = AgencyFactory(name="Department")
    StatementFactory(
        agency=department,
        is_public=True,
        quote="We said yes.",
        position="possible",
        reference="said-yes",
        notes=SECRET,
        source=SECRET,
    )
    StatementFactory(
        agency=department,
        is_public=True,
        reference="said-no",
        quote="We said no.",
        position="impossible",
        stated_on=dt.date(2010, 10, 6),
    )
    StatementFactory(
        agency=department,
        quote=f"{SECRET} unpublished statement",
        position="impossible",
        reference="said-privately",
        stated_on=dt.date(2010, 9, 20),
    )
    return request


def anonymous_urls(request: OptOutRequest) -> list[str]:
    jurisdiction = request.jurisdiction_id
    letter = Letter.objects.get(subject="Shown letter").pk
    return [
        "/api/v1/jurisdictions/",
        f"/api/v1/jurisdictions/{jurisdiction}/",
        f"/api/v1/jurisdictions/{jurisdiction}/requests/",
        "/api/v1/agencies/",
        "/api/v1/requests/",
        f"/api/v1/requests/{request.pk}/",
        f"/api/v1/requests/{request.pk}/timeline/",
        "/api/v1/letters/",
        f"/api/v1/letters/{letter}/",
        "/api/v1/responses/",
        "/api/v1/meetings/",
        "/api/v1/transitions/",
        "/api/v1/statements/",
        "/api/v1/statements/contradictions/",
        # Filters and searches of the public record.
        f"/api/v1/letters/?jurisdiction={jurisdiction}",
        f"/api/v1/meetings/?jurisdiction={jurisdiction}",
        f"/api/v1/responses/?jurisdiction={jurisdiction}",
        f"/api/v1/transitions/?jurisdiction={jurisdiction}",
        "/api/v1/requests/?status=draft&status=denied",
        "/api/v1/statements/?position=impossible",
        f"/api/v1/requests/?search={SECRET}",
        "/api/v1/requests/?search=unpublished",
        f"/api/v1/letters/?search={SECRET}",
        "/api/v1/letters/?search=orphan",
        f"/api/v1/responses/?search={SECRET}",
        f"/api/v1/meetings/?search={SECRET}",
        f"/api/v1/statements/?search={SECRET}",
        f"/api/v1/jurisdictions/?search={SECRET}",
        f"/api/v1/agencies/?search={SECRET}",
    ]


def test_every_anonymous_endpoint_answers_without_a_token_and_never_leaks(
    anonymous: APIClient, shown: OptOutRequest
) -> None:
    for url in anonymous_urls(shown):
        response = anonymous.get(url)
        assert response.status_code == 200, (url, response.content)
        assert SECRET not in response.content.decode(), url


def test_the_public_lists_hold_exactly_the_published_items(
    anonymous: APIClient, shown: OptOutRequest
) -> None:
    def listed(resource: str) -> set[int]:
        return {row["id"] for row in anonymous.get(f"/api/v1/{resource}/").json()["results"]}

    published = {"is_public": True, "request__is_public": True}
    assert listed("requests") == {shown.pk}
    assert listed("letters") == set(Letter.objects.filter(**published).values_list("pk", flat=True))
    assert listed("responses") == set(
        AgencyResponse.objects.filter(**published).values_list("pk", flat=True)
    )
    assert listed("meetings") == set(
        Meeting.objects.filter(**published).values_list("pk", flat=True)
    )
    assert listed("transitions") == set(
        Transition.objects.filter(request__is_public=True).values_list("pk", flat=True)
    )
    assert len(listed("transitions")) == 3  # opened, then the two moves
    assert listed("statements") == set(
        Statement.objects.filter(is_public=True).values_list("pk", flat=True)
    )
    assert listed("jurisdictions") == {shown.jurisdiction_id}
    assert len(listed("letters")) == 2
    assert len(listed("responses")) == 2


def test_unpublished_items_are_not_found_by_id(anonymous: APIClient, shown: OptOutRequest) -> None:
    hidden = [
        f"/api/v1/requests/{OptOutRequest.objects.get(title__contains='unpublished').pk}/",
        f"/api/v1/letters/{Letter.objects.get(subject__contains='orphan').pk}/",
        f"/api/v1/letters/{Letter.objects.get(subject__contains='unpublished').pk}/",
        f"/api/v1/meetings/{Meeting.objects.get(outcome__contains='orphan').pk}/",
        f"/api/v1/responses/{AgencyResponse.objects.get(summary__contains='orphan').pk}/",
        f"/api/v1/statements/{Statement.objects.get(reference='said-privately').pk}/",
        f"/api/v1/requests/{OptOutRequest.objects.get(title__contains='unpublished').pk}/timeline/",
        f"/api/v1/jurisdictions/{OptOutRequest.objects.get(title__contains='elsewhere').jurisdiction_id}/",
    ]
    for url in hidden:
        response = anonymous.get(url)
        assert response.status_code == 404, url
        assert SECRET not in response.content.decode()


def test_a_published_letter_is_shown_publicly(anonymous: APIClient, shown: OptOutRequest) -> None:
    letter = Letter.objects.get(subject="Shown letter")
    body = anonymous.get(f"/api/v1/letters/{letter.pk}/").json()
    assert body["id"] == letter.pk
    assert body["subject"] == "Shown letter"
    assert body["request"] == shown.reference
    assert body["signed_by"] == {"name": "Michael Hennessey", "title": body["signed_by"]["title"]}
    assert [r["name"] for r in body["recipients"]] == ["Secure Communities"]
    for private in ("notes", "source", "attachment_url", "due_on", "awaiting_reply", "version"):
        assert private not in body
    answer = Letter.objects.get(subject="Shown answer")
    # It answers an unpublished letter, which is not named.
    assert anonymous.get(f"/api/v1/letters/{answer.pk}/").json()["in_reply_to"] is None


def test_the_public_timeline_leaves_out_unpublished_items_and_the_logs_notes(
    anonymous: APIClient, viewer: Any, shown: OptOutRequest
) -> None:
    public = anonymous.get(f"/api/v1/requests/{shown.pk}/timeline/").json()
    staff = APIClient()
    staff.force_login(viewer)
    full = staff.get(f"/api/v1/requests/{shown.pk}/timeline/").json()
    assert len(public) < len(full)
    assert {entry["title"] for entry in public if entry["kind"] == "letter"} == {
        "Shown letter",
        "Shown answer",
    }
    assert all(entry["summary"] == "" for entry in public if entry["kind"] == "transition")


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/requests/?owner=editor",
        "/api/v1/requests/?is_public=false",
        "/api/v1/requests/?overdue=true",
        "/api/v1/letters/?awaiting_reply=true",
        "/api/v1/letters/?very_overdue=false",
        "/api/v1/letters/?due_on_after=2010-01-01",
        "/api/v1/letters/?in_reply_to=1",
        "/api/v1/letters/?request=1",
        "/api/v1/transitions/?search=withdrawn",
        "/api/v1/transitions/?by=1",
        "/api/v1/statements/?is_public=false",
    ],
)
def test_filters_on_what_is_not_public_are_refused_without_a_token(
    anonymous: APIClient, shown: OptOutRequest, url: str
) -> None:
    response = anonymous.get(url)
    assert response.status_code == 400
    assert response.json()["errors"]
    assert SECRET not in response.content.decode()


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/"),
        ("get", "/api/v1/contacts/"),
        ("get", "/api/v1/letters/?format=csv"),
        ("get", "/api/v1/requests/?format=csv"),
        ("get", "/api/v1/milestones/requests/"),
        ("get", "/api/v1/milestones/agencies/"),
        ("post", "/api/v1/requests/"),
        ("post", "/api/v1/statements/"),
        ("patch", "/api/v1/agencies/1/"),
        ("delete", "/api/v1/letters/1/"),
        ("options", "/api/v1/letters/"),
    ],
)
def test_everything_else_needs_a_token(
    anonymous: APIClient, shown: OptOutRequest, method: str, url: str
) -> None:
    response = getattr(anonymous, method)(url)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_attachments_are_never_served_without_a_token(
    anonymous: APIClient, shown: OptOutRequest
) -> None:
    letter = Letter.objects.get(subject="Shown letter")
    assert anonymous.get(f"/api/v1/letters/{letter.pk}/attachment/").status_code == 401


def test_agencies_are_public_by_name_only(anonymous: APIClient, shown: OptOutRequest) -> None:
    rows = anonymous.get("/api/v1/agencies/", {"search": "secure"}).json()["results"]
    assert [set(row) for row in rows] == [{"id", "reference", "name", "abbreviation"}]


def _published(n: int) -> None:
    jurisdiction = JurisdictionFactory()
    contact = ContactFactory()
    office = AgencyFactory()
    for i in range(n):
        request = RequestFactory(jurisdiction=jurisdiction, is_public=True, requested_by=contact)
        letter = LetterFactory(
            request=request, is_public=True, sender_contact=contact, recipients=[office]
        )
        letter.recipient_contacts.set([contact])
        ResponseFactory(request=request, letter=letter, agency=office, is_public=True)
        meeting = MeetingFactory(request=request, is_public=True)
        meeting.agencies.set([office])
        meeting.attendees.set([contact])
        Transition.objects.create(request=request, from_state="draft", to_state="notice_sent")
        StatementFactory(agency=office, is_public=True, speaker=f"S{i}")


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize(
    ("url", "queries"),
    [
        # count, page (with the requesting agency and contact joined), sources
        ("/api/v1/requests/", 3),
        # count, page (request, sender, signer, letter answered joined), recipients,
        # addressees, sources
        ("/api/v1/letters/", 5),
        # count, page (request, agency, letter joined), sources
        ("/api/v1/responses/", 3),
        # count, page (request joined), agencies, attendees, sources
        ("/api/v1/meetings/", 5),
        # count, page (request joined)
        ("/api/v1/transitions/", 2),
        # count, page (agency joined), sources
        ("/api/v1/statements/", 3),
        # count, page (with the number of published requests)
        ("/api/v1/jurisdictions/", 2),
        # count, page
        ("/api/v1/agencies/", 2),
    ],
)
def test_a_public_list_costs_a_fixed_number_of_queries(
    anonymous: APIClient, django_assert_num_queries: Any, url: str, queries: int, rows: int
) -> None:
    _published(rows)
    # No session or user queries: the caller sent no cookie and no token.
    with django_assert_num_queries(queries):
        response = anonymous.get(url, {"page_size": 200})
    assert response.status_code == 200
    assert len(response.json()["results"]) >= (1 if "jurisdictions" in url else rows)
