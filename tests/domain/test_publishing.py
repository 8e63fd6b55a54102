"""What the public may see: published items of published requests, public fields only."""

from __future__ import annotations

import json
from typing import Any

import pytest

from jurisdictions.models import Contact
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
from tracker.domain import publishing, selectors
from tracker.models import OptOutRequest, Transition

pytestmark = pytest.mark.django_db

SECRET = "CONFIDENTIAL-MARKER"
PRIVATE_KEYS = {
    "notes",
    "attachment",
    "document",
    "email",
    "phone",
    "address",
    "owner",
    "by",
    "note",
}


def keys_of(data: Any) -> set[str]:
    if isinstance(data, dict):
        return set(data) | {key for value in data.values() for key in keys_of(value)}
    if isinstance(data, list):
        return {key for value in data for key in keys_of(value)}
    return set()


@pytest.fixture
def contact() -> Contact:
    return ContactFactory(
        name="Michael Hennessey",
        title="Sheriff",
        email=f"{SECRET}@example.org",
        phone=f"{SECRET}-phone",
        address=f"{SECRET} street",
        notes=f"{SECRET} notes",
    )


@pytest.fixture
def published(contact: Contact) -> OptOutRequest:
    """A published request with a published letter, reply, meeting and status change."""
    request = RequestFactory(is_public=True, notes=SECRET, requested_by=contact)
    agency = AgencyFactory(name="ICE")
    letter = LetterFactory(
        request=request,
        is_public=True,
        notes=SECRET,
        sender_contact=contact,
        subject="Published letter",
        recipients=[agency],
    )
    letter.recipient_contacts.add(contact)
    ResponseFactory(request=request, letter=letter, agency=agency, is_public=True, notes=SECRET)
    meeting = MeetingFactory(request=request, is_public=True, notes=SECRET, outcome="Met")
    meeting.attendees.add(contact)
    Transition.objects.create(request=request, to_state="draft")
    Transition.objects.create(
        request=request, from_state="draft", to_state="notice_sent", note=SECRET
    )
    return request


def test_the_public_contact_fields_never_include_a_private_one() -> None:
    assert set(publishing.PUBLIC_CONTACT_FIELDS).isdisjoint(Contact.PRIVATE_FIELDS)


def test_public_representations_hold_no_private_field_or_value(published: OptOutRequest) -> None:
    timeline = publishing.public_timeline(published.jurisdiction)
    data = timeline.as_dict()
    assert {"request", "letter", "response", "meeting", "status"} <= {
        entry["kind"] for entry in data["entries"]
    }
    assert keys_of(data).isdisjoint(PRIVATE_KEYS)
    text = json.dumps(data)
    assert SECRET not in text
    assert "Michael Hennessey" in text


def test_the_timeline_leaves_out_the_creation_row_of_the_status_log(
    published: OptOutRequest,
) -> None:
    entries = publishing.public_timeline(published.jurisdiction).entries
    statuses = [entry.item for entry in entries if entry.kind == "status"]
    assert [(s["from_state"], s["to_state"]) for s in statuses] == [("draft", "notice_sent")]


def test_a_published_letter_of_an_unpublished_request_stays_hidden() -> None:
    hidden_request = RequestFactory(is_public=False)
    letter = LetterFactory(request=hidden_request, is_public=True)
    assert letter not in selectors.published_letters()
    assert not selectors.is_published(letter)
    assert hidden_request.jurisdiction not in selectors.published_jurisdictions()
    assert publishing.public_timeline(hidden_request.jurisdiction).entries == []


def test_unpublished_items_of_a_published_request_stay_hidden(published: OptOutRequest) -> None:
    LetterFactory(request=published, is_public=False, subject="Draft letter")
    ResponseFactory(request=published, is_public=False, summary="Private reply")
    MeetingFactory(request=published, is_public=False, place="Back room")
    Transition.objects.create(request=published, from_state="draft", to_state="withdrawn")
    text = json.dumps(publishing.public_timeline(published.jurisdiction).as_dict())
    for unpublished in ("Draft letter", "Private reply", "Back room"):
        assert unpublished not in text
    assert "Published letter" in text


