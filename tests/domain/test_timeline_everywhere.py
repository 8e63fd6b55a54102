"""A request's timeline reads the same on every surface.

One published request is read on the staff request and jurisdiction pages, the
public jurisdiction page, the API timeline (signed in and anonymous), the API
status log and the admin. Each test gathers what every surface shows of one
fact and compares them all at once, so a failure names the surface that
differs:

- a status move made at 22:30 in New York on 1 October 2010 (02:30 on 2 October
  in UTC) is dated 1 October;
- an incoming letter known only by the day it was received is dated that day,
  not "date unknown";
- items of one day of different kinds, dates known only to the month or the
  year, and undated items come out in one order.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from rest_framework.test import APIClient

from core.dates import PartialDate
from jurisdictions.models import Agency
from tests.factories import AgencyFactory, JurisdictionFactory
from tracker.domain import services
from tracker.models import OptOutRequest

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
#: 22:30 on 1 October 2010 in New York is 02:30 on 2 October in UTC.
MOVE_AT = dt.datetime(2010, 10, 1, 22, 30, tzinfo=NEW_YORK)
OPENED_AT = dt.datetime(2010, 9, 1, 10, 0, tzinfo=NEW_YORK)


@pytest.fixture(autouse=True)
def _new_york(settings: Any) -> None:
    settings.TIME_ZONE = "America/New_York"


@pytest.fixture
def ice(db: None) -> Agency:
    return AgencyFactory(name="ICE Secure Communities")


@pytest.fixture
def sheriff(db: None) -> Agency:
    return AgencyFactory(name="County Sheriff", level=Agency.Level.LOCAL)


@pytest.fixture
def optout(editor: Any) -> OptOutRequest:
    """A published request opened on 1 September 2010."""
    with time_machine.travel(OPENED_AT, tick=False):
        return services.request_open(
            jurisdiction=JurisdictionFactory(name="Arlington County", state="VA"),
            title="Opt out of Secure Communities",
            by=editor,
            opened_on=PartialDate.parse("2010-09-01"),
            is_public=True,
        )


@pytest.fixture
def staff(client: Client, viewer: Any) -> Client:
    client.force_login(viewer)
    return client


@pytest.fixture
def api_staff(viewer: Any) -> APIClient:
    api = APIClient()
    api.force_login(viewer)
    return api


def logged_at(minute: int) -> Any:
    """The clock stopped at a minute of 1 November 2010: each item is logged at its own
    time, so the order they were logged in is known."""
    return time_machine.travel(dt.datetime(2010, 11, 1, 9, minute, tzinfo=NEW_YORK), tick=False)


# --- Reading each surface -------------------------------------------------------------


def _timeline_html(page: str) -> str:
    return page.split('class="timeline"', 1)[1].split("</ol>", 1)[0]


def staff_entry_day(page: str, anchor: str) -> str | None:
    """The date of one entry on a staff timeline: its ``<time datetime>``, or None."""
    match = re.search(rf'<li id="{anchor}".*?</li>', page, re.DOTALL)
    assert match is not None, f"no entry {anchor} on the page"
    day = re.search(r'<time datetime="([^"]+)"', match.group(0))
    return day.group(1) if day else None


def staff_order(page: str) -> list[str]:
    """The anchors of a staff timeline's entries, top to bottom."""
    return re.findall(r'<li id="([a-z]+-[0-9]+)"', _timeline_html(page))


def public_entries(page: str) -> list[tuple[str, str]]:
    """Each entry of the public timeline as (the date shown, the entry's HTML)."""
    entries = re.findall(r'<li class="entry entry-[a-z]+">(.*?)</li>', page, re.DOTALL)
    shown = []
    for entry in entries:
        when = re.search(r'<p class="when">(.*?)</p>', entry)
        assert when is not None
        shown.append((when.group(1), entry))
    return shown


def public_entry_day(page: str, text: str) -> str:
    """The date of the one public timeline entry that shows ``text``, as ISO, or as shown
    when it is not a date."""
    (shown,) = [when for when, entry in public_entries(page) if text in entry]
    try:
        return dt.datetime.strptime(shown, "%d %B %Y").date().isoformat()
    except ValueError:
        return shown


def api_entry_day(entries: list[dict[str, Any]], kind: str, pk: int) -> str | None:
    (entry,) = [e for e in entries if (e["kind"], e["id"]) == (kind, pk)]
    date: str | None = entry["date"]
    return date


def public_url(optout: OptOutRequest) -> str:
    return f"/public/jurisdictions/{optout.jurisdiction.reference}/"


# --- A status move late in the evening -----------------------------------------------


