"""A letter's flags and its due date explained read the same on every surface.

Seven letters, read on 15 October 2010. One request waits on four: one not yet due,
one counted in business days around Columbus Day, one overdue, and one very overdue
(sent "July 2010", so counted from the 31st). Another has two answered (by a
response, by a letter in reply) and the letter received in reply. Each surface is
read as a person sees it (the rendered page, the JSON, the CSV) and must say what
the selectors say: the staff letters and requests lists, the request page, the
admin changelists and letter page, the API, and the CSV of the staff lists, of the
API and of the admin; the yes/no filters of all of them select the same rows."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils.formats import date_format

from core.dates import PartialDate
from jurisdictions.models import Agency
from tests.factories import AgencyFactory, RequestFactory
from tracker.domain import services
from tracker.domain.deadlines import BUSINESS, CALENDAR
from tracker.models import AgencyResponse, Holiday, Letter

pytestmark = pytest.mark.django_db

#: 15 October 2010, the afternoon in New York.
TODAY = dt.datetime(2010, 10, 15, 17, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Flags:
    """What a person should read about one letter on 15 October 2010."""

    awaiting: bool
    overdue: bool
    very_overdue: bool
    due_on: str  # ISO day, or "" when no reply is due
    explanation: str  # "" when no reply is due
    very_overdue_explanation: str
    days_waiting: int | None  # shown only while a reply is awaited


EXPECTED = {
    "Not yet due": Flags(
        awaiting=True,
        overdue=False,
        very_overdue=False,
        due_on="2010-10-20",
        explanation="due 2010-10-20: 30 calendar days after it was sent on 2010-09-20",
        very_overdue_explanation=(
            "very overdue after 2010-11-19: 60 calendar days (twice the window) "
            "after it was sent on 2010-09-20"
        ),
        days_waiting=25,
    ),
    "Business days": Flags(
        awaiting=True,
        overdue=False,
        very_overdue=False,
        due_on="2010-10-18",
        explanation=(
            "due 2010-10-18: 10 business days after it was sent on 2010-10-01; "
            "weekends skipped, and holidays 2010-10-11"
        ),
        very_overdue_explanation=(
            "very overdue after 2010-11-01: 20 business days (twice the window) "
            "after it was sent on 2010-10-01; weekends skipped, and holidays 2010-10-11"
        ),
        days_waiting=14,
    ),
    "Overdue": Flags(
        awaiting=True,
        overdue=True,
        very_overdue=False,
        due_on="2010-10-07",
        explanation="due 2010-10-07: 30 calendar days after it was sent on 2010-09-07",
        very_overdue_explanation=(
            "very overdue after 2010-11-06: 60 calendar days (twice the window) "
            "after it was sent on 2010-09-07"
        ),
        days_waiting=38,
    ),
    "Very overdue": Flags(
        awaiting=True,
        overdue=True,
        very_overdue=True,
        due_on="2010-08-30",
        explanation=(
            "due 2010-08-30: 30 calendar days after 2010-07-31, the latest day it may have "
            "been sent (the sending date is known only as July 2010)"
        ),
        very_overdue_explanation=(
            "very overdue after 2010-09-29: 60 calendar days (twice the window) after "
            "2010-07-31, the latest day it may have been sent (the sending date is known "
            "only as July 2010)"
        ),
        days_waiting=76,
    ),
    "Answered": Flags(
        awaiting=False,
        overdue=False,
        very_overdue=False,
        due_on="2010-09-01",
        explanation="due 2010-09-01: 30 calendar days after it was sent on 2010-08-02",
        very_overdue_explanation=(
            "very overdue after 2010-10-01: 60 calendar days (twice the window) "
            "after it was sent on 2010-08-02"
        ),
        days_waiting=None,
    ),
    "Answered by a letter": Flags(
        awaiting=False,
        overdue=False,
        very_overdue=False,
        due_on="2010-09-02",
        explanation="due 2010-09-02: 30 calendar days after it was sent on 2010-08-03",
        very_overdue_explanation=(
            "very overdue after 2010-10-02: 60 calendar days (twice the window) "
            "after it was sent on 2010-08-03"
        ),
        days_waiting=None,
    ),
    "Received": Flags(
        awaiting=False,
        overdue=False,
        very_overdue=False,
        due_on="",
        explanation="",
        very_overdue_explanation="",
        days_waiting=None,
    ),
}


@pytest.fixture
def letters(editor: Any) -> dict[str, Letter]:
    """Four letters awaiting a reply on one request; on another, two answered (by a
    response, by a letter in reply) and the letter received in reply."""
    Holiday.objects.create(date=dt.date(2010, 10, 11), name="Columbus Day")
    waiting = RequestFactory(title="Arlington County: removal")
    quiet = RequestFactory(title="Santa Clara County: removal")
    sheriff: Agency = AgencyFactory(
        name="Sheriff", level=Agency.Level.LOCAL, kind=Agency.Kind.SHERIFF
    )
    ice: Agency = AgencyFactory(name="ICE", reply_window_days=30, reply_window_kind=CALENDAR)
    sib: Agency = AgencyFactory(name="SIB", reply_window_days=10, reply_window_kind=BUSINESS)

    def sent(subject: str, on: str, to: Agency = ice, request: Any = waiting) -> Letter:
        return services.letter_log(
            request=request,
            by=editor,
            sender=sheriff,
            recipients=[to],
            subject=subject,
            sent_on=PartialDate.parse(on),
        )

    logged = {
        "Not yet due": sent("Not yet due", "2010-09-20"),
        "Business days": sent("Business days", "2010-10-01", to=sib),
        "Overdue": sent("Overdue", "2010-09-07"),
        "Very overdue": sent("Very overdue", "2010-07"),
        "Answered": sent("Answered", "2010-08-02", request=quiet),
        "Answered by a letter": sent("Answered by a letter", "2010-08-03", request=quiet),
    }
    logged["Received"] = services.letter_log(
        request=quiet,
        by=editor,
        sender=ice,
        recipients=[sheriff],
        subject="Received",
        direction=Letter.Direction.INCOMING,
        received_on=PartialDate.parse("2010-08-20"),
        in_reply_to=logged["Answered by a letter"],
    )
    services.response_record(
        request=quiet,
        by=editor,
        agency=ice,
        kind=AgencyResponse.Kind.ACKNOWLEDGED,
        letter=logged["Answered"],
        responded_on=PartialDate.parse("2010-08-20"),
    )
    return logged


@pytest.fixture
def editor_signed_in(client: Client, editor: Any) -> Client:
    client.force_login(editor)
    return client


def get(client: Client, url: str) -> Any:
    with time_machine.travel(TODAY, tick=False):
        response = client.get(url)
        assert response.status_code == 200, url
        if response.streaming:
            # A download is read as it streams: on the same day.
            response.content_read = b"".join(response.streaming_content)
    return response


def text(fragment: str) -> str:
    """Visible text of an HTML fragment, with spaces squeezed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def long_date(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day.day} {day:%B %Y}"


