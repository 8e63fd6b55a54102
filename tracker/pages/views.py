"""Staff pages: see every case at a glance, log correspondence from the case itself.

Views parse input with :mod:`tracker.pages.forms`, call :mod:`tracker.domain.services` for
every write and render the result; the workflow's rules are never repeated
here. Pages work without JavaScript: every form is a plain POST that redirects
back to the request page with the new item highlighted (``?new=<anchor>`` marks
it, ``#<anchor>`` scrolls to it), or re-shows the page with the errors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any, cast

from django import forms as dj_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from core.dates import PartialDate
from core.downloads import attachment_preview, attachment_response
from core.submissions import Saved, SentWithOtherValues, already_used, save_once
from jurisdictions.domain.selectors import (
    AGENCY_SEARCH_LIMIT,
    agencies_above_local,
    agencies_matching,
    agencies_serving,
)
from jurisdictions.models import Agency, Jurisdiction
from outbox import selectors as outbox_selectors
from outbox.models import Draft
from tracker.domain import exports, selectors, services
from tracker.domain.permissions import (
    may_add,
    may_change,
    may_move,
    may_own_request,
    may_publish,
    may_read_timelines,
    may_receive_email,
    may_send_email,
    may_use_staff_pages,
    may_view,
)
from tracker.domain.selectors import Audience
from tracker.domain.statements import contradictions
from tracker.domain.workflow import (
    CLOSED_STATES,
    NEEDS_REASON,
    STATE_DESCRIPTIONS,
    State,
    find_edge,
    move_implied_by_held_meeting,
    move_implied_by_reply,
)
from tracker.models import (
    AgencyResponse,
    CorrespondenceThread,
    Letter,
    Meeting,
    OptOutRequest,
    Statement,
    ThreadLetter,
    Transition,
)
from tracker.pages.filters import LetterListFilter, RequestListFilter
from tracker.pages.forms import (
    AgencySearchForm,
    ConfirmMoveForm,
    IncomingForm,
    LetterEditForm,
    LetterForm,
    MeetingEditForm,
    MeetingForm,
    MeetingStatusForm,
    OffersAgencies,
    OutgoingLetterForm,
    OwnerForm,
    PublishForm,
    RequestEditForm,
    ResponseEditForm,
    SearchForm,
    StatementEditForm,
    StatementForm,
    ThreadEditForm,
    ThreadLetterEditForm,
    TransitionForm,
    add_service_errors,
    edited_values,
)
from tracker.pages.pagination import capped_page

#: Letters shown in the dashboard's "awaiting a reply" list (oldest first).
AWAITING_LIMIT = 50
#: The open requests the dashboard lists by next step (all of them are on /requests/).
OPEN_LIMIT = 25
#: The requests the dashboard lists as the signed-in person's (newest first).
OWNED_LIMIT = 10
#: Items of each kind considered for the dashboard's recent activity.
RECENT_LIMIT = 12
#: Rows per page of the letters, requests and statements lists.
LIST_PAGE_SIZE = 50


def require(allowed: bool) -> None:
    """A hand-made request from someone who may not do this (the page offers them no
    such link or button) gets 403."""
    if not allowed:
        raise PermissionDenied(gettext("You may not do this."))


def staff_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Signed in, and allowed to use the staff pages (Viewers, Editors and admins are)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        require(may_use_staff_pages(request.user))
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def _with_deadlines(letters: Iterable[Letter], today: dt.date) -> None:
    """Give each letter awaiting a reply its deadline (the due date and why) and its days
    waiting, for the timeline. Awaiting, overdue and very overdue are the flags of
    ``selectors.with_letter_flags``; the deadline only explains the dates."""
    awaiting = [letter for letter in letters if selectors.flag_of(letter, "awaiting_reply")]
    for letter in selectors.with_deadlines(awaiting):
        letter.days_waiting = selectors.days_waiting(letter.sent, today=today)  # type: ignore[attr-defined]


# --- Timelines ------------------------------------------------------------------------
# What the staff timelines show of each item; which items, their dates and their order
# are the selectors' (tracker.domain.selectors.with_timeline and timeline_entries).


def _letters(today: dt.date) -> QuerySet[Letter]:
    return selectors.with_letter_flags(
        Letter.objects.select_related("sender", "in_reply_to").prefetch_related("recipients"),
        today=today,
    )


def _responses() -> QuerySet[AgencyResponse]:
    return AgencyResponse.objects.select_related("agency", "letter")


def _meetings() -> QuerySet[Meeting]:
    return Meeting.objects.prefetch_related("agencies")


def _transitions() -> QuerySet[Transition]:
    return Transition.objects.select_related("by", "letter", "response")


# --- Dashboard ------------------------------------------------------------------------


@dataclass(frozen=True)
class Activity:
    at: dt.datetime
    text: str
    request: OptOutRequest
    anchor: str


def _recent_activity() -> list[Activity]:
    # The latest logged of each kind are the highest ids (every timestamp here is set
    # when the row is saved): reading the primary key's index backwards stops after a
    # few rows, where sorting by the timestamp would read every row of the table.
    transitions = Transition.objects.select_related("request__jurisdiction", "by").order_by("-pk")[
        :RECENT_LIMIT
    ]
    letters = Letter.objects.select_related("request__jurisdiction").order_by("-pk")[:RECENT_LIMIT]
    responses = AgencyResponse.objects.select_related("request__jurisdiction", "agency").order_by(
        "-pk"
    )[:RECENT_LIMIT]
    meetings = Meeting.objects.select_related("request__jurisdiction").order_by("-pk")[
        :RECENT_LIMIT
    ]
    activity = [
        Activity(
            t.at,
            (gettext("Moved to %(state)s by %(by)s") if t.by else gettext("Moved to %(state)s"))
            % {"state": t.get_to_state_display(), "by": t.by},
            t.request,
            f"transition-{t.pk}",
        )
        for t in transitions
    ]
    activity += [
        Activity(
            x.created_at,
            gettext("Letter logged: %(subject)s") % {"subject": x.subject},
            x.request,
            f"letter-{x.pk}",
        )
        for x in letters
    ]
    activity += [
        Activity(
            x.created_at,
            gettext("Reply logged: %(reply)s") % {"reply": x},
            x.request,
            f"response-{x.pk}",
        )
        for x in responses
    ]
    activity += [
        Activity(
            x.created_at,
            gettext("Meeting logged: %(status)s, %(date)s")
            % {
                "status": x.get_status_display().lower(),
                "date": x.held or gettext("date unknown"),
            },
            x.request,
            f"meeting-{x.pk}",
        )
        for x in meetings
    ]
    activity.sort(key=lambda a: a.at, reverse=True)
    return activity[:RECENT_LIMIT]


@staff_page
def dashboard(request: HttpRequest) -> HttpResponse:
    """Counts by aggregate and short lists, each linking to the full filtered list: the
    page costs the same with twenty requests or twenty thousand."""
    today = timezone.localdate()
    # One pass over the requests counts them by state and by owner at once.
    tally = list(
        OptOutRequest.objects.values_list("status", "owner__username")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[str, int] = {}
    open_by_owner: dict[str | None, int] = {}
    for status, owner, n in tally:
        counts[status] = counts.get(status, 0) + n
        if State(status) not in CLOSED_STATES:
            open_by_owner[owner] = open_by_owner.get(owner, 0) + n
    # Most first; nobody's after everyone's with as many.
    by_owner = sorted(
        open_by_owner.items(), key=lambda row: (-row[1], row[0] is None, row[0] or "")
    )
    # What comes next in each open case: the signed-in person's first, then by the
    # reply due soonest and down the workflow (one query; the summary is read from the
    # rows by the one rule of selectors.case_summary).
    next_rows = [
        {"request": optout, "summary": selectors.case_summary(optout, today=today)}
        for optout in selectors.open_requests_by_next_step(
            OptOutRequest.objects.select_related("jurisdiction", "owner"),
            owner=request.user,
            limit=OPEN_LIMIT,
        )
    ]
    owned = list(
        OptOutRequest.objects.filter(owner=request.user.pk)
        .select_related("jurisdiction")
        .order_by("-pk")[: OWNED_LIMIT + 1]
    )
    awaiting = list(
        selectors.with_letter_flags(
            selectors.letters_with_flag(Letter.objects.all(), "awaiting_reply", today=today),
            today=today,
        )
        .select_related("request__jurisdiction", "sender")
        .prefetch_related("recipients")
        .order_by(F("sent_on").asc(nulls_last=True), "pk")[: AWAITING_LIMIT + 1]
    )
    awaiting_more = len(awaiting) > AWAITING_LIMIT
    awaiting = awaiting[:AWAITING_LIMIT]
    # Both flags are read with the letters, by the rules of the selectors, never decided here.
    awaiting_rows = [
        {
            "letter": letter,
            "days": selectors.days_waiting(letter.sent, today=today),
            "overdue": selectors.flag_of(letter, "overdue"),
            "very_overdue": selectors.flag_of(letter, "very_overdue"),
        }
        for letter in awaiting
    ]
    overdue = list(
        selectors.with_letter_flags(
            selectors.letters_with_flag(Letter.objects.all(), "overdue", today=today),
            today=today,
        )
        .select_related("request__jurisdiction", "request__owner")
        .order_by(F("due_on").asc(), "pk")[: AWAITING_LIMIT + 1]
    )
    overdue_rows = [
        {
            "letter": letter,
            "days_overdue": selectors.days_overdue(letter, today=today),
            "very_overdue": selectors.flag_of(letter, "very_overdue"),
        }
        for letter in overdue[:AWAITING_LIMIT]
    ]
    owned_open = open_by_owner.get(request.user.get_username(), 0)
    return render(
        request,
        "tracker/dashboard.html",
        {
            "next_rows": next_rows,
            "open_total": sum(n for s, n in counts.items() if State(s) not in CLOSED_STATES),
            "counts": [
                (state, counts.get(state.value, 0))
                for state in State
                if state not in CLOSED_STATES or counts.get(state.value)
            ],
            "by_owner": by_owner,
            "awaiting": awaiting_rows,
            "awaiting_more": awaiting_more,
            "overdue": overdue_rows,
            "overdue_more": len(overdue) > AWAITING_LIMIT,
            "recent": _recent_activity(),
            "owned": owned[:OWNED_LIMIT],
            "owned_more": len(owned) > OWNED_LIMIT,
            "owned_open": owned_open,
        },
    )


# --- Jurisdiction ---------------------------------------------------------------------


@staff_page
def jurisdiction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(may_read_timelines(request.user))
    jurisdiction = get_object_or_404(Jurisdiction, pk=pk)
    today = timezone.localdate()
    timeline = selectors.jurisdiction_timeline(
        jurisdiction,
        audience=Audience.STAFF,
        requests=OptOutRequest.objects.select_related("owner").order_by("pk"),
        letters=_letters(today),
        responses=_responses(),
        meetings=_meetings(),
        transitions=_transitions(),
    )
    letters = [entry.item for entry in timeline.entries if isinstance(entry.item, Letter)]
    _with_deadlines(letters, today)
    return render(
        request,
        "tracker/jurisdiction_detail.html",
        {
            "jurisdiction": jurisdiction,
            "requests": timeline.requests,
            "timeline": timeline.entries,
            "today": today,
        },
    )


# --- Request --------------------------------------------------------------------------


#: The quick forms of a request's page, all offering the same agencies.
QUICK_FORMS = ("letter_form", "response_form", "meeting_form")


def _in_case(optout: OptOutRequest) -> list[int]:
    """The agencies already in the case (its requesting agency, every letter's sender and
    recipients, every reply's and meeting's agencies), read from the loaded timeline."""
    found = {optout.requesting_agency_id} if optout.requesting_agency_id else set()
    for letter in optout.letters.all():
        found.add(letter.sender_id)
        found.update(agency.pk for agency in letter.recipients.all())
    found.update(response.agency_id for response in optout.responses.all())
    for meeting in optout.meetings.all():
        found.update(agency.pk for agency in meeting.agencies.all())
    return sorted(found)


def _agencies_found(form: AgencySearchForm) -> list[Agency]:
    """The agencies matching the page's "find another agency" box (none without a search)."""
    if not form.is_valid():
        return []
    return agencies_matching(form.cleaned_data["find_agency"])