def test_a_move_at_half_past_ten_in_new_york_is_dated_that_day_everywhere(
    editor: Any,
    optout: OptOutRequest,
    sheriff: Agency,
    ice: Agency,
    staff: Client,
    api_staff: APIClient,
    admin_client: Client,
) -> None:
    with time_machine.travel(dt.datetime(2010, 9, 7, 10, 0, tzinfo=NEW_YORK), tick=False):
        services.letter_log(
            request=optout,
            by=editor,
            sender=sheriff,
            recipients=[ice],
            subject="Notice of intent to opt out",
            sent_on=PartialDate.parse("2010-09-07"),
            is_public=True,
        )
    with time_machine.travel(MOVE_AT, tick=False):
        move = services.request_transition(request=optout, to="notice_sent", by=editor)
    assert move.at.astimezone(dt.UTC).date() == dt.date(2010, 10, 2)
    anchor = f"transition-{move.pk}"
    anonymous = APIClient()

    staff_log = api_staff.get("/api/v1/transitions/", {"request": optout.pk}).json()
    (staff_row,) = [row for row in staff_log["results"] if row["id"] == move.pk]
    public_log = anonymous.get("/api/v1/transitions/").json()
    (public_row,) = [row for row in public_log["results"] if row["id"] == move.pk]
    admin_list = admin_client.get("/admin/tracker/transition/").text
    on_the_day = admin_client.get(
        "/admin/tracker/transition/", {"at__year": 2010, "at__month": 10, "at__day": 1}
    )
    on_the_next_day = admin_client.get(
        "/admin/tracker/transition/", {"at__year": 2010, "at__month": 10, "at__day": 2}
    )
    shown = {
        "staff request page": staff_entry_day(staff.get(optout.get_absolute_url()).text, anchor),
        "staff jurisdiction page": staff_entry_day(
            staff.get(optout.jurisdiction.get_absolute_url()).text, anchor
        ),
        "public jurisdiction page": public_entry_day(
            anonymous.get(public_url(optout)).text, "Status set to Notice sent"
        ),
        "API timeline, signed in": api_entry_day(
            api_staff.get(f"/api/v1/requests/{optout.pk}/timeline/").json(),
            "transition",
            move.pk,
        ),
        "API timeline, anonymous": api_entry_day(
            anonymous.get(f"/api/v1/requests/{optout.pk}/timeline/").json(),
            "transition",
            move.pk,
        ),
        "API status log, signed in": staff_row["at"][:10],
        "API status log, anonymous": public_row["at"]["date"],
        "admin status log": "2010-10-01" if "Oct. 1, 2010, 10:30 p.m." in admin_list else None,
        "admin status log, 1 October": (
            "2010-10-01" if move in on_the_day.context["cl"].result_list else None
        ),
        "admin status log, not 2 October": (
            "2010-10-01" if move not in on_the_next_day.context["cl"].result_list else None
        ),
    }
    assert shown == dict.fromkeys(shown, "2010-10-01")
    # The signed-in status log gives the moment itself, in New York time.
    assert staff_row["at"] == "2010-10-01T22:30:00-04:00"


# --- An incoming letter known by the day it arrived -----------------------------------


def test_an_incoming_letter_known_only_by_its_receipt_is_dated_by_it_everywhere(
    editor: Any,
    optout: OptOutRequest,
    ice: Agency,
    sheriff: Agency,
    staff: Client,
    api_staff: APIClient,
) -> None:
    with time_machine.travel(dt.datetime(2010, 10, 5, 10, 0, tzinfo=NEW_YORK), tick=False):
        letter = services.letter_log(
            request=optout,
            by=editor,
            direction="incoming",
            sender=ice,
            recipients=[sheriff],
            subject="Answer from ICE",
            received_on=PartialDate.parse("2010-10-05"),
            is_public=True,
        )
    assert letter.sent is None
    anchor = f"letter-{letter.pk}"
    anonymous = APIClient()
    shown = {
        "staff request page": staff_entry_day(staff.get(optout.get_absolute_url()).text, anchor),
        "staff jurisdiction page": staff_entry_day(
            staff.get(optout.jurisdiction.get_absolute_url()).text, anchor
        ),
        "public jurisdiction page": public_entry_day(
            anonymous.get(public_url(optout)).text, "Letter received: Answer from ICE"
        ),
        "API timeline, signed in": api_entry_day(
            api_staff.get(f"/api/v1/requests/{optout.pk}/timeline/").json(), "letter", letter.pk
        ),
        "API timeline, anonymous": api_entry_day(
            anonymous.get(f"/api/v1/requests/{optout.pk}/timeline/").json(), "letter", letter.pk
        ),
        "public search": public_search_hit_day(
            anonymous.get("/public/search/", {"q": "Answer from ICE"}).text
        ),
        "staff search": staff_search_hit_day(
            staff.get("/search/", {"q": "Answer from ICE"}).text, anchor
        ),
    }
    assert shown == dict.fromkeys(shown, "2010-10-05")