# --- The staff pages ---------------------------------------------------------------------


def test_the_staff_letters_list_shows_each_letters_flags_and_due_date(
    editor_signed_in: Client, letters: dict[str, Letter]
) -> None:
    page = get(editor_signed_in, "/letters/").content.decode()
    read = {}
    for classes, row in re.findall(r'<tr class="([^"]*)">(.*?)</tr>', page, re.DOTALL):
        letter, _jurisdiction, _who, _sent, due, _owner = re.findall(
            r"<td[^>]*>(.*?)</td>", row, re.DOTALL
        )
        subject, kind = text(letter.replace("<div", "|<div")).split(" | ")
        read[subject] = (
            kind.startswith("Sent by") and "replied" not in text(due),
            "overdue" in classes.split(),
            "very-overdue" in classes.split(),
            re.match(r"\d+ \w+ \d{4}|—", text(due)).group(0),
        )
    assert read == {
        subject: (
            facts.awaiting,
            facts.overdue,
            facts.very_overdue,
            long_date(facts.due_on) if facts.due_on else "—",
        )
        for subject, facts in EXPECTED.items()
    }


def test_the_request_page_shows_each_letters_flags_days_and_due_date_explained(
    editor_signed_in: Client, letters: dict[str, Letter]
) -> None:
    pages: dict[int, str] = {}
    for subject, letter in letters.items():
        facts = EXPECTED[subject]
        if letter.request_id not in pages:
            url = letter.request.get_absolute_url()
            pages[letter.request_id] = get(editor_signed_in, url).content.decode()
        page = pages[letter.request_id]
        entry = re.search(rf'<li id="letter-{letter.pk}".*?</li>', page, re.DOTALL)
        assert entry is not None, subject
        shown = text(entry.group(0))
        waiting = re.search(r'<div class="waiting">(.*?)</div>', entry.group(0), re.DOTALL)
        assert (waiting is not None) is facts.awaiting, subject
        if waiting is None:
            assert "overdue" not in shown and "due 20" not in shown, subject
            continue
        line = text(waiting.group(1))
        assert f"Awaiting a reply for {facts.days_waiting} days" in line, subject
        # Both flags and the due date in the dashboard's words.
        flags = re.findall(r'<span class="flag[^"]*">([a-z ]+)</span>', waiting.group(1))
        raised = ["overdue"] * facts.overdue + ["very overdue"] * facts.very_overdue
        assert flags == raised, subject
        due = long_date(facts.due_on)
        assert line.endswith(f"since {due}" if facts.overdue else f"reply due {due}"), subject
        # How it was counted, every day written as everywhere else ("7 October 2010").
        explained = re.search(r'<div class="muted due-explained">(.*?)</div>', entry.group(0))
        assert explained is not None, subject
        said = text(explained.group(1))
        assert not re.search(r"\d{4}-\d{2}-\d{2}", said), said
        assert said.startswith(f"Due {due}: "), said
        assert ("very overdue after" in said) is facts.very_overdue, subject