def _merged(first: list[Agency], then: list[Agency]) -> list[Agency]:
    seen = {agency.pk for agency in first}
    return first + [agency for agency in then if agency.pk not in seen]


def _load_request(pk: int, today: dt.date) -> OptOutRequest:
    return get_object_or_404(
        selectors.with_timeline(
            selectors.with_case_summary(
                OptOutRequest.objects.select_related(
                    "jurisdiction", "owner", "requesting_agency", "requested_by"
                )
            ),
            audience=Audience.STAFF,
            letters=_letters(today),
            responses=_responses(),
            meetings=_meetings(),
            transitions=_transitions(),
        ),
        pk=pk,
    )


def _request_page(
    request: HttpRequest,
    pk: int,
    *,
    status: int = 200,
    letter_form: LetterForm | None = None,
    response_form: IncomingForm | None = None,
    meeting_form: MeetingForm | None = None,
    move_form: TransitionForm | None = None,
    move_error: str = "",
    move_note: str = "",
    publish_error: str = "",
) -> HttpResponse:
    today = timezone.localdate()
    optout = _load_request(pk, today)
    user = request.user
    can = {
        "log_letter": may_add(user, Letter),
        "log_response": may_add(user, AgencyResponse),
        "log_meeting": may_add(user, Meeting),
        "receive_email": may_receive_email(user),
        "move": may_move(user),
        "publish": may_publish(user, optout),
        "edit": may_change(user, optout),
        "take": may_change(user, optout)
        and may_own_request(user)
        and optout.owner_id != getattr(user, "pk", None),
    }
    can["send_email"] = may_send_email(user)
    letters = list(optout.letters.all())
    _with_deadlines(letters, today)
    next_steps = selectors.request_next_steps(optout)
    context: dict[str, Any] = {
        "optout": optout,
        "state_description": STATE_DESCRIPTIONS[optout.state],
        "checklist": selectors.request_checklist(optout),
        "summary": selectors.case_summary(optout, today=today),
        # The moves a button makes at once, and those confirmed on a page of their own
        # with a reason (withdrawing), kept apart and never styled as the main button.
        "next_steps": [e for e in next_steps if e.target not in NEEDS_REASON],
        "confirmed_steps": [e for e in next_steps if e.target in NEEDS_REASON],
        "timeline": selectors.timeline_entries([optout], audience=Audience.STAFF),
        # Correspondence that concerns this request among others (Congress and the
        # departments): two queries, however many threads.
        "threads": selectors.request_threads(optout, audience=Audience.STAFF),
        "blocked_steps": selectors.request_blocked_steps(optout),
        "today": today,
        "new": request.GET.get("new", ""),
        "can": can,
        "move_error": move_error,
        "publish_error": publish_error,
        "request_published": selectors.is_published(optout),
        # A planned meeting's "Mark held" also offers the move it implies, when allowed.
        "held_meeting_move": (
            move_implied_by_held_meeting(optout.state, selectors.request_facts(optout))
            if can["move"]
            else None
        ),
    }
    # Each item's button is shown only to people who may change that kind of item,
    # as record_publish checks when the button is pressed.
    publishable = {model: may_publish(user, model) for model in PUBLISH_KIND_OF}
    # The same rule for the edit links, as the edit pages check when opened or posted.
    editable = {model: may_change(user, model) for model in PUBLISH_KIND_OF}
    for entry in context["timeline"]:
        # Events are published and edited on their own page (tracker/pages/events.py).
        if entry.kind not in ("transition", "event"):
            item: Any = entry.item
            item.shown_publicly = selectors.is_published(item)
            item.publish_kind = PUBLISH_KIND_OF[type(item)]
            item.may_publish = publishable[type(item)]
            item.may_edit = editable[type(item)]
    if may_view(user, Draft):
        context["drafts"] = list(outbox_selectors.drafts_of(optout))
        context["show_drafts"] = True
    if can["log_letter"]:
        context["letter_form"] = letter_form or OutgoingLetterForm(request=optout)
    if can["log_response"]:
        context["response_form"] = response_form or IncomingForm(
            request=optout, implied=_implied_moves(optout)
        )
    if can["log_meeting"]:
        context["meeting_form"] = meeting_form or MeetingForm(request=optout)
    quick_forms = [context[name] for name in QUICK_FORMS if name in context]
    if quick_forms:
        agency_search = AgencySearchForm(request.GET)
        found = _agencies_found(agency_search)
        offered = _merged(agencies_serving(optout.jurisdiction, also=_in_case(optout)), found)
        for form in quick_forms:
            form.offer_agencies(offered)
        context["agency_search"] = agency_search
        context["agencies_found"] = found
        context["agency_search_limit"] = AGENCY_SEARCH_LIMIT
        if not agency_search.is_valid() and status == 200:
            status = 400
    if can["move"]:
        context["move_form"] = move_form or TransitionForm(
            request=optout, initial={"version": optout.version, "note": move_note}
        )
    return render(request, "tracker/request_detail.html", context, status=status)


