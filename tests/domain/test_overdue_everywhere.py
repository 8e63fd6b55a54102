"""San Francisco's unanswered second letter is overdue on every surface.

With the 2010 record loaded, "Second request to opt out, following ICE's
instructions" (sent in 2010, known only to the year) was due on 30 January 2011
and is very overdue after 1 March 2011. Each test looks at one surface on
1 February 2011 (overdue, not yet very overdue) and, where the surface shows
it, on 2 March 2011 (very overdue).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from icalendar import Calendar

from tests.conftest import csv_rows
from tracker.domain import services
from tracker.domain.reminders import send_reminders
from tracker.models import Letter, OptOutRequest

pytestmark = pytest.mark.django_db

SUBJECT = "Second request to opt out, following ICE's instructions"
OVERDUE_DAY = dt.datetime(2011, 2, 1, 17, 0, tzinfo=dt.UTC)
VERY_OVERDUE_DAY = dt.datetime(2011, 3, 2, 17, 0, tzinfo=dt.UTC)


@pytest.fixture
def letter(record_2010: None) -> Letter:
    found = Letter.objects.get(subject=SUBJECT)
    assert found.due_on == dt.date(2011, 1, 30)
    return found


def test_it_is_overdue_in_the_admin_letters_changelist(
    editor_client: Client, letter: Letter
) -> None:
    with time_machine.travel(OVERDUE_DAY, tick=False):
        overdue = editor_client.get("/admin/tracker/letter/", {"overdue": "yes"})
        very = editor_client.get("/admin/tracker/letter/", {"very_overdue": "yes"})
    assert letter.pk in [row.pk for row in overdue.context["cl"].result_list]
    assert letter.pk not in [row.pk for row in very.context["cl"].result_list]
    with time_machine.travel(VERY_OVERDUE_DAY, tick=False):
        very = editor_client.get("/admin/tracker/letter/", {"very_overdue": "yes"})
    assert letter.pk in [row.pk for row in very.context["cl"].result_list]


def test_its_request_is_flagged_in_the_admin_requests_changelist(
    editor_client: Client, letter: Letter
) -> None:
    with time_machine.travel(OVERDUE_DAY, tick=False):
        response = editor_client.get("/admin/tracker/optoutrequest/", {"overdue": "yes"})
    assert letter.request_id in [r.pk for r in response.context["cl"].result_list]


def test_it_is_in_the_dashboards_overdue_list(editor_client: Client, letter: Letter) -> None:
    with time_machine.travel(OVERDUE_DAY, tick=False):
        response = editor_client.get("/")
    (row,) = [r for r in response.context["overdue"] if r["letter"].pk == letter.pk]
    assert row["days_overdue"] == 2
    assert row["very_overdue"] is False
    assert SUBJECT.replace("'", "&#x27;") in response.content.decode()
    with time_machine.travel(VERY_OVERDUE_DAY, tick=False):
        response = editor_client.get("/")
    (row,) = [r for r in response.context["overdue"] if r["letter"].pk == letter.pk]
    assert row["very_overdue"] is True


def test_it_is_in_the_overdue_letters_list_and_its_csv(
    editor_client: Client, letter: Letter
) -> None:
    with time_machine.travel(OVERDUE_DAY, tick=False):
        page = editor_client.get("/letters/", {"overdue": "true"})
        rows = csv_rows(editor_client.get("/letters/", {"overdue": "true", "format": "csv"}))
    assert letter.pk in [row.pk for row in page.context["page"].object_list]
    (row,) = [r for r in rows if r["subject"] == SUBJECT]
    assert row["subject"] == SUBJECT
    assert row["due_on"] == "2011-01-30"
    assert row["overdue"] == "yes"
    assert row["very_overdue"] == "no"
    assert row["very_overdue_on"] == "2011-03-01"
    assert "the sending date is known only as 2010" in row["due_explanation"]


def test_it_is_overdue_in_the_calendar_feed(client: Client, viewer: Any, letter: Letter) -> None:
    token = services.calendar_token_create(user=viewer)
    with time_machine.travel(OVERDUE_DAY, tick=False):
        response = client.get(token.get_absolute_url())
    calendar = Calendar.from_ical(b"".join(response.streaming_content))
    summaries = [str(event["summary"]) for event in calendar.walk("VEVENT")]
    assert any(s.startswith("OVERDUE:") and SUBJECT in s for s in summaries)


def test_the_reminder_job_reminds_its_owner(django_user_model: Any, letter: Letter) -> None:
    owner = django_user_model.objects.create_user(username="angela", email="angela@example.org")
    OptOutRequest.objects.filter(pk=letter.request_id).update(owner=owner)
    send_reminders(OVERDUE_DAY.date())
    sent_to_angela = [m for m in mail.outbox if m.to == ["angela@example.org"]]
    assert len(sent_to_angela) == 1
    assert SUBJECT in sent_to_angela[0].body


def timeline_entry(page: str, letter: Letter) -> str:
    """The letter's entry on a staff page's timeline, as HTML."""
    match = re.search(rf'<li id="letter-{letter.pk}".*?</li>', page, re.DOTALL)
    assert match is not None
    return match.group(0)


@pytest.mark.parametrize("page", ["request", "jurisdiction"])
def test_it_is_overdue_then_very_overdue_on_the_request_and_jurisdiction_pages(
    editor_client: Client, letter: Letter, page: str
) -> None:
    optout = OptOutRequest.objects.select_related("jurisdiction").get(pk=letter.request_id)
    url = (optout if page == "request" else optout.jurisdiction).get_absolute_url()
    with time_machine.travel(OVERDUE_DAY, tick=False):
        entry = timeline_entry(editor_client.get(url).text, letter)
    # The dashboard's words and flags; the days written out as everywhere else.
    assert '<span class="flag">overdue</span> since 30 January 2011' in entry
    assert "Due 30 January 2011: " in entry
    assert "very overdue" not in entry
    with time_machine.travel(VERY_OVERDUE_DAY, tick=False):
        entry = timeline_entry(editor_client.get(url).text, letter)
    assert (
        '<span class="flag">overdue</span> <span class="flag very">very overdue</span>'
        " since 30 January 2011"
    ) in entry
    assert "Due 30 January 2011: " in entry
    assert "very overdue after 1 March 2011" in entry


def test_a_letter_not_yet_due_shows_its_due_date_without_a_flag(
    editor_client: Client, letter: Letter
) -> None:
    with time_machine.travel(dt.datetime(2011, 1, 20, 17, 0, tzinfo=dt.UTC), tick=False):
        entry = timeline_entry(editor_client.get(letter.request.get_absolute_url()).text, letter)
    assert "reply due 30 January 2011" in entry
    assert "overdue</span>" not in entry


# --- The API ----------------------------------------------------------------------------
# The REST API's surface (`GET /api/letters/?overdue=true`, its CSV and `due_on`) is
# added here next to the others: the same letter, the same two days.


def test_it_is_overdue_and_then_very_overdue_through_the_api_filters(
    reader: Any, letter: Letter
) -> None:
    with time_machine.travel(OVERDUE_DAY, tick=False):
        overdue = reader.get("/api/v1/letters/", {"overdue": "true"}).json()
        very = reader.get("/api/v1/letters/", {"very_overdue": "true"}).json()
        requests = reader.get("/api/v1/requests/", {"overdue": "true"}).json()
    (shown,) = [row for row in overdue["results"] if row["id"] == letter.pk]
    assert shown["due_on"] == "2011-01-30"
    assert (shown["is_overdue"], shown["is_very_overdue"]) == (True, False)
    assert "the sending date is known only as 2010" in shown["due_explanation"]
    assert letter.pk not in [row["id"] for row in very["results"]]
    assert letter.request_id in [row["id"] for row in requests["results"]]
    with time_machine.travel(VERY_OVERDUE_DAY, tick=False):
        very = reader.get("/api/v1/letters/", {"very_overdue": "true"}).json()
        requests = reader.get("/api/v1/requests/", {"very_overdue": "true"}).json()
    (shown,) = [row for row in very["results"] if row["id"] == letter.pk]
    assert shown["is_very_overdue"] is True
    assert shown["very_overdue_on"] == "2011-03-01"
    assert letter.request_id in [row["id"] for row in requests["results"]]


def test_it_is_overdue_and_then_very_overdue_in_the_api_csv(reader: Any, letter: Letter) -> None:
    with time_machine.travel(OVERDUE_DAY, tick=False):
        rows = csv_rows(reader.get("/api/v1/letters/", {"overdue": "true", "format": "csv"}))
    (row,) = [r for r in rows if r["subject"] == SUBJECT]
    assert (row["due_on"], row["overdue"], row["very_overdue"]) == ("2011-01-30", "yes", "no")
    with time_machine.travel(VERY_OVERDUE_DAY, tick=False):
        rows = csv_rows(reader.get("/api/v1/letters/", {"very_overdue": "true", "format": "csv"}))
    (row,) = [r for r in rows if r["subject"] == SUBJECT]
    assert (row["overdue"], row["very_overdue"], row["very_overdue_on"]) == (
        "yes",
        "yes",
        "2011-03-01",
    )