# --- The admin ---------------------------------------------------------------------------


def _admin_cell(row: str, column: str) -> str:
    cell = re.search(rf'<td class="field-{column}[^"]*">(.*?)</td>', row, re.DOTALL)
    assert cell is not None, column
    return cell.group(1)


def _admin_boolean(row: str, column: str) -> bool:
    """A flag column: its word when raised, a dash when not (never a tick or a cross)."""
    cell = _admin_cell(row, column).strip()
    assert cell in {"—", "Overdue", "Very overdue"}, cell
    return cell != "—"


def test_the_admin_letters_changelist_shows_each_letters_flags_days_and_due_date(
    editor_signed_in: Client, letters: dict[str, Letter]
) -> None:
    page = get(editor_signed_in, reverse("admin:tracker_letter_changelist")).content.decode()
    read = {}
    for row in re.findall(r"<tr>(.*?)</tr>", page, re.DOTALL):
        subject_cell = re.search(r'<th class="field-subject">(.*?)</th>', row, re.DOTALL)
        if subject_cell is None:
            continue
        days = text(_admin_cell(row, "days_waiting"))
        due = text(_admin_cell(row, "due_on"))
        read[text(subject_cell.group(1))] = (
            _admin_boolean(row, "is_overdue"),
            _admin_boolean(row, "is_very_overdue"),
            None if days == "-" else int(days),
            due,
        )
    assert read == {
        subject: (
            facts.overdue,
            facts.very_overdue,
            facts.days_waiting,
            date_format(dt.date.fromisoformat(facts.due_on)) if facts.due_on else "-",
        )
        for subject, facts in EXPECTED.items()
    }