@staff_page
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(may_read_timelines(request.user))
    return _request_page(request, pk)


def _implied_moves(optout: OptOutRequest) -> list[str]:
    """ "kind of reply → move" for each move a reply would bring about now."""
    facts = selectors.request_facts(optout)
    lines = []
    for kind, label in AgencyResponse.Kind.choices:
        edge = move_implied_by_reply(optout.state, kind, facts)
        if edge is not None:
            lines.append(f"{label} → {edge.label}")
    return lines


def _new_item_url(optout: OptOutRequest, anchor: str) -> str:
    """The request's page with one timeline item highlighted."""
    return f"{optout.get_absolute_url()}?new={anchor}#{anchor}"


def _back_to(optout: OptOutRequest, anchor: str) -> HttpResponse:
    return redirect(_new_item_url(optout, anchor))


def _log_on_request(
    request: HttpRequest,
    pk: int,
    *,
    model: type[Any],
    form_class: Any,
    form_name: str,
    record: Any,
    kind: str,
    message: Any,
) -> HttpResponse:
    """The quick forms' one flow: check the person may add a ``model``, validate, call
    the service, then back to the request with the new item highlighted, or the page
    again (400) with the errors next to the fields and everything typed kept."""
    require(may_add(request.user, model))
    optout = get_object_or_404(OptOutRequest, pk=pk)
    form = form_class(request.POST, request.FILES, request=optout)

    def create(values: dict[str, Any]) -> Saved:
        item = record(request=optout, by=request.user, **values)
        return Saved(_new_item_url(optout, f"{kind}-{item.pk}"), message(item))

    saved = save_form_once(request, form, create)
    return saved or _request_page(request, pk, status=400, **{form_name: form})


