"""The private iCalendar feed of due dates and meetings, and the page that manages it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from icalendar import Calendar

from tests.conftest import SCREENSHOTS, sign_in
from tests.factories import (
    AgencyFactory,
    EventFactory,
    LetterFactory,
    MeetingFactory,
    RequestFactory,
)
from tracker.domain import services
from tracker.models import CalendarToken, Meeting
from tracker.pages import calendar as calendar_feed

pytestmark = pytest.mark.django_db


def parse(response: Any) -> Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(b"".join(response.streaming_content))


def events(calendar: Calendar) -> dict[str, Any]:
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def test_the_feed_is_a_valid_calendar_with_san_franciscos_overdue_letter(
    client: Client, viewer: Any, record_2010: None
) -> None:
    token = services.calendar_token_create(user=viewer)
    with time_machine.travel(dt.datetime(2011, 2, 1, 17, 0, tzinfo=dt.UTC), tick=False):
        calendar = parse(client.get(token.get_absolute_url()))
    assert calendar["version"] == "2.0"
    due = events(calendar)["letter-san-francisco-2010-letter-2-due@opt-out-tracker"]
    assert due.decoded("dtstart") == dt.date(2011, 1, 30)
    assert due.decoded("dtend") == dt.date(2011, 1, 31)
    assert str(due["summary"]).startswith("OVERDUE: Reply due from ")
    assert "Second request to opt out" in str(due["summary"])
    assert "known only as 2010" in str(due["description"])
    assert str(due["url"]).startswith("http://testserver/requests/")
    # The planned meeting has no date yet: nothing to put on a calendar.
    assert not any(uid.startswith("meeting-") for uid in events(calendar))


#: A day in the 2010 campaign: the feed's window is around today.
AUTUMN_2010 = dt.datetime(2010, 10, 15, 17, 0, tzinfo=dt.UTC)


def test_a_meeting_known_only_to_the_month_spans_the_month(client: Client, viewer: Any) -> None:
    meeting = MeetingFactory(
        status=Meeting.Status.PLANNED, held_on=dt.date(2010, 11, 1), held_on_precision="month"
    )
    MeetingFactory(status=Meeting.Status.CANCELLED, held_on=dt.date(2010, 11, 3))
    token = services.calendar_token_create(user=viewer)
    with time_machine.travel(AUTUMN_2010, tick=False):
        found = events(parse(client.get(token.get_absolute_url())))
    (event,) = found.values()
    assert str(event["uid"]) == f"meeting-{meeting.reference}@opt-out-tracker"
    assert event.decoded("dtstart") == dt.date(2010, 11, 1)
    assert event.decoded("dtend") == dt.date(2010, 12, 1)
    assert "date known only as November 2010" in str(event["summary"])


def test_a_dated_event_is_on_the_feed_spanning_what_is_known_of_its_date(
    client: Client, viewer: Any
) -> None:
    vote = EventFactory(
        title="The District votes to opt out",
        happened_on=dt.date(2010, 10, 1),
        happened_on_precision="month",
        requests=[RequestFactory(owner=viewer)],
    )
    EventFactory(title="Undated", happened_on=None, happened_on_precision=None)
    EventFactory(title="Long before", happened_on=dt.date(2008, 10, 1))
    token = services.calendar_token_create(user=viewer)
    with time_machine.travel(AUTUMN_2010, tick=False):
        found = events(parse(client.get(token.get_absolute_url())))
        only_mine = events(parse(client.get(token.get_absolute_url() + "?mine=1")))
    (event,) = found.values()
    assert str(event["uid"]) == f"event-{vote.reference}@opt-out-tracker"
    assert event.decoded("dtstart") == dt.date(2010, 10, 1)
    assert event.decoded("dtend") == dt.date(2010, 11, 1)
    assert str(event["summary"]) == (
        "Vote: The District votes to opt out (date known only as October 2010)"
    )
    assert set(only_mine) == set(found)


def test_mine_shows_only_the_token_owners_requests(client: Client, viewer: Any) -> None:
    # Each due 30 days after it was sent: 7 and 8 October 2010.
    mine = LetterFactory(request=RequestFactory(owner=viewer), sent_on=dt.date(2010, 9, 7))
    theirs = LetterFactory(sent_on=dt.date(2010, 9, 8))
    token = services.calendar_token_create(user=viewer)
    with time_machine.travel(AUTUMN_2010, tick=False):
        everything = events(parse(client.get(token.get_absolute_url())))
        only_mine = events(parse(client.get(token.get_absolute_url() + "?mine=1")))
    assert {f"letter-{mine.reference}-due@opt-out-tracker"} == set(only_mine)
    assert f"letter-{theirs.reference}-due@opt-out-tracker" in everything


def test_an_answered_letter_leaves_the_feed(client: Client, viewer: Any) -> None:
    letter = LetterFactory(sent_on=dt.date(2010, 9, 7))  # due 7 October 2010
    LetterFactory(request=letter.request, direction="incoming", in_reply_to=letter)
    token = services.calendar_token_create(user=viewer)
    with time_machine.travel(AUTUMN_2010, tick=False):
        assert events(parse(client.get(token.get_absolute_url()))) == {}
        # Not merely outside the window: unanswered, it would be there.
        LetterFactory(request=letter.request, sent_on=dt.date(2010, 9, 7))
        assert len(events(parse(client.get(token.get_absolute_url())))) == 1


def test_an_unknown_token_is_404(client: Client) -> None:
    response = client.get("/calendar/not-a-token.ics")
    assert response.status_code == 404


def test_a_revoked_token_is_404(client: Client, viewer: Any) -> None:
    token = services.calendar_token_create(user=viewer)
    assert client.get(token.get_absolute_url()).status_code == 200
    services.calendar_token_revoke(user=viewer)
    assert client.get(token.get_absolute_url()).status_code == 404


def test_a_new_address_replaces_the_old_one(client: Client, viewer: Any) -> None:
    old = services.calendar_token_create(user=viewer)
    new = services.calendar_token_create(user=viewer)
    assert client.get(old.get_absolute_url()).status_code == 404
    assert client.get(new.get_absolute_url()).status_code == 200
    assert CalendarToken.objects.active().filter(user=viewer).get() == new


def test_a_deactivated_account_loses_its_feed(client: Client, viewer: Any) -> None:
    token = services.calendar_token_create(user=viewer)
    viewer.is_active = False
    viewer.save()
    assert client.get(token.get_absolute_url()).status_code == 404


def test_an_account_without_permission_to_read_letters_gets_404(
    client: Client, django_user_model: Any
) -> None:
    outsider = django_user_model.objects.create_user(username="outsider")
    token = services.calendar_token_create(user=outsider)
    assert client.get(token.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("count", [5, 50])
def test_the_feed_takes_the_same_number_of_queries_for_5_or_50_letters(
    client: Client, viewer: Any, count: int, django_assert_num_queries: Any
) -> None:
    agency = AgencyFactory()
    for n in range(count):
        LetterFactory(sent_on=dt.date(2010, 9, 7), recipients=[agency, AgencyFactory()])
        MeetingFactory(status=Meeting.Status.HELD, held_on=dt.date(2010, 10, 1 + n % 28))
    token = services.calendar_token_create(user=viewer)
    # Expect 8 queries: the token with its user, the user's own permissions, their
    # groups' permissions, holidays, letters (with request and jurisdiction), the
    # letters' recipients, meetings (with request and jurisdiction), events.
    with (
        time_machine.travel(AUTUMN_2010, tick=False),
        django_assert_num_queries(8),
    ):
        calendar = parse(client.get(token.get_absolute_url()))
    assert len(calendar.walk("VEVENT")) == 2 * count


#: The feed's default window, seen on 15 January 2011: from 17 October 2010 (90 days
#: back) to 15 January 2012 (a year ahead), both included.
MID_JANUARY_2011 = dt.datetime(2011, 1, 15, 17, 0, tzinfo=dt.UTC)


def test_the_feed_covers_from_90_days_back_to_a_year_ahead(client: Client, viewer: Any) -> None:
    # The default window is 30 calendar days: each letter is due 30 days after it was sent.
    due_on = {
        "the day before the window": dt.date(2010, 10, 16),
        "the window's first day": dt.date(2010, 10, 17),
        "the window's last day": dt.date(2012, 1, 15),
        "the day after the window": dt.date(2012, 1, 16),
    }
    for subject, due in due_on.items():
        LetterFactory(subject=subject, sent_on=due - dt.timedelta(days=30))
    held = [
        ("day before", dt.date(2010, 10, 16), "day"),
        ("first day", dt.date(2010, 10, 17), "day"),
        ("the window's first month", dt.date(2010, 10, 1), "month"),
        ("the month before", dt.date(2010, 9, 1), "month"),
        ("the window's first year", dt.date(2010, 1, 1), "year"),
        ("the year before", dt.date(2009, 1, 1), "year"),
        ("last day", dt.date(2012, 1, 15), "day"),
        ("day after", dt.date(2012, 1, 16), "day"),
    ]
    meetings = {
        MeetingFactory(
            status=Meeting.Status.PLANNED, held_on=day, held_on_precision=precision
        ).reference: name
        for name, day, precision in held
    }
    token = services.calendar_token_create(user=viewer)
    with time_machine.travel(MID_JANUARY_2011, tick=False):
        found = parse(client.get(token.get_absolute_url())).walk("VEVENT")
    subjects = {str(e["summary"]).split(": ", 2)[-1].split(" (")[0] for e in found}
    assert {s for s in due_on if s in subjects} == {
        "the window's first day",
        "the window's last day",
    }
    in_feed = {
        meetings[str(e["uid"])[len("meeting-") : -len("@opt-out-tracker")]]
        for e in found
        if str(e["uid"]).startswith("meeting-")
    }
    assert in_feed == {
        "first day",
        "the window's first month",
        "the window's first year",
        "last day",
    }


def test_a_feed_may_ask_for_another_window(client: Client, viewer: Any) -> None:
    old = LetterFactory(sent_on=dt.date(2010, 9, 7))  # due 7 October 2010
    token = services.calendar_token_create(user=viewer)
    address = token.get_absolute_url()
    uid = f"letter-{old.reference}-due@opt-out-tracker"
    with time_machine.travel(MID_JANUARY_2011, tick=False):
        assert uid not in events(parse(client.get(address)))
        # 7 October 2010 is 100 days before 15 January 2011.
        assert uid in events(parse(client.get(address + "?past=100")))
        assert uid not in events(parse(client.get(address + "?past=99")))
        assert uid not in events(parse(client.get(address + "?past=100&mine=1")))


@pytest.mark.parametrize("query", ["past=-1", "past=ten", "ahead=3654", "ahead=1.5"])
def test_a_window_that_cannot_be_used_is_a_clear_error(
    client: Client, viewer: Any, query: str
) -> None:
    token = services.calendar_token_create(user=viewer)
    response = client.get(f"{token.get_absolute_url()}?{query}")
    assert response.status_code == 400
    assert "is a number of days from 0 to 3653" in response.text


def test_the_calendar_page_needs_sign_in(client: Client) -> None:
    assert client.get("/calendar/").status_code == 302


def test_a_person_creates_copies_and_revokes_their_address(client: Client, viewer: Any) -> None:
    client.force_login(viewer)
    assert "You have no calendar address yet" in client.get("/calendar/").text
    response = client.post("/calendar/", {"action": "create"}, follow=True)
    token = CalendarToken.objects.get(user=viewer)
    assert f"http://testserver/calendar/{token.token}.ics" in response.text
    assert f"http://testserver/calendar/{token.token}.ics?mine=1" in response.text
    assert "Your new calendar address is ready" in response.text
    response = client.post("/calendar/", {"action": "revoke"}, follow=True)
    assert "now answers 404" in response.text
    assert token.token not in response.text
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_an_unknown_action_is_a_clear_error(client: Client, viewer: Any) -> None:
    client.force_login(viewer)
    response = client.post("/calendar/", {"action": "explode"})
    assert response.status_code == 400
    assert "Choose to create or to revoke" in response.text
    assert not CalendarToken.objects.exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_a_browser_a_person_creates_their_address_and_the_feed_answers(
    browser_page: Any, viewer: Any, record_2010: None
) -> None:
    page = browser_page
    sign_in(page, "viewer", "pw-viewer")
    page.goto("/calendar/")
    page.get_by_role("button", name="Create my calendar address").click()
    page.wait_for_load_state()
    address = page.get_by_label("Everything (all requests)").input_value()
    assert address.endswith(".ics")
    page.get_by_role("button", name="Copy").first.click()
    assert page.get_by_role("button", name="Copied").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "calendar.png"), full_page=True)
    # San Francisco's second letter was due on 30 January 2011: in the window of a
    # feed read a few days later.
    with time_machine.travel(dt.datetime(2011, 2, 1, 17, 0, tzinfo=dt.UTC), tick=False):
        feed = page.request.get(address)
        assert feed.status == 200
        calendar = Calendar.from_ical(feed.body())
    assert any("Second request to opt out" in str(e["summary"]) for e in calendar.walk("VEVENT"))
    page.get_by_role("button", name="Revoke").click()
    page.wait_for_load_state()
    assert page.request.get(address).status == 404


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_a_browser_the_milestones_page_shows_ice_never_answered_san_francisco(
    browser_page: Any, viewer: Any, record_2010: None
) -> None:
    page = browser_page
    sign_in(page, "viewer", "pw-viewer")
    page.goto("/milestones/")
    assert page.get_by_role("heading", name="Milestones").is_visible()
    agencies = page.locator("#per-agency + p + table").inner_text()
    assert "100%" in agencies
    page.screenshot(path=str(SCREENSHOTS / "milestones.png"), full_page=True)


def test_the_streamed_feed_is_what_the_calendar_library_writes_for_the_same_events(
    viewer: Any,
) -> None:
    LetterFactory(sent_on=dt.date(2010, 9, 7), subject="Notice, with a comma; and more")
    MeetingFactory(status=Meeting.Status.HELD, held_on=dt.date(2010, 10, 1), place="Room 1")
    today = dt.date(2010, 10, 15)
    window = calendar_feed.Window.around(today)
    streamed = b"".join(
        calendar_feed.calendar_bytes(user=viewer, mine=False, today=today, window=window)
    )
    whole = calendar_feed.new_calendar(mine=False)
    for event in calendar_feed.calendar_events(user=viewer, mine=False, today=today, window=window):
        whole.add_component(event)
    assert len(whole.walk("VEVENT")) == 2
    assert streamed == whole.to_ical()