def test_the_admin_letter_page_explains_each_due_date(
    editor_signed_in: Client, letters: dict[str, Letter]
) -> None:
    for subject, letter in letters.items():
        facts = EXPECTED[subject]
        url = reverse("admin:tracker_letter_change", args=[letter.pk])
        page = get(editor_signed_in, url).content.decode()
        explained = text(_readonly(page, "due_explanation"))
        very = text(_readonly(page, "very_overdue_explanation"))
        if facts.explanation:
            assert (explained, very) == (facts.explanation, facts.very_overdue_explanation)
        else:
            assert (explained, very) == ("— (only letters sent by the jurisdiction)", "—")


def _readonly(page: str, field: str) -> str:
    found = re.search(rf'field-{field}.*?<div class="readonly">(.*?)</div>', page, re.DOTALL)
    assert found is not None, field
    return found.group(1)


# --- The API -----------------------------------------------------------------------------


def test_the_api_letters_list_gives_each_letters_flags_and_due_date_explained(
    editor_signed_in: Client, letters: dict[str, Letter]
) -> None:
    rows = get(editor_signed_in, "/api/v1/letters/").json()["results"]
    read = {
        row["subject"]: (
            row["awaiting_reply"],
            row["is_overdue"],
            row["is_very_overdue"],
            row["due_on"] or "",
            row["due_explanation"] or "",
            row["very_overdue_explanation"] or "",
        )
        for row in rows
    }
    assert read == {
        subject: (
            facts.awaiting,
            facts.overdue,
            facts.very_overdue,
            facts.due_on,
            facts.explanation,
            facts.very_overdue_explanation,
        )
        for subject, facts in EXPECTED.items()
    }


# --- The CSV downloads -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/letters/?format=csv", "/api/v1/letters/?format=csv", "/admin/tracker/letter/export.csv"],
    ids=["staff list", "API", "admin"],
)
def test_every_letters_csv_gives_each_letters_flags_and_due_date_explained(
    editor_signed_in: Client, letters: dict[str, Letter], url: str
) -> None:
    response = get(editor_signed_in, url)
    assert response["Content-Type"] == "text/csv"
    lines = response.content_read.decode()
    read = {
        row["subject"]: (
            row["overdue"],
            row["very_overdue"],
            row["due_on"],
            row["due_explanation"],
            row["very_overdue_explanation"],
        )
        for row in csv.DictReader(io.StringIO(lines))
    }
    yes_no = {True: "yes", False: "no"}
    assert read == {
        subject: (
            yes_no[facts.overdue],
            yes_no[facts.very_overdue],
            facts.due_on,
            facts.explanation,
            facts.very_overdue_explanation,
        )
        for subject, facts in EXPECTED.items()
    }


# --- Filtering by a flag -------------------------------------------------------------------


def _subjects(response: Any) -> set[str]:
    if response.get("Content-Type") == "text/csv":
        return {
            row["subject"] for row in csv.DictReader(io.StringIO(response.content_read.decode()))
        }
    if response.get("Content-Type") == "application/json":
        return {row["subject"] for row in response.json()["results"]}
    if "cl" in response.context:
        return {letter.subject for letter in response.context["cl"].result_list}
    return {letter.subject for letter in response.context["page"].object_list}


@pytest.mark.parametrize("flag", ["awaiting_reply", "overdue", "very_overdue"])
@pytest.mark.parametrize("value", [True, False])
def test_every_letter_filter_selects_the_same_letters(
    editor_signed_in: Client, letters: dict[str, Letter], flag: str, value: bool
) -> None:
    attribute = {"awaiting_reply": "awaiting"}.get(flag, flag)
    expected = {s for s, facts in EXPECTED.items() if getattr(facts, attribute) is value}
    true_false = str(value).lower()
    urls = [
        f"/letters/?{flag}={true_false}",
        f"/letters/?{flag}={true_false}&format=csv",
        f"/api/v1/letters/?{flag}={true_false}",
        f"/api/v1/letters/?{flag}={true_false}&format=csv",
    ]
    if flag != "awaiting_reply":  # the admin filters the two late flags
        urls.append(f"/admin/tracker/letter/?{flag}={'yes' if value else 'no'}")
    for url in urls:
        assert _subjects(get(editor_signed_in, url)) == expected, url


