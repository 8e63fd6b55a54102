"""Private iCalendar feeds of reply due dates, meetings and events, and the page to manage them.

A calendar app cannot sign in, so each person gets a secret address
(``/calendar/<token>.ics``) that works without a session; revoking it makes the
address answer 404, exactly like an address that never existed.

A feed covers a window of days around today, by default from 90 days ago to a
year ahead: calendar apps show what is coming and what just happened, and poll
the address every few hours, so a feed of every due date and meeting since 2010
would be read and sent again and again for nothing. ``?past=DAYS&ahead=DAYS``
asks for another window (up to ten years each way). The events are read in
chunks and streamed, so a feed of any window is sent in flat memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods
from icalendar import Calendar, Event

from tracker.domain import selectors, services
from tracker.domain.permissions import may_use_calendar_feed
from tracker.models import CalendarToken, Letter, Meeting
from tracker.models import Event as TrackedEvent
from tracker.pages.views import staff_page

PRODID = "-//Opt-Out Tracker//Due dates and meetings//EN"

#: The default window: recent events (a letter that became overdue last month) and
#: the coming year's due dates and meetings.
DAYS_PAST = 90
DAYS_AHEAD = 365
#: The widest window a feed may ask for, each way: ten years.
MAX_DAYS = 3653
#: Rows read from the database at a time (the letters' recipients once per chunk).
CHUNK_SIZE = 500

_END = b"END:VCALENDAR\r\n"


@dataclass(frozen=True)
class Window:
    """The days a feed covers, both ends included."""

    first: dt.date
    last: dt.date

    @classmethod
    def around(cls, today: dt.date, *, past: int = DAYS_PAST, ahead: int = DAYS_AHEAD) -> Window:
        return cls(today - dt.timedelta(days=past), today + dt.timedelta(days=ahead))


class WindowError(ValueError):
    """A window the feed cannot use; the message says what to write instead."""


def _days(query: Mapping[str, str], name: str, default: int) -> int:
    text = query.get(name)
    if text is None or text == "":
        return default
    if not text.isdigit() or int(text) > MAX_DAYS:
        raise WindowError(
            gettext("%(name)s is a number of days from 0 to %(max)s, not %(text)s.")
            % {"name": name, "max": MAX_DAYS, "text": repr(text)}
        )
    return int(text)


def window_from(query: Mapping[str, str], today: dt.date) -> Window:
    """The window asked for with ``?past=DAYS&ahead=DAYS`` (each optional)."""
    return Window.around(
        today, past=_days(query, "past", DAYS_PAST), ahead=_days(query, "ahead", DAYS_AHEAD)
    )


def _letters(user: Any, mine: bool, today: dt.date, window: Window) -> QuerySet[Letter]:
    """Letters awaiting a reply that is due within the window (the partial index on the
    due dates of the letters still waiting)."""
    awaiting = selectors.letters_with_flag(Letter.objects.all(), "awaiting_reply", today=today)
    letters = (
        selectors.with_letter_flags(
            awaiting.filter(due_on__gte=window.first, due_on__lte=window.last), today=today
        )
        .select_related("request__jurisdiction")
        .prefetch_related("recipients")
        .order_by("due_on", "pk")
    )
    return letters.filter(request__owner=user) if mine else letters


def _meetings(user: Any, mine: bool, window: Window) -> QuerySet[Meeting]:
    """Dated meetings, not cancelled, whose days overlap the window: a meeting known only
    to the month or the year, or as a range of days, spans its days, from its first day
    (stored in ``held_on``) to its last (``held_on_until``)."""
    overlaps = Q(held_on_until__gte=window.first)
    meetings = (
        Meeting.objects.filter(overlaps, held_on__isnull=False, held_on__lte=window.last)
        .exclude(status=Meeting.Status.CANCELLED)
        .select_related("request__jurisdiction")
        .order_by("held_on", "pk")
    )
    return meetings.filter(request__owner=user) if mine else meetings


def _tracked_events(user: Any, mine: bool, window: Window) -> QuerySet[TrackedEvent]:
    """Dated events around the cases (a vote, a hearing, a court step) whose days overlap
    the window, as meetings: from the first day (``happened_on``) to the last
    (``happened_on_until``); ``mine``: those bearing on the person's requests."""
    overlaps = Q(happened_on_until__gte=window.first)
    events = TrackedEvent.objects.filter(
        overlaps, happened_on__isnull=False, happened_on__lte=window.last
    ).order_by("happened_on", "pk")
    if mine:
        bearing = TrackedEvent.requests.through.objects.filter(
            event=OuterRef("pk"), optoutrequest__owner=user
        )
        events = events.filter(Exists(bearing))
    return events