def test_a_published_reply_to_an_unpublished_letter_does_not_name_the_letter() -> None:
    request = RequestFactory(is_public=True)
    letter = LetterFactory(request=request, is_public=False, subject="Unpublished subject")
    response = ResponseFactory(request=request, letter=letter, is_public=True)
    data = publishing.public_response(response)
    assert data["answers_letter"] is None
    assert "Unpublished subject" not in json.dumps(data)


def test_only_jurisdictions_with_a_published_request_are_listed() -> None:
    shown_request: OptOutRequest = RequestFactory(is_public=True)
    shown = shown_request.jurisdiction
    RequestFactory(jurisdiction=shown, is_public=False)
    hidden_request: OptOutRequest = RequestFactory(is_public=False)
    hidden = hidden_request.jurisdiction
    listed = list(selectors.published_jurisdictions())
    assert listed == [shown]
    assert listed[0].published_count == 1
    assert hidden not in listed


def test_only_published_statements_are_public_and_paired() -> None:
    agency = AgencyFactory()
    StatementFactory(agency=agency, is_public=True, position="possible")
    StatementFactory(agency=agency, is_public=False, position="impossible", quote=SECRET)
    assert selectors.published_statements().count() == 1
    assert len(selectors.published_contradictions()) == 0
    data = [publishing.public_statement(s) for s in selectors.published_statements()]
    assert SECRET not in json.dumps(data)


def test_search_finds_published_items_and_never_unpublished_ones_or_notes(
    published: OptOutRequest,
) -> None:
    RequestFactory(is_public=False, title="Needle request")
    LetterFactory(request=published, is_public=False, subject="Needle letter")
    LetterFactory(request=RequestFactory(is_public=False), is_public=True, subject="Needle orphan")
    LetterFactory(request=published, is_public=True, subject="Haystack", notes="Needle in notes")
    StatementFactory(is_public=False, quote="Needle statement")
    StatementFactory(is_public=True, quote="A public needle")
    hits = publishing.public_search("needle")
    assert [hit.kind for hit in hits] == ["statement"]
    assert "A public needle" in hits[0].text
    assert publishing.public_search("   ") == []


def test_search_finds_a_published_letter_by_its_subject(published: OptOutRequest) -> None:
    (hit,) = publishing.public_search("published letter")
    assert (hit.kind, hit.title) == ("letter", "Published letter")
    assert hit.jurisdiction is not None
    assert hit.jurisdiction["reference"] == published.jurisdiction.reference


@pytest.mark.parametrize("rows", [5, 50])
def test_a_timeline_takes_the_same_queries_for_5_and_50_items(
    rows: int, django_assert_num_queries: Any
) -> None:
    jurisdiction = JurisdictionFactory()
    request = RequestFactory(jurisdiction=jurisdiction, is_public=True)
    agency = AgencyFactory()
    for _ in range(rows):
        letter = LetterFactory(request=request, is_public=True, recipients=[agency])
        ResponseFactory(request=request, letter=letter, agency=agency, is_public=True)
        MeetingFactory(request=request, is_public=True).agencies.add(agency)
        Transition.objects.create(request=request, from_state="draft", to_state="notice_sent")
    # Expect 14 queries: requests, letters, their recipients, their addressees,
    # responses, meetings, their agencies, their attendees, status changes, events, and
    # the sources of the requests, letters, responses and meetings.
    with django_assert_num_queries(14):
        timeline = publishing.public_timeline(jurisdiction)
    assert len(timeline.entries) == 1 + 4 * rows


def test_a_statement_links_only_to_a_web_address() -> None:
    safe = StatementFactory(source_url="https://www.washingtonpost.com/")
    unsafe = StatementFactory()
    unsafe.source_url = "javascript:alert(1)"
    assert publishing.public_statement(safe)["source_url"] == "https://www.washingtonpost.com/"
    assert publishing.public_statement(unsafe)["source_url"] == ""