def save_form_once(
    request: HttpRequest, form: Any, create: Callable[[dict[str, Any]], Saved]
) -> HttpResponse | None:
    """A sent form's one flow: validate it, save through ``create`` (given the cleaned
    values) once per submission, a second send answering as the first, and redirect;
    or ``None``, with the errors on the form: the fields', the services' refusals, or
    "already saved with other values"."""
    if not form.is_valid():
        return None
    values = dict(form.cleaned_data)
    token = values.pop("submission")
    try:
        return _saved(request, save_once(request, token, lambda: create(values)))
    except ValidationError as error:
        add_service_errors(form, error)
    except SentWithOtherValues as first:
        _sent_twice(form, first)
    return None


def _saved(request: HttpRequest, saved: Saved) -> HttpResponse:
    if saved.repeated:
        messages.info(
            request,
            gettext("%(saved)s This form was sent more than once; it was saved once.")
            % {"saved": saved.message},
        )
    else:
        messages.success(request, saved.message)
    return redirect(saved.location)


def _sent_twice(form: Any, first: SentWithOtherValues) -> None:
    """The form's token already saved a record with other values: save nothing, say
    where that record is, and let the person send this one as a new record."""
    form.add_error(None, already_used(first.location))
    form.renew_submission()


@staff_page
@require_POST
def letter_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _log_on_request(
        request,
        pk,
        model=Letter,
        form_class=OutgoingLetterForm,
        form_name="letter_form",
        record=services.letter_log,
        kind="letter",
        message=lambda letter: gettext("Letter logged: %(subject)s.") % {"subject": letter.subject},
    )


@staff_page
@require_POST
def response_create(request: HttpRequest, pk: int) -> HttpResponse:
    """The one way to log what an agency sent (a reply, a letter, an email, a fax), and
    with it, when ticked, the move its kind implies: one service, one transaction."""
    require(may_add(request.user, AgencyResponse))
    optout = get_object_or_404(selectors.with_facts(OptOutRequest.objects.all()), pk=pk)
    form = IncomingForm(request.POST, request.FILES, request=optout, implied=_implied_moves(optout))
    if form.is_valid():
        values = dict(form.cleaned_data)
        token = values.pop("submission")
        then_move = values.pop("then_move")
        version = values.pop("version")
        if then_move:
            require(may_move(request.user))

        def create() -> Saved:
            response, transition = services.response_record_and_move(
                request=optout,
                by=request.user,
                then_move=then_move,
                expected_version=version,
                **values,
            )
            message = gettext("Reply logged: %(reply)s.") % {"reply": response}
            if transition is not None:
                message += " " + gettext("Moved to %(state)s.") % {
                    "state": transition.get_to_state_display()
                }
            return Saved(_new_item_url(optout, f"response-{response.pk}"), message)

        try:
            return _saved(request, save_once(request, token, create))
        except ValidationError as error:
            add_service_errors(form, error)
        except services.DomainError as error:
            # Someone moved the request since the page was shown, or the move is no
            # longer allowed: nothing was saved, the form is shown again to re-send.
            form.add_error(
                "then_move",
                gettext("Nothing was saved: %(reason)s") % {"reason": error.message},
            )
            form.data = data = cast(QueryDict, form.data).copy()
            data[form.add_prefix("version")] = str(
                OptOutRequest.objects.values_list("version", flat=True).get(pk=pk)
            )
        except SentWithOtherValues as first:
            _sent_twice(form, first)
    return _request_page(request, pk, status=400, response_form=form)