def staff_search_hit_day(page: str, anchor: str) -> str:
    """The date the staff search shows for the letter at ``anchor``, as ISO, or as shown."""
    match = re.search(rf'#{anchor}">.*? · from [^·]* · ([^<]*)', page)
    assert match is not None, f"no {anchor} among the staff search's hits"
    shown = match.group(1).strip()
    try:
        return dt.datetime.strptime(shown, "%d %B %Y").date().isoformat()
    except ValueError:
        return shown


def public_search_hit_day(page: str) -> str:
    """The date of the one letter among the public search's hits, as ISO, or as shown."""
    (shown,) = re.findall(r'<p class="when">Letter · (.*?)</p>', page)
    try:
        return dt.datetime.strptime(shown, "%d %B %Y").date().isoformat()
    except ValueError:
        return shown


# --- One order ----------------------------------------------------------------------------


def test_one_set_of_items_comes_out_in_the_same_order_everywhere(
    editor: Any,
    optout: OptOutRequest,
    sheriff: Agency,
    ice: Agency,
    staff: Client,
    api_staff: APIClient,
) -> None:
    def letter(subject: str, sent_on: str) -> Any:
        return services.letter_log(
            request=optout,
            by=editor,
            sender=sheriff,
            recipients=[ice],
            subject=subject,
            sent_on=PartialDate.parse(sent_on),
            is_public=True,
        )

    # Logged in this order, one minute apart, so that the kind of an item, not the
    # moment it was logged, decides the order within a day.
    with logged_at(1):
        reply = services.response_record(
            request=optout,
            by=editor,
            agency=ice,
            kind="acknowledged",
            responded_on=PartialDate.parse("2010-10-01"),
            summary="Reply on 1 October",
            is_public=True,
        )
    with logged_at(2):
        meeting = services.meeting_record(
            request=optout,
            by=editor,
            status="held",
            held_on=PartialDate.parse("2010-10-01"),
            outcome="Meeting on 1 October",
            is_public=True,
        )
    with logged_at(3):
        undated_meeting = services.meeting_record(
            request=optout, by=editor, outcome="Undated meeting", is_public=True
        )
    with logged_at(4):
        in_2010 = letter("Letter in 2010", "2010")
    with logged_at(5):
        in_october = letter("Letter in October", "2010-10")
    with logged_at(6):
        on_1_october = letter("Letter on 1 October", "2010-10-01")
    with logged_at(7):
        undated_reply = services.response_record(
            request=optout,
            by=editor,
            agency=ice,
            kind="acknowledged",
            summary="Undated reply",
            is_public=True,
        )
    with time_machine.travel(dt.datetime(2010, 10, 1, 12, 0, tzinfo=NEW_YORK), tick=False):
        move = services.request_transition(request=optout, to="notice_sent", by=editor)

    expected = [
        "Letter in 2010",  # earliest possible day: 1 January 2010
        "Letter in October",  # 1 October at the earliest; logged before the next letter
        "Letter on 1 October",
        "Reply on 1 October",  # on one day: letters, replies, meetings, then moves
        "Meeting on 1 October",
        "Moved to Notice sent",
        "Undated reply",  # undated items last, replies before meetings
        "Undated meeting",
    ]
    label = {
        f"letter-{in_2010.pk}": "Letter in 2010",
        f"letter-{in_october.pk}": "Letter in October",
        f"letter-{on_1_october.pk}": "Letter on 1 October",
        f"response-{reply.pk}": "Reply on 1 October",
        f"meeting-{meeting.pk}": "Meeting on 1 October",
        f"transition-{move.pk}": "Moved to Notice sent",
        f"response-{undated_reply.pk}": "Undated reply",
        f"meeting-{undated_meeting.pk}": "Undated meeting",
    }
    # What identifies each item on the public page, which shows no ids.
    public_text = {
        "Status set to Notice sent": "Moved to Notice sent",
        **{text: text for text in expected if text != "Moved to Notice sent"},
    }

    def labelled(keys: list[str]) -> list[str]:
        # The status log's first row (the request's creation) is left out: the public
        # page shows the request's opening instead.
        return [label[key] for key in keys if key in label]

    def public_order(page: str) -> list[str]:
        return [
            public_text[text]
            for _, entry in public_entries(page)
            for text in public_text
            if text in entry
        ]

    anonymous = APIClient()
    timeline_url = f"/api/v1/requests/{optout.pk}/timeline/"
    orders = {
        "staff request page": labelled(staff_order(staff.get(optout.get_absolute_url()).text)),
        "staff jurisdiction page": labelled(
            staff_order(staff.get(optout.jurisdiction.get_absolute_url()).text)
        ),
        "public jurisdiction page": public_order(anonymous.get(public_url(optout)).text),
        "API timeline, signed in": labelled(
            [f"{e['kind']}-{e['id']}" for e in api_staff.get(timeline_url).json()]
        ),
        "API timeline, anonymous": labelled(
            [f"{e['kind']}-{e['id']}" for e in anonymous.get(timeline_url).json()]
        ),
    }
    assert orders == dict.fromkeys(orders, expected)
