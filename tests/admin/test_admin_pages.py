"""Every admin changelist and change page renders, in a number of queries that does
not grow with the number of rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib import admin
from django.db import models
from django.test import Client
from django.utils import timezone

from jurisdictions.models import Agency
from tests.admin.helpers import change_url, changelist_url
from tests.factories import (
    AgencyFactory,
    ContactFactory,
    EventFactory,
    JurisdictionFactory,
    LetterFactory,
    MeetingFactory,
    RequestFactory,
    ResponseFactory,
    SourceFactory,
    StatementFactory,
)
from tracker.models import (
    CorrespondenceThread,
    Holiday,
    Letter,
    OptOutRequest,
    ThreadLetter,
    Transition,
)

pytestmark = pytest.mark.django_db


# --- Builders: n rows of each list, returning the record whose page is opened ----------


def build_requests(n: int) -> models.Model:
    ice: Agency = AgencyFactory(kind=Agency.Kind.PROGRAM_OFFICE)
    requests = RequestFactory.create_batch(n)
    for request in requests:
        LetterFactory(request=request, recipients=[ice])
    requests[0].sources.set(SourceFactory.create_batch(n))
    return requests[0]


def build_letters(n: int) -> models.Model:
    request: OptOutRequest = RequestFactory()
    agencies = AgencyFactory.create_batch(n)
    letters = [LetterFactory(request=request, recipients=agencies[: i + 1]) for i in range(n)]
    letters[-1].sources.set(SourceFactory.create_batch(n))
    return letters[-1]  # addressed to all n agencies, citing n sources


def build_responses(n: int) -> models.Model:
    request: OptOutRequest = RequestFactory()
    letter: Letter = LetterFactory(request=request)
    response = ResponseFactory.create_batch(n, request=request, letter=letter)[0]
    response.sources.set(SourceFactory.create_batch(n))
    return response


def build_meetings(n: int) -> models.Model:
    meetings = MeetingFactory.create_batch(n)
    meetings[0].agencies.set(AgencyFactory.create_batch(n))
    meetings[0].attendees.set(ContactFactory.create_batch(n))
    meetings[0].sources.set(SourceFactory.create_batch(n))
    return meetings[0]


def build_statements(n: int) -> models.Model:
    statement = StatementFactory.create_batch(n)[0]
    statement.sources.set(SourceFactory.create_batch(n))
    return statement


def build_sources(n: int) -> models.Model:
    return SourceFactory.create_batch(n)[0]


def build_threads(n: int) -> models.Model:
    threads = [
        CorrespondenceThread.objects.create(title=f"Thread {i}", reference=f"thread-{i}")
        for i in range(n)
    ]
    threads[0].requests.set(RequestFactory.create_batch(n))
    statement = StatementFactory()
    for i in range(n):
        ThreadLetter.objects.create(
            thread=threads[0], sender="s", recipients="r", subject=f"L{i}", statement=statement
        )
    return threads[0]


def build_thread_letters(n: int) -> models.Model:
    thread = CorrespondenceThread.objects.create(title="Lofgren")
    letters = [
        ThreadLetter.objects.create(thread=thread, sender="s", recipients="r", subject=f"L{i}")
        for i in range(n)
    ]
    letters[0].recipient_agencies.set(AgencyFactory.create_batch(n))
    return letters[0]


def build_events(n: int) -> models.Model:
    events = EventFactory.create_batch(n)
    events[0].jurisdictions.set(JurisdictionFactory.create_batch(n))
    events[0].requests.set(RequestFactory.create_batch(n))
    return events[0]


def build_transitions(n: int) -> models.Model:
    request: OptOutRequest = RequestFactory()
    states = ["draft", "withdrawn"]
    for i in range(n):
        Transition.objects.create(
            request=request, from_state=states[i % 2], to_state=states[(i + 1) % 2]
        )
    return Transition.objects.first()


def build_jurisdictions(n: int) -> models.Model:
    jurisdictions = JurisdictionFactory.create_batch(n)
    RequestFactory.create_batch(n, jurisdiction=jurisdictions[0])
    return jurisdictions[0]


def build_agencies(n: int) -> models.Model:
    parent = AgencyFactory()
    return AgencyFactory.create_batch(n, parent=parent)[0]


def build_contacts(n: int) -> models.Model:
    return ContactFactory.create_batch(n)[0]


def build_holidays(n: int) -> models.Model:
    holidays = [
        Holiday.objects.create(date=dt.date(2010, 1, 1) + dt.timedelta(days=i), name=f"Day {i}")
        for i in range(n)
    ]
    return holidays[0]


BUILDERS: dict[str, Callable[[int], models.Model]] = {
    "optoutrequest": build_requests,
    "letter": build_letters,
    "agencyresponse": build_responses,
    "meeting": build_meetings,
    "statement": build_statements,
    "correspondencethread": build_threads,
    "threadletter": build_thread_letters,
    "event": build_events,
    "transition": build_transitions,
    "jurisdiction": build_jurisdictions,
    "agency": build_agencies,
    "contact": build_contacts,
    "holiday": build_holidays,
    "source": build_sources,
}


def test_every_registered_model_of_the_tracker_has_a_query_count_test() -> None:
    registered = {
        model._meta.model_name
        for model in admin.site._registry
        if model._meta.app_label in {"tracker", "jurisdictions"}
    }
    # Reminders sent and calendar addresses are read by admins only; their pages are
    # counted in tests/admin/test_admin_deadlines.py.
    assert registered == set(BUILDERS) | {"reminderlog", "calendartoken"}


# Every page starts with 4 queries: the session, the user, the user's permissions and
# their groups' permissions (a change page adds 1 for the record itself). A changelist
# then counts its rows once (never the whole table a second time) and reads one page of
# rows; a date drill-down adds 1 (the first and last dates, never the distinct ones).
# No filter lists jurisdictions or agencies: those are typed in. Per model, beyond those:
CHANGELIST_QUERIES = {
    # + 2: count, rows (with the parent agency joined)
    "agency": 6,
    # + 3: count, rows (request, agency and letter joined), date range
    "agencyresponse": 7,
    # + 2: count, rows (agency and jurisdiction joined)
    "contact": 6,
    # + 3: count, rows, date range
    "holiday": 7,
    # + 4: count, rows, the page's request counts, date range
    "jurisdiction": 8,
    # + 4: count, rows (request and sender joined, awaiting, overdue and very overdue
    # read from stored columns), recipients, date range
    "letter": 8,
    # + 3: count, rows, date range
    "meeting": 7,
    # + 4: count, rows, the page's workflow facts and flags, date range
    "optoutrequest": 8,
    # + 3: count, rows, date range
    "statement": 7,
    # + 2: count, rows (letters counted in them)
    "correspondencethread": 6,
    # + 3: count, rows (thread and statement joined), date range
    "threadletter": 7,
    # + 3: count, rows, date range
    "event": 7,
    # + 2: count, rows
    "source": 6,
    # + 3: count, rows (request and person joined), date range
    "transition": 7,
}
CHANGE_PAGE_QUERIES = {
    # + 1: the parent agency shown by its autocomplete
    "agency": 6,
    # + 6: the agency's and the letter's autocompletes, the request, the letter's own,
    # and the sources (their ids, then their autocomplete's labels: 2 whatever their
    # number)
    "agencyresponse": 11,
    # + 1: the agency shown by its autocomplete
    "contact": 6,
    "holiday": 5,
    "jurisdiction": 5,
    # + 8: permissions for the related admins, the contacts, the request, the sender
    # and the recipients shown by their autocompletes, the holiday list for the
    # due-date explanation, and the sources (ids, then autocomplete labels)
    "letter": 13,
    # + 7: agencies and people attending (autocompletes), the request, the two lists
    # again for the history page's many-to-many check, and the sources (ids, then
    # autocomplete labels)
    "meeting": 12,
    # + 14: the workflow facts, status log, letters, their recipients, responses,
    # meetings, the letters and responses offered as causes of a move, the jurisdiction
    # autocomplete, staff users for the owner, and the request's letters in the blank
    # "log a letter" and "record a response" rows and their templates, and the items
    # marked public (counted in one query, for the warning when the request itself is
    # not public), and the sources (ids, then autocomplete labels)
    "optoutrequest": 22,
    # + 3: the agency shown by its autocomplete, the sources (ids, then autocomplete
    # labels)
    "statement": 8,
    "source": 5,
    # + 6: the sources (the form, and again for the history page's many-to-many
    # check), the requests and the jurisdictions shown by their autocompletes, the
    # letters (their statements joined), the requests again for the history check
    "correspondencethread": 11,
    # + 5: the sources (twice, as above), the sender's agency and the recipient
    # agencies shown by their autocompletes, the thread
    "threadletter": 10,
    # + 1: the request
    "transition": 6,
    # + 7: the jurisdictions, agencies and requests shown by their autocompletes, the
    # sources' two-box list, and the three lists again for the history page's
    # many-to-many check
    "event": 12,
}


def registered(model_name: str) -> type[models.Model]:
    return next(m for m in admin.site._registry if m._meta.model_name == model_name)


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize("model_name", sorted(BUILDERS))
def test_a_changelist_needs_the_same_queries_for_5_and_50_rows(
    editor_client: Client, model_name: str, rows: int, django_assert_num_queries: Any
) -> None:
    BUILDERS[model_name](rows)
    url = changelist_url(registered(model_name))
    editor_client.get(url)  # fills the per-process caches (content types)
    with django_assert_num_queries(CHANGELIST_QUERIES[model_name]):
        response = editor_client.get(url)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) >= rows


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize("model_name", sorted(BUILDERS))
def test_a_change_page_needs_the_same_queries_for_5_and_50_related_rows(
    editor_client: Client, model_name: str, rows: int, django_assert_num_queries: Any
) -> None:
    url = change_url(BUILDERS[model_name](rows))
    editor_client.get(url)
    with django_assert_num_queries(CHANGE_PAGE_QUERIES[model_name]):
        response = editor_client.get(url)
    assert response.status_code == 200


def test_a_requests_page_lists_every_letter_response_meeting_and_move(
    editor_client: Client,
) -> None:
    request: OptOutRequest = RequestFactory()
    letters = LetterFactory.create_batch(3, request=request)
    ResponseFactory(request=request, letter=letters[0], kind="denied")
    MeetingFactory(request=request, place="Arlington County Board room")
    Transition.objects.create(request=request, from_state="", to_state="draft", note="Opened")
    page = editor_client.get(change_url(request)).content.decode()
    for letter in letters:
        assert letter.subject in page
    assert "Denied" in page
    assert "Arlington County Board room" in page
    assert "Opened" in page
    # The status log is read-only: no form fields for its rows.
    assert 'name="transitions-0-note"' not in page


def test_every_changelist_and_change_page_renders_for_the_2010_record(
    editor_client: Client, record_2010: None
) -> None:
    for model_name in BUILDERS:
        model = registered(model_name)
        assert editor_client.get(changelist_url(model)).status_code == 200, model_name
        obj = model._default_manager.first()
        if obj is not None:
            assert editor_client.get(change_url(obj)).status_code == 200, model_name


def test_the_letters_list_filters_overdue_letters_as_the_letter_queries_define_them(
    editor_client: Client,
) -> None:
    late: Letter = LetterFactory(subject="Late letter")
    LetterFactory(subject="Answered letter")
    answered = Letter.objects.get(subject="Answered letter")
    ResponseFactory(request=answered.request, letter=answered)
    LetterFactory(subject="Not yet due", sent_on=timezone.localdate())
    page = editor_client.get(changelist_url(Letter) + "?overdue=yes").content.decode()
    assert late.subject in page
    assert "Answered letter" not in page
    assert "Not yet due" not in page
    page = editor_client.get(changelist_url(OptOutRequest) + "?overdue=yes").content.decode()
    assert late.request.title in page
    assert answered.request.title not in page


def test_the_requests_list_shows_next_steps_and_checklist_progress(
    editor_client: Client,
) -> None:
    ice: Agency = AgencyFactory(kind=Agency.Kind.PROGRAM_OFFICE)
    request: OptOutRequest = RequestFactory(title="Arlington opt-out")
    LetterFactory(request=request, recipients=[ice])
    MeetingFactory(request=request, status="held", held_on=dt.date(2010, 11, 1))
    page = editor_client.get(changelist_url(OptOutRequest)).content.decode()
    assert "Notice sent, Withdrawn" in page
    assert "2/3" in page