@staff_page
@require_POST
def meeting_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _log_on_request(
        request,
        pk,
        model=Meeting,
        form_class=MeetingForm,
        form_name="meeting_form",
        record=services.meeting_record,
        kind="meeting",
        message=lambda meeting: gettext("%(meeting)s logged.") % {"meeting": meeting},
    )


def _move(request: HttpRequest, pk: int, *, reopen: bool) -> HttpResponse:
    require(may_move(request.user))
    optout = get_object_or_404(OptOutRequest, pk=pk)
    form = TransitionForm(request.POST, request=optout, reopening=reopen)
    if not form.is_valid():
        if "version" in form.errors:
            # The page is re-read with the current version, keeping the note typed.
            return _request_page(
                request,
                pk,
                move_error=" ".join(str(e) for e in form.errors["version"]),
                move_note=form.cleaned_data.get("note", ""),
                status=400,
            )
        return _request_page(request, pk, move_form=form, status=400)
    data = form.cleaned_data
    if not data["reopen"] and data["to"] in NEEDS_REASON:
        # Withdrawing is confirmed on a page of its own, with the reason.
        return _confirm_page(
            request, optout, to=State(data["to"]), note=data["note"], happened=data["happened"]
        )
    try:
        if data["reopen"]:
            transition = services.request_reopen(
                request=optout,
                by=request.user,
                note=data["note"],
                expected_version=data["version"],
                happened=data["happened"],
            )
        else:
            transition = services.request_transition(
                request=optout,
                to=data["to"],
                by=request.user,
                note=data["note"],
                letter=data["letter"],
                response=data["response"],
                expected_version=data["version"],
                happened=data["happened"],
            )
    except ValidationError as error:
        # A date ahead of today or before the last move: an error of the date's field.
        form.add_error(None, error)
        return _request_page(request, pk, move_form=form, status=400)
    except services.DomainError as error:
        # The page is re-read, so the buttons shown are the ones allowed now and the
        # form carries the current version: having read the reason, the person can
        # press again without retyping the note.
        return _request_page(
            request, pk, move_error=error.message, move_note=data["note"], status=409
        )
    messages.success(
        request, gettext("Moved to %(state)s.") % {"state": transition.get_to_state_display()}
    )
    return _back_to(optout, f"transition-{transition.pk}")


@staff_page
@require_POST
def request_move(request: HttpRequest, pk: int) -> HttpResponse:
    return _move(request, pk, reopen=False)


# --- Withdrawing and re-opening: confirmed, with the reason -------------------------------