def _letter_event(letter: Letter, absolute: Callable[[str], str]) -> Event | None:
    deadline = selectors.deadline_of(letter)
    if deadline is None:
        return None
    late = gettext("VERY OVERDUE: ") if selectors.flag_of(letter, "very_overdue") else ""
    late = late or (gettext("OVERDUE: ") if selectors.flag_of(letter, "overdue") else "")
    event = Event()
    event.add("uid", f"letter-{letter.reference}-due@opt-out-tracker")
    event.add("dtstamp", letter.updated_at)
    event.add("dtstart", deadline.due_on)
    event.add("dtend", deadline.due_on + dt.timedelta(days=1))
    waiting_on = ", ".join(str(a) for a in letter.recipients.all()) or gettext("agencies")
    event.add(
        "summary",
        late
        + gettext("Reply due from %(agencies)s: %(subject)s (%(jurisdiction)s)")
        % {
            "agencies": waiting_on,
            "subject": letter.subject,
            "jurisdiction": letter.request.jurisdiction,
        },
    )
    event.add(
        "description",
        f"{deadline.explanation}.\n{deadline.very_overdue_explanation}.\n"
        + gettext("Request: %(title)s") % {"title": letter.request.title},
    )
    event.add("url", absolute(letter.request.get_absolute_url()))
    event.add("transp", "TRANSPARENT")
    return event


def _meeting_event(meeting: Meeting, absolute: Callable[[str], str]) -> Event:
    held = meeting.held
    assert held is not None
    event = Event()
    event.add("uid", f"meeting-{meeting.reference}@opt-out-tracker")
    event.add("dtstamp", meeting.updated_at)
    # A meeting known only to the month spans the month: no invented day.
    event.add("dtstart", held.earliest)
    event.add("dtend", held.latest + dt.timedelta(days=1))
    known = (
        ""
        if held.precision == "day"
        else gettext(" (date known only as %(date)s)") % {"date": held.display()}
    )
    event.add(
        "summary",
        gettext("Meeting (%(status)s): %(jurisdiction)s")
        % {
            "status": meeting.get_status_display().lower(),
            "jurisdiction": meeting.request.jurisdiction,
        }
        + known,
    )
    if meeting.place:
        event.add("location", meeting.place)
    request_line = gettext("Request: %(title)s") % {"title": meeting.request.title}
    event.add("description", f"{request_line}\n{meeting.outcome}".strip())
    event.add("url", absolute(meeting.request.get_absolute_url()))
    return event


def _tracked_event(tracked: TrackedEvent, absolute: Callable[[str], str]) -> Event:
    happened = tracked.happened
    assert happened is not None
    event = Event()
    event.add("uid", f"event-{tracked.reference}@opt-out-tracker")
    event.add("dtstamp", tracked.updated_at)
    # An event known only to the month or the year spans it: no invented day.
    event.add("dtstart", happened.earliest)
    event.add("dtend", happened.latest + dt.timedelta(days=1))
    known = (
        ""
        if happened.precision == "day"
        else gettext(" (date known only as %(date)s)") % {"date": happened.display()}
    )
    event.add(
        "summary",
        f"{tracked.get_kind_display()}: {tracked.title}" + known,
    )
    if tracked.summary:
        event.add("description", tracked.summary)
    event.add("url", absolute(tracked.get_absolute_url()))
    event.add("transp", "TRANSPARENT")
    return event