# --- Requests with such letters ------------------------------------------------------------

#: (has a letter awaiting a reply, an overdue one, a very overdue one, days waiting)
REQUESTS = {
    "Arlington County: removal": (True, True, True, 76),
    "Santa Clara County: removal": (False, False, False, None),
}


def test_the_staff_requests_list_flags_the_requests_with_late_letters(
    editor_signed_in: Client, letters: dict[str, Letter]
) -> None:
    page = get(editor_signed_in, "/requests/").content.decode()
    read = {}
    for classes, row in re.findall(r'<tr class="([^"]*)">(.*?)</tr>', page, re.DOTALL):
        title = text(re.search(r"<td[^>]*>(.*?)</td>", row, re.DOTALL).group(1))
        read[title] = ("overdue" in classes.split(), "very-overdue" in classes.split())
    assert read == {title: (late, very) for title, (_w, late, very, _d) in REQUESTS.items()}


def test_the_admin_requests_changelist_shows_the_same_flags_and_days_waiting(
    editor_signed_in: Client, letters: dict[str, Letter]
) -> None:
    url = reverse("admin:tracker_optoutrequest_changelist")
    page = get(editor_signed_in, url).content.decode()
    read = {}
    for row in re.findall(r"<tr>(.*?)</tr>", page, re.DOTALL):
        title_cell = re.search(r'<th class="field-title">(.*?)</th>', row, re.DOTALL)
        if title_cell is None:
            continue
        days = text(_admin_cell(row, "days_waiting"))
        read[text(title_cell.group(1))] = (
            _admin_boolean(row, "has_overdue_letter"),
            _admin_boolean(row, "has_very_overdue_letter"),
            None if days == "-" else int(days),
        )
    assert read == {title: (late, very, days) for title, (_w, late, very, days) in REQUESTS.items()}


@pytest.mark.parametrize(
    "url",
    [
        "/requests/?format=csv",
        "/api/v1/requests/?format=csv",
        "/admin/tracker/optoutrequest/export.csv",
    ],
    ids=["staff list", "API", "admin"],
)
def test_every_requests_csv_flags_the_requests_with_an_overdue_letter(
    editor_signed_in: Client, letters: dict[str, Letter], url: str
) -> None:
    rows = csv.DictReader(io.StringIO(get(editor_signed_in, url).content_read.decode()))
    read = {row["title"]: row["has_overdue_letter"] for row in rows}
    assert read == {
        title: "yes" if late else "no" for title, (_w, late, _v, _d) in REQUESTS.items()
    }


@pytest.mark.parametrize("flag", ["awaiting_reply", "overdue", "very_overdue"])
@pytest.mark.parametrize("value", [True, False])
def test_every_request_filter_selects_the_same_requests(
    editor_signed_in: Client, letters: dict[str, Letter], flag: str, value: bool
) -> None:
    column = ["awaiting_reply", "overdue", "very_overdue"].index(flag)
    expected = {title for title, flags in REQUESTS.items() if flags[column] is value}
    true_false = str(value).lower()
    urls = {
        f"/requests/?{flag}={true_false}": "page",
        f"/api/v1/requests/?{flag}={true_false}": "json",
    }
    if flag != "awaiting_reply":
        urls[f"/admin/tracker/optoutrequest/?{flag}={'yes' if value else 'no'}"] = "cl"
    for url, where in urls.items():
        response = get(editor_signed_in, url)
        if where == "json":
            titles = {row["title"] for row in response.json()["results"]}
        elif where == "cl":
            titles = {r.title for r in response.context["cl"].result_list}
        else:
            titles = {r.title for r in response.context["page"].object_list}
        assert titles == expected, url