def _confirm_page(
    request: HttpRequest,
    optout: OptOutRequest,
    *,
    to: State | None,
    note: str = "",
    happened: PartialDate | None = None,
    form: ConfirmMoveForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    """The page that confirms a withdrawal (``to``) or a re-opening (``to`` None)."""
    edge = find_edge(optout.state, to) if to is not None else None
    return render(
        request,
        "tracker/request_confirm.html",
        {
            "optout": optout,
            "reopening": to is None,
            "edge": edge,
            "form": form
            or ConfirmMoveForm(
                initial={
                    "note": note,
                    "version": optout.version,
                    **({"happened": happened} if happened else {}),
                }
            ),
            "error": error,
            "summary": selectors.case_summary(optout),
        },
        status=status,
    )


def _confirmed_move(request: HttpRequest, pk: int, *, to: State | None) -> HttpResponse:
    require(may_move(request.user))
    optout = get_object_or_404(
        selectors.with_case_summary(OptOutRequest.objects.select_related("jurisdiction")), pk=pk
    )
    if request.method != "POST":
        return _confirm_page(request, optout, to=to)
    form = ConfirmMoveForm(request.POST)
    if not form.is_valid():
        return _confirm_page(request, optout, to=to, form=form, status=400)
    data = form.cleaned_data
    try:
        if to is None:
            transition = services.request_reopen(
                request=optout,
                by=request.user,
                note=data["note"],
                expected_version=data["version"],
                happened=data["happened"],
            )
        else:
            transition = services.request_transition(
                request=optout,
                to=to,
                by=request.user,
                note=data["note"],
                expected_version=data["version"],
                happened=data["happened"],
            )
    except ValidationError as error:
        form.add_error(None, error)
        return _confirm_page(request, optout, to=to, form=form, status=400)
    except services.DomainError as error:
        # The page is shown again on the request as it is now, with the reason typed.
        optout = get_object_or_404(
            selectors.with_case_summary(OptOutRequest.objects.select_related("jurisdiction")),
            pk=pk,
        )
        return _confirm_page(
            request, optout, to=to, note=data["note"], error=error.message, status=409
        )
    messages.success(
        request, gettext("Moved to %(state)s.") % {"state": transition.get_to_state_display()}
    )
    return _back_to(optout, f"transition-{transition.pk}")


@staff_page
def request_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw the request: a page that asks for the reason, then the move."""
    return _confirmed_move(request, pk, to=State.WITHDRAWN)


@staff_page
def request_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    """Re-open a closed request: a page that asks for the reason, then the move."""
    return _confirmed_move(request, pk, to=None)


# --- Editing from the case page -------------------------------------------------------------

#: What the case page can edit: the model, its edit form, and how the page names it.
EDITABLE: dict[str, tuple[type[Any], Any]] = {
    "request": (OptOutRequest, RequestEditForm),
    "letter": (Letter, LetterEditForm),
    "response": (AgencyResponse, ResponseEditForm),
    "meeting": (Meeting, MeetingEditForm),
    "statement": (Statement, StatementEditForm),
    "thread": (CorrespondenceThread, ThreadEditForm),
    "threadletter": (ThreadLetter, ThreadLetterEditForm),
}


def _case_agencies(optout: OptOutRequest) -> list[int]:
    """The agencies already in the case, for an edit page's pickers (four queries)."""
    found = {optout.requesting_agency_id} if optout.requesting_agency_id else set()
    found.update(Letter.objects.filter(request=optout).values_list("sender_id", flat=True))
    found.update(
        Letter.recipients.through.objects.filter(letter__request=optout).values_list(
            "agency_id", flat=True
        )
    )
    found.update(AgencyResponse.objects.filter(request=optout).values_list("agency_id", flat=True))
    found.update(
        Meeting.agencies.through.objects.filter(meeting__request=optout).values_list(
            "agency_id", flat=True
        )
    )
    return sorted(pk for pk in found if pk is not None)


def _back_from_edit(kind: str, item: Any) -> str:
    if kind == "statement":
        return f"{reverse('statements')}#statement-{item.pk}"
    if kind == "thread":
        return str(item.get_absolute_url())
    if kind == "threadletter":
        return f"{item.thread.get_absolute_url()}#threadletter-{item.pk}"
    if kind == "request":
        return str(item.get_absolute_url())
    return _new_item_url(item.request, f"{kind}-{item.pk}")


def _edit_page(
    request: HttpRequest,
    kind: str,
    item: Any,
    form: Any,
    *,
    status: int = 200,
    error: str = "",
) -> HttpResponse:
    context: dict[str, Any] = {
        "kind": kind,
        "item": item,
        "form": form,
        "error": error,
        "optout": item if kind == "request" else getattr(item, "request", None),
        "back": _back_from_edit(kind, item).split("?")[0],
        "multipart": any(isinstance(f, dj_forms.FileField) for f in form.fields.values()),
    }
    if isinstance(form, OffersAgencies):
        agency_search = AgencySearchForm(request.GET)
        found = _agencies_found(agency_search)
        optout = context["optout"]
        if optout is None:
            offered = _merged(agencies_above_local(), found)
        else:
            offered = _merged(
                agencies_serving(optout.jurisdiction, also=_case_agencies(optout)), found
            )
        form.offer_agencies(offered)
        context["agency_search"] = agency_search
        context["agencies_found"] = found
        context["agency_search_limit"] = AGENCY_SEARCH_LIMIT
        if not agency_search.is_valid() and status == 200:
            status = 400
    return render(request, "tracker/record_edit.html", context, status=status)


@staff_page
def record_edit(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Correct a request's details (its owner too), a letter, a reply, a meeting or a
    statement: the record's values in its form, saved through ``services.record_edit``
    with the version the page showed (an edit on an older version is refused and names
    what changed since); the history keeps every edit."""
    if kind not in EDITABLE:
        raise Http404(gettext("Nothing of that kind can be edited here."))
    model, form_class = EDITABLE[kind]
    require(may_change(request.user, model))
    related = {
        "request": ["jurisdiction", "owner"],
        "statement": ["agency"],
        "thread": [],
        "threadletter": ["thread", "statement"],
    }.get(kind, ["request__jurisdiction"])
    rows = model.objects.select_related(*related) if related else model.objects.all()
    item = get_object_or_404(rows, pk=pk)
    if request.method != "POST":
        return _edit_page(request, kind, item, form_class(instance=item))
    form = form_class(request.POST, request.FILES, instance=item)
    if not form.is_valid():
        return _edit_page(request, kind, item, form, status=400)
    plain, m2m = edited_values(form, model)
    try:
        services.record_edit(
            item,
            by=request.user,
            expected_version=form.cleaned_data["version"],
            values=plain,
            m2m=m2m,
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _edit_page(request, kind, item, form, status=400)
    except services.DomainError as error:
        # Someone saved it since the page was opened (or deleted it): nothing is saved,
        # what changed is named, and what was typed stays on the page with the version
        # it was typed on, so that sending it again cannot undo the other edit unseen.
        return _edit_page(request, kind, item, form, status=409, error=error.message)
    messages.success(
        request,
        gettext("%(kind)s “%(item)s” saved.")
        % {"kind": str(model._meta.verbose_name).capitalize(), "item": item},
    )
    return redirect(_back_from_edit(kind, item))


@staff_page
@require_POST
def meeting_status(request: HttpRequest, pk: int) -> HttpResponse:
    """A planned meeting's "Mark held" and "Cancel" buttons. A meeting marked held needs
    its date: without one (or with one ahead), its edit page opens with the error."""
    require(may_change(request.user, Meeting))
    meeting = get_object_or_404(Meeting.objects.select_related("request__jurisdiction"), pk=pk)
    form = MeetingStatusForm(request.POST)
    if not form.is_valid():
        return redirect(_new_item_url(meeting.request, f"meeting-{meeting.pk}"))
    status = form.cleaned_data["status"]
    moved: Transition | None = None
    try:
        if form.cleaned_data["then_move"]:
            require(may_move(request.user))
            meeting, moved = services.meeting_held_and_move(
                meeting=meeting,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                request_version=form.cleaned_data["request_version"],
            )
        else:
            services.meeting_set_status(
                meeting=meeting,
                by=request.user,
                status=status,
                expected_version=form.cleaned_data["version"],
            )
    except ValidationError as error:
        fresh = get_object_or_404(Meeting.objects.select_related("request__jurisdiction"), pk=pk)
        bound = MeetingEditForm(_as_posted(MeetingEditForm(instance=fresh)), instance=fresh)
        cast(QueryDict, bound.data)[bound.add_prefix("status")] = status
        bound.is_valid()
        add_service_errors(bound, error)
        return _edit_page(request, "meeting", fresh, bound, status=400)
    except services.DomainError as error:
        return _request_page(request, meeting.request_id, status=409, publish_error=error.message)
    messages.success(request, gettext("%(meeting)s saved.") % {"meeting": meeting})
    if moved is not None:
        messages.success(
            request, gettext("Moved to %(state)s.") % {"state": moved.get_to_state_display()}
        )
    return _back_to(meeting.request, f"meeting-{meeting.pk}")


def _as_posted(form: Any) -> QueryDict:
    """An unbound edit form's starting values as a POST would send them."""
    query = QueryDict(mutable=True)
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        key = form.add_prefix(name)
        if isinstance(value, list | tuple):
            query.setlist(key, [str(v) for v in value])
        elif value is not None and not isinstance(field, dj_forms.FileField):
            query[key] = str(field.prepare_value(value))
    return query


@staff_page
@require_POST
def request_take(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Take this case": the signed-in person becomes the request's owner on staff."""
    require(may_change(request.user, OptOutRequest))
    optout = get_object_or_404(OptOutRequest, pk=pk)
    form = OwnerForm(request.POST)
    error = ""
    if not form.is_valid():
        error = " ".join(str(e) for e in form.errors.get("version", [])) or gettext(
            "Reload the request's page and press the button again."
        )
    else:
        try:
            services.record_edit(
                optout,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                values={"owner": request.user},
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        except services.DomainError as exc:
            error = exc.message
    if error:
        return _request_page(request, pk, status=409, publish_error=error)
    messages.success(request, gettext("You are now the owner of this request."))
    return redirect(optout.get_absolute_url())


# --- Attachments ----------------------------------------------------------------------


#: The records whose file the staff pages serve, by the word their addresses pass.
_FILE_RECORDS: dict[str, QuerySet[Any]] = {
    "letter": Letter.objects.all(),
    "response": AgencyResponse.objects.select_related("agency"),
    "statement": Statement.objects.all(),
}


@staff_page
def record_file(request: HttpRequest, pk: int, *, kind: str, preview: bool = False) -> FileResponse:
    """A letter's, reply's or statement's file as a download, or (``preview``) a PDF or
    an image shown in the browser; any other file has no preview and only downloads."""
    rows = _FILE_RECORDS[kind]
    require(may_view(request.user, rows.model))
    record = get_object_or_404(rows, pk=pk)
    serve = attachment_preview if preview else attachment_response
    return serve(record, record.file_field_name)


# --- Search ---------------------------------------------------------------------------


#: The heading of each kind of result on the search page.
SEARCH_HEADINGS: dict[selectors.SearchKind, Any] = {
    selectors.SearchKind.REQUESTS: gettext_lazy("Requests"),
    selectors.SearchKind.LETTERS: gettext_lazy("Letters"),
    selectors.SearchKind.RESPONSES: gettext_lazy("Replies"),
    selectors.SearchKind.MEETINGS: gettext_lazy("Meetings"),
    selectors.SearchKind.STATEMENTS: gettext_lazy("Statements"),
    selectors.SearchKind.CONTACTS: gettext_lazy("Contacts"),
    selectors.SearchKind.AGENCIES: gettext_lazy("Agencies"),
    selectors.SearchKind.JURISDICTIONS: gettext_lazy("Jurisdictions"),
}


@staff_page
def search(request: HttpRequest) -> HttpResponse:
    """Every kind of record, a few of each; ``?kind=letters&page=2`` pages through one."""
    form = SearchForm(request.GET)
    valid = form.is_valid()
    query = form.cleaned_data["q"] if valid else ""
    kind = form.cleaned_data.get("kind") or None if valid else None
    page = form.cleaned_data.get("page") or 1 if valid else 1
    results = selectors.search(query, kind=kind, page=page) if query else None
    sections = [
        {"section": section, "heading": SEARCH_HEADINGS[section.kind]}
        for section in (results.sections if results else [])
    ]
    return render(
        request,
        "tracker/search.html",
        {
            "form": form,
            "results": results,
            "sections": sections,
            "full_text": selectors.uses_full_text(),
            "search_query": query,
        },
        status=200 if valid else 400,
    )


# --- Lists of requests and letters, with their CSV ----------------------------------------


def _filtered_list(
    request: HttpRequest,
    filterset: Any,
    spec: exports.CsvSpec,
    template: str,
    page_rows: Callable[[QuerySet[Any]], QuerySet[Any]],
) -> HttpResponseBase:
    """One list page and its CSV: the same FilterSet decides the rows of both."""
    # No filter at all is the whole list, not an invalid form.
    valid = not filterset.is_bound or filterset.is_valid()
    if request.GET.get("format") == "csv":
        if not valid:
            errors = "; ".join(
                f"{name}: {' '.join(messages_)}" for name, messages_ in filterset.errors.items()
            )
            return HttpResponse(
                gettext("Invalid filter: %(errors)s") % {"errors": errors},
                status=400,
                content_type="text/plain",
            )
        return exports.csv_response(spec, filterset.qs)
    page = capped_page(filterset.qs, request.GET.get("page"), LIST_PAGE_SIZE, load=page_rows)
    filterset.offer_jurisdictions()
    return render(
        request,
        template,
        {"filter": filterset, "page": page, "today": timezone.localdate()},
        status=200 if valid else 400,
    )


@staff_page
def letter_list(request: HttpRequest) -> HttpResponseBase:
    require(may_view(request.user, Letter))
    today = timezone.localdate()
    letters = Letter.objects.order_by(F("sent_on").asc(nulls_last=True), "pk")
    return _filtered_list(
        request,
        LetterListFilter(request.GET or None, queryset=letters),
        exports.LETTERS,
        "tracker/letter_list.html",
        lambda qs: selectors.with_letter_flags(
            qs.select_related("request__jurisdiction", "request__owner", "sender"), today=today
        ).prefetch_related("recipients"),
    )


@staff_page
def request_list(request: HttpRequest) -> HttpResponseBase:
    today = timezone.localdate()
    requests = OptOutRequest.objects.order_by("jurisdiction__state", "jurisdiction__name", "pk")
    return _filtered_list(
        request,
        RequestListFilter(request.GET or None, queryset=requests),
        exports.REQUESTS,
        "tracker/request_list.html",
        lambda qs: selectors.with_request_flags(
            qs.select_related("jurisdiction", "owner"), today=today
        ),
    )


# --- Statements and publishing ------------------------------------------------------------

PUBLISH_KIND_OF: dict[type[Any], str] = {
    OptOutRequest: "request",
    Letter: "letter",
    AgencyResponse: "response",
    Meeting: "meeting",
    Statement: "statement",
}
_PUBLISHABLE: dict[str, type[Any]] = {kind: model for model, kind in PUBLISH_KIND_OF.items()}


#: The contradictions the staff statements page lists (the public page lists them all).
STAFF_PAIRS_SHOWN = 50


def _statements_page(
    request: HttpRequest,
    *,
    form: StatementForm | None = None,
    status: int = 200,
    publish_error: str = "",
) -> HttpResponse:
    statements = Statement.objects.select_related("agency")
    page = Paginator(statements, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    for statement in page.object_list:
        statement.shown_publicly = selectors.is_published(statement)  # type: ignore[attr-defined]
    can_add = may_add(request.user, Statement)
    # Every statement, published or not: staff see the pairs before they are public,
    # those of one agency's family and those of different agencies on one topic.
    pairs = contradictions(Statement.objects.select_related("agency"))
    context: dict[str, Any] = {
        "contradictions": pairs[:STAFF_PAIRS_SHOWN],
        "contradiction_count": len(pairs),
        "page": page,
        "form": None,
        "can_publish": may_publish(request.user, Statement),
        "can_edit": may_change(request.user, Statement),
        "publish_error": publish_error,
    }
    if can_add:
        agency_search = AgencySearchForm(request.GET)
        found = _agencies_found(agency_search)
        context["form"] = form = form or StatementForm()
        form.offer_agencies(_merged(agencies_above_local(), found))
        context["agency_search"] = agency_search
        context["agencies_found"] = found
        context["agency_search_limit"] = AGENCY_SEARCH_LIMIT
        if not agency_search.is_valid() and status == 200:
            status = 400
    return render(request, "tracker/statement_list.html", context, status=status)


@staff_page
def statement_list(request: HttpRequest) -> HttpResponse:
    require(may_view(request.user, Statement))
    if request.method != "POST":
        return _statements_page(request)
    require(may_add(request.user, Statement))
    form = StatementForm(request.POST)

    def create(values: dict[str, Any]) -> Saved:
        statement = services.statement_record(by=request.user, **values)
        return Saved(
            f"{request.path}#statement-{statement.pk}",
            gettext("Statement logged: %(statement)s.") % {"statement": statement},
        )

    saved = save_form_once(request, form, create)
    return saved or _statements_page(request, form=form, status=400)


@staff_page
@require_POST
def record_publish(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Mark one request, letter, reply, meeting or statement public or not."""
    model = _PUBLISHABLE.get(kind)
    if model is None:
        raise Http404(gettext("Nothing of that kind can be published."))
    require(may_publish(request.user, model))
    item = get_object_or_404(model.objects.all(), pk=pk)
    # Statements belong to no request; everything else is published with its request.
    optout = item if isinstance(item, OptOutRequest) else getattr(item, "request", None)
    form = PublishForm(request.POST)
    error = ""
    if not form.is_valid():
        error = gettext("The publishing form was incomplete; reload the page and try again.")
    else:
        try:
            services.record_publish(
                item,
                by=request.user,
                public=form.cleaned_data["public"],
                expected_version=form.cleaned_data["version"],
            )
        except (services.DomainError, ValidationError) as exc:
            error = exc.message if isinstance(exc, services.DomainError) else str(exc)
    if error:
        if optout is None:
            return _statements_page(request, status=409, publish_error=error)
        return _request_page(request, optout.pk, status=409, publish_error=error)
    done = (
        gettext("%(kind)s “%(item)s” is now public.")
        if item.is_public
        else gettext("%(kind)s “%(item)s” is now not public.")
    )
    messages.success(
        request, done % {"kind": str(model._meta.verbose_name).capitalize(), "item": item}
    )
    if optout is None:
        return redirect(f"{reverse('statements')}#statement-{item.pk}")
    anchor = "" if kind == "request" else f"#{kind}-{item.pk}"
    return redirect(f"{optout.get_absolute_url()}{anchor}")
