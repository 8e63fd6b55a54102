"""San Francisco's unanswered second letter is overdue on every surface.

With the 2010 record loaded, "Second request to opt out, following ICE's
instructions" (sent in 2010, known only to the year) was due on 30 January 2011
and is very overdue after 1 March 2011. Each test looks at one surface on
1 February 2011 (overdue, not yet very overdue) and, where the surface shows
it, on 2 March 2011 (very overdue).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from icalendar import Calendar

from tracker import services
from tracker.models import Letter, OptOutRequest
from tracker.reminders import send_reminders

pytestmark = pytest.mark.django_db

SUBJECT = "Second request to opt out, following ICE's instructions"
OVERDUE_DAY = dt.datetime(2011, 2, 1, 17, 0, tzinfo=dt.UTC)
VERY_OVERDUE_DAY = dt.datetime(2011, 3, 2, 17, 0, tzinfo=dt.UTC)


@pytest.fixture
def letter(record_2010: None) -> Letter:
    found = Letter.objects.get(subject=SUBJECT)
    assert found.due_on == dt.date(2011, 1, 30)
    return found


@pytest.fixture
def editor_client(client: Client, editor: Any) -> Client:
    client.force_login(editor)
    return client


def csv_rows(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


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
    calendar = Calendar.from_ical(response.content)
    summaries = [str(event["summary"]) for event in calendar.walk("VEVENT")]
    assert any(s.startswith("OVERDUE:") and SUBJECT in s for s in summaries)


def test_the_reminder_job_reminds_its_owner(django_user_model: Any, letter: Letter) -> None:
    owner = django_user_model.objects.create_user(username="angela", email="angela@example.org")
    OptOutRequest.objects.filter(pk=letter.request_id).update(owner=owner)
    send_reminders(OVERDUE_DAY.date())
    sent_to_angela = [m for m in mail.outbox if m.to == ["angela@example.org"]]
    assert len(sent_to_angela) == 1
    assert SUBJECT in sent_to_angela[0].body


# --- The API ----------------------------------------------------------------------------
# The REST API's surface (`GET /api/letters/?overdue=true`, its CSV and `due_on`) is
# added here next to the others: the same letter, the same two days.
