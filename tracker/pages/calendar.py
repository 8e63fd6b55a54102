"""Private iCalendar feeds of reply due dates and meetings, and the page to manage them.

A calendar app cannot sign in, so each person gets a secret address
(``/calendar/<token>.ics``) that works without a session; revoking it makes the
address answer 404, exactly like an address that never existed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from icalendar import Calendar, Event

from tracker.domain import selectors, services
from tracker.domain.permissions import may_use_calendar_feed
from tracker.models import CalendarToken, Letter, Meeting
from tracker.pages.views import staff_page

PRODID = "-//Opt-Out Tracker//Due dates and meetings//EN"


def _letters(user: Any, mine: bool, today: dt.date) -> QuerySet[Letter]:
    awaiting = selectors.letters_with_flag(Letter.objects.all(), "awaiting_reply", today=today)
    letters = (
        selectors.with_letter_flags(awaiting.filter(due_on__isnull=False), today=today)
        .select_related("request__jurisdiction")
        .prefetch_related("recipients")
        .order_by("due_on", "pk")
    )
    return letters.filter(request__owner=user) if mine else letters


def _meetings(user: Any, mine: bool) -> QuerySet[Meeting]:
    meetings = (
        Meeting.objects.filter(held_on__isnull=False)
        .exclude(status=Meeting.Status.CANCELLED)
        .select_related("request__jurisdiction")
        .order_by("held_on", "pk")
    )
    return meetings.filter(request__owner=user) if mine else meetings


def build_calendar(
    *, user: Any, mine: bool, today: dt.date, absolute: Any = lambda path: path
) -> Calendar:
    """The feed's calendar: one all-day event per awaiting letter's due date and per
    dated meeting. Four queries: letters (flagged overdue and very overdue), their
    recipients, holidays, meetings."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Opt-Out Tracker" + (": my requests" if mine else ""))
    for letter in selectors.with_deadlines(_letters(user, mine, today)):
        deadline = selectors.deadline_of(letter)
        if deadline is None:
            continue
        late = "VERY OVERDUE: " if selectors.flag_of(letter, "very_overdue") else ""
        late = late or ("OVERDUE: " if selectors.flag_of(letter, "overdue") else "")
        event = Event()
        event.add("uid", f"letter-{letter.reference}-due@opt-out-tracker")
        event.add("dtstamp", letter.updated_at)
        event.add("dtstart", deadline.due_on)
        event.add("dtend", deadline.due_on + dt.timedelta(days=1))
        waiting_on = ", ".join(str(a) for a in letter.recipients.all()) or "agencies"
        event.add(
            "summary",
            f"{late}Reply due from {waiting_on}: {letter.subject} ({letter.request.jurisdiction})",
        )
        event.add(
            "description",
            f"{deadline.explanation}.\n{deadline.very_overdue_explanation}.\n"
            f"Request: {letter.request.title}",
        )
        event.add("url", absolute(letter.request.get_absolute_url()))
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    for meeting in _meetings(user, mine):
        held = meeting.held
        assert held is not None
        event = Event()
        event.add("uid", f"meeting-{meeting.reference}@opt-out-tracker")
        event.add("dtstamp", meeting.updated_at)
        # A meeting known only to the month spans the month: no invented day.
        event.add("dtstart", held.earliest)
        event.add("dtend", held.latest + dt.timedelta(days=1))
        known = "" if held.precision == "day" else f" (date known only as {held.display()})"
        event.add(
            "summary",
            f"Meeting ({meeting.get_status_display().lower()}): "
            f"{meeting.request.jurisdiction}{known}",
        )
        if meeting.place:
            event.add("location", meeting.place)
        event.add("description", f"Request: {meeting.request.title}\n{meeting.outcome}".strip())
        event.add("url", absolute(meeting.request.get_absolute_url()))
        calendar.add_component(event)
    return calendar


def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed; unknown and revoked addresses are both a plain 404."""
    found = CalendarToken.objects.active().select_related("user").filter(token=token).first()
    # The feed shows every request, published or not: it answers only while its owner
    # may still read the staff pages (a person who has lost the role gets 404).
    if found is None or not may_use_calendar_feed(found.user):
        raise Http404("No calendar feed at this address (it may have been revoked).")
    mine = request.GET.get("mine") in {"1", "true", "yes"}
    calendar = build_calendar(
        user=found.user,
        mine=mine,
        today=timezone.localdate(),
        absolute=request.build_absolute_uri,
    )
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
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
                request, "Your new calendar address is ready; any old one stopped working."
            )
        elif action == "revoke":
            if services.calendar_token_revoke(user=request.user):
                messages.success(request, "Your calendar address is revoked; it now answers 404.")
            else:
                messages.info(request, "You had no calendar address to revoke.")
        else:
            messages.error(request, "Choose to create or to revoke your calendar address.")
            return render(request, "tracker/calendar.html", _context(request), status=400)
        return redirect("calendar")
    return render(request, "tracker/calendar.html", _context(request))


def _context(request: HttpRequest) -> dict[str, Any]:
    user: Any = request.user  # staff_page: never anonymous here
    token = CalendarToken.objects.active().filter(user=user).first()
    if token is None:
        return {"token": None}
    url = request.build_absolute_uri(reverse("calendar-feed", kwargs={"token": token.token}))
    return {"token": token, "feed_url": url, "mine_url": f"{url}?mine=1"}