def calendar_events(
    *,
    user: Any,
    mine: bool,
    today: dt.date,
    window: Window,
    absolute: Callable[[str], str] = lambda path: path,
) -> Iterator[Event]:
    """One all-day event per awaiting letter's due date, per dated meeting and per dated
    event around the cases in the window, read in chunks. Five queries: letters
    (flagged overdue and very overdue), their recipients (one per chunk of letters),
    holidays, meetings, events."""
    letters = _letters(user, mine, today, window).iterator(chunk_size=CHUNK_SIZE)
    for letter in selectors.with_deadlines(letters):
        event = _letter_event(letter, absolute)
        if event is not None:
            yield event
    for meeting in _meetings(user, mine, window).iterator(chunk_size=CHUNK_SIZE):
        yield _meeting_event(meeting, absolute)
    for tracked in _tracked_events(user, mine, window).iterator(chunk_size=CHUNK_SIZE):
        yield _tracked_event(tracked, absolute)


def new_calendar(mine: bool) -> Calendar:
    """The feed's calendar with its own properties and no events yet."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Opt-Out Tracker" + (gettext(": my requests") if mine else ""))
    return calendar


def calendar_bytes(
    *,
    user: Any,
    mine: bool,
    today: dt.date,
    window: Window,
    absolute: Callable[[str], str] = lambda path: path,
) -> Iterator[bytes]:
    """The feed as iCalendar text, one event at a time: the calendar's own lines, each
    event, then the calendar's end (what ``Calendar.to_ical()`` writes, streamed)."""
    head = new_calendar(mine).to_ical()
    assert head.endswith(_END)
    yield head[: -len(_END)]
    for event in calendar_events(
        user=user, mine=mine, today=today, window=window, absolute=absolute
    ):
        yield event.to_ical()
    yield _END


def feed(request: HttpRequest, token: str) -> HttpResponseBase:
    """The private feed; unknown and revoked addresses are both a plain 404."""
    found = CalendarToken.objects.active().select_related("user").filter(token=token).first()
    # The feed shows every request, published or not: it answers only while its owner
    # may still read the staff pages (a person who has lost the role gets 404).
    if found is None or not may_use_calendar_feed(found.user):
        raise Http404(gettext("No calendar feed at this address (it may have been revoked)."))
    today = timezone.localdate()
    try:
        window = window_from(request.GET, today)
    except WindowError as error:
        return HttpResponse(
            gettext("Invalid calendar window: %(error)s") % {"error": error},
            status=400,
            content_type="text/plain",
        )
    mine = request.GET.get("mine") in {"1", "true", "yes"}
    response = StreamingHttpResponse(
        calendar_bytes(
            user=found.user,
            mine=mine,
            today=today,
            window=window,
            absolute=request.build_absolute_uri,
        ),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'inline; filename="opt-out-tracker.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


@staff_page
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest) -> HttpResponse:
    """Show, create and revoke the signed-in person's private feed address."""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            services.calendar_token_create(user=request.user)
            messages.success(
                request, gettext("Your new calendar address is ready; any old one stopped working.")
            )
        elif action == "revoke":
            if services.calendar_token_revoke(user=request.user):
                messages.success(
                    request, gettext("Your calendar address is revoked; it now answers 404.")
                )
            else:
                messages.info(request, gettext("You had no calendar address to revoke."))
        else:
            messages.error(request, gettext("Choose to create or to revoke your calendar address."))
            return render(request, "tracker/calendar.html", _context(request), status=400)
        return redirect("calendar")
    return render(request, "tracker/calendar.html", _context(request))


def _context(request: HttpRequest) -> dict[str, Any]:
    user: Any = request.user  # staff_page: never anonymous here
    window = {"days_past": DAYS_PAST, "days_ahead": DAYS_AHEAD, "max_days": MAX_DAYS}
    token = CalendarToken.objects.active().filter(user=user).first()
    if token is None:
        return {"token": None, **window}
    url = request.build_absolute_uri(reverse("calendar-feed", kwargs={"token": token.token}))
    return {"token": token, "feed_url": url, "mine_url": f"{url}?mine=1", **window}
