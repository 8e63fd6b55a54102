"""Domain operations: the only way requests change status or correspondence is logged.

Every operation runs in one transaction. Operations that move a request lock
its row (``SELECT ... FOR UPDATE`` on PostgreSQL) and then claim it with a
version compare-and-swap, which also protects SQLite, where row locks do not
exist. The admin, the staff pages and the API call these functions and never
repeat their rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import connection, models, transaction
from django.db.models import Q, QuerySet
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.backups import archive_restored
from core.dates import (
    PartialDate,
    partial_date_stored_in,
    validate_not_future,
    validate_plausible_date,
)
from core.records import (
    CONSTRAINT_MESSAGES,
    DomainError,
    FieldChange,
    StaleRecord,
    User,
    changes_since,
    record_check_version,
    record_delete,
    record_deleted,
    record_save,
    record_saved,
    set_history_user,
    user_or_none,
)
from jurisdictions.models import Agency, Contact, Jurisdiction
from tracker.domain import events
from tracker.domain.deadlines import HolidayEntry
from tracker.domain.selectors import (
    awaiting_reply_from_rows,
    deadline_of,
    letter_deadline,
    request_facts,
    request_facts_from_rows,
    with_deadlines,
    with_facts,
)
from tracker.domain.workflow import (
    CLOSED_STATES,
    State,
    WorkflowError,
    check_reopen,
    check_transition,
    move_implied_by_held_meeting,
    move_implied_by_reply,
)
from tracker.models import (
    STORED_FACTS,
    AgencyResponse,
    Basis,
    CalendarToken,
    CorrespondenceThread,
    Event,
    Holiday,
    Letter,
    Meeting,
    OptOutRequest,
    Source,
    Statement,
    ThreadLetter,
    Transition,
)

__all__ = [
    "DomainError",
    "FieldChange",
    "StaleRecord",
    "TransitionRefused",
    "changes_since",
    "record_check_version",
    "record_delete",
    "record_save",
]

CONSTRAINT_MESSAGES.update(
    {
        "tracker_response_letter_same_request": _(
            "A reply recorded to this letter belongs to its request; "
            "the letter and its replies must stay on the same request."
        ),
        "tracker_response_not_before_letter": _(
            "A reply to this letter would then predate it; check the dates of both."
        ),
    }
)


# --- Errors -----------------------------------------------------------------------


class TransitionRefused(DomainError):
    """The workflow does not allow this move now (HTTP 409 in the API)."""

    code = "transition_not_allowed"

    def __init__(self, error: WorkflowError) -> None:
        super().__init__(error.message)
        self.current = error.current
        self.allowed = error.allowed


# --- Opening and logging ----------------------------------------------------------


def _create(instance: models.Model, by: User, *, announce: bool = True) -> None:
    """Validate a new record and save it with its author in the history, and announce it
    (``announce=False``: the caller does, once the rest of its writes are done)."""
    instance.full_clean()
    set_history_user(instance, by)
    instance.save()
    if announce:
        events.record_event("created", instance)


@transaction.atomic
def request_open(
    *,
    jurisdiction: Jurisdiction,
    title: str,
    by: User,
    seeks: str = OptOutRequest.Seeks.REMOVE_FROM_PLAN,
    summary: str = "",
    requesting_agency: Agency | None = None,
    requested_by: Contact | None = None,
    owner: Any = None,
    opened_on: PartialDate | None = None,
    is_public: bool = False,
    notes: str = "",
    source: str = "",
    sources: Iterable[Source] = (),
    basis: str = Basis.STATED,
    inference: str = "",
    reference: str = "",
) -> OptOutRequest:
    """Open a request in the draft state and log its creation."""
    request = OptOutRequest(
        jurisdiction=jurisdiction,
        title=title,
        seeks=seeks,
        summary=summary,
        requesting_agency=requesting_agency,
        requested_by=requested_by,
        owner=owner,
        is_public=is_public,
        notes=notes,
        source=source,
        basis=basis,
        inference=inference,
        reference=reference,
    )
    request.opened = opened_on or PartialDate(timezone.localdate())
    # Its first history row and its first status-log entry are written together.
    _create(request, by, announce=False)
    request.sources.set(list(sources))
    opening = Transition(
        request=request,
        from_state="",
        to_state=State.DRAFT,
        by=user_or_none(by),
        note="Request opened.",
    )
    # The opening happened when the request was opened, not when it was entered.
    opening.happened = request.opened
    opening.save()
    events.record_event("created", request)
    return request


def _refresh_due_date(letter: Letter, *, holidays: Iterable[dt.date] | None = None) -> bool:
    deadline = letter_deadline(letter, holidays=holidays)
    due_on = deadline.due_on if deadline else None
    very_overdue_on = deadline.very_overdue_on if deadline else None
    if (letter.due_on, letter.very_overdue_on) == (due_on, very_overdue_on):
        return False
    # A computed column, not an edit: no new version, no history row.
    Letter.objects.filter(pk=letter.pk).update(due_on=due_on, very_overdue_on=very_overdue_on)
    letter.due_on, letter.very_overdue_on = due_on, very_overdue_on
    return True


@transaction.atomic
def letters_recompute_due_dates(*, letters: QuerySet[Letter] | None = None) -> int:
    """Recompute the stored due dates after a reply window or the holiday list changed.

    Returns how many letters' dates changed. Reads the holiday list once and the
    recipients of all letters in one more query, whatever the number of letters.
    """
    queryset = Letter.objects.all() if letters is None else letters
    queryset = (
        queryset.filter(direction=Letter.Direction.OUTGOING)
        .only("pk", "request_id", "direction", *Letter.sent.columns, "due_on", "very_overdue_on")
        .prefetch_related("recipients")
        .order_by("pk")
    )
    changed: list[Letter] = []
    for letter in with_deadlines(queryset.iterator(chunk_size=500)):
        deadline = deadline_of(letter)
        dates = (deadline.due_on, deadline.very_overdue_on) if deadline else (None, None)
        if (letter.due_on, letter.very_overdue_on) != dates:
            letter.due_on, letter.very_overdue_on = dates
            changed.append(letter)
    # One UPDATE per 500 letters; computed columns, so no new version or history row.
    Letter.objects.bulk_update(changed, ["due_on", "very_overdue_on"], batch_size=500)
    # The requests' next due dates follow their letters'.
    _store_request_facts({letter.request_id for letter in changed})
    return len(changed)


@transaction.atomic
def holidays_load(*, entries: Iterable[HolidayEntry], by: User) -> tuple[int, int]:
    """Add the given holidays (renaming any already listed) and recompute due dates.

    Returns (added, renamed). All or nothing: one transaction.
    """
    added = renamed = 0
    existing = {h.date: h for h in Holiday.objects.all()}
    for entry in entries:
        holiday = existing.get(entry.date)
        if holiday is None:
            holiday = Holiday(date=entry.date, name=entry.name)
            added += 1
        elif holiday.name != entry.name:
            holiday.name = entry.name
            renamed += 1
        else:
            continue
        holiday.full_clean()
        set_history_user(holiday, by)
        holiday.save()
        existing[entry.date] = holiday
    if added or renamed:
        letters_recompute_due_dates()
    return added, renamed


#: How many requests one UPDATE of ``requests_recompute_facts`` names.
_FACTS_BATCH = 500


@transaction.atomic
def requests_recompute_facts(
    *, requests: QuerySet[OptOutRequest] | Iterable[int | None] | None = None
) -> int:
    """Store each request's workflow facts and flag dates (``models.STORED_FACTS``),
    worked out from its letters, replies, meetings and status log by the rules of
    ``selectors.request_facts_from_rows``: for the given requests (a queryset or
    primary keys), or for every request.

    Returns how many requests' stored columns changed. The given requests are locked
    (a concurrent write to them commits first), one SELECT works the rules out, and
    one UPDATE per 500 requests that changed stores them; computed columns, so no new
    version or history row. Every write that changes a request's letters
    (and their recipients, replies and due dates), replies, meetings or status calls
    it for the requests concerned, in the same transaction; data loaded without the
    services (fixtures, bulk loads) calls it for all. A letter's "awaiting a reply"
    is read as stored: recompute the letters first (``letters_recompute_awaiting``).
    """
    return _store_request_facts(requests)


_R = TypeVar("_R", bound=models.Model)


def _given_rows(model: type[_R], given: QuerySet[_R] | Iterable[int | None]) -> QuerySet[_R] | None:
    """The rows a recompute is asked for, a queryset or primary keys (None: no row)."""
    if isinstance(given, QuerySet):
        return given
    keys = {pk for pk in given if pk is not None}
    return model._default_manager.filter(pk__in=keys) if keys else None


def _store_request_facts(
    requests: QuerySet[OptOutRequest] | Iterable[int | None] | None,
) -> int:
    # requests_recompute_facts, for the services already inside their transaction.
    if requests is None:
        queryset = OptOutRequest.objects.all()
        if connection.vendor == "postgresql":
            # The planner prices the correlated subqueries over every request far above
            # what they cost and would spend longer compiling the query (JIT) than
            # running it.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
    elif (given := _given_rows(OptOutRequest, requests)) is None:
        return 0
    else:
        queryset = given
    if requests is not None:
        # Wait for any other write to these requests to commit, so that the rules
        # below see its rows (NO KEY: logging a letter only holds a key share).
        locked = list(
            queryset.select_for_update(no_key=True, of=("self",))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        queryset = OptOutRequest.objects.filter(pk__in=locked)
    rules = request_facts_from_rows()
    worked_out = queryset.order_by().annotate(
        **{f"rule_{name}": rule for name, rule in rules.items()}
    )
    rows = worked_out.values("pk", *STORED_FACTS, *(f"rule_{name}" for name in STORED_FACTS))
    changed = [
        row["pk"]
        for row in rows.iterator(chunk_size=2000)
        if any(row[name] != row[f"rule_{name}"] for name in STORED_FACTS)
    ]
    for start in range(0, len(changed), _FACTS_BATCH):
        batch = changed[start : start + _FACTS_BATCH]
        OptOutRequest.objects.filter(pk__in=batch).update(**rules)
    return len(changed)


@transaction.atomic
def letters_recompute_awaiting(
    *, letters: QuerySet[Letter] | Iterable[int | None] | None = None
) -> int:
    """Store whether each letter is still awaiting a reply, worked out from its replies
    (``selectors.awaiting_reply_from_rows``): for the given letters (a queryset or
    primary keys), or for every letter.

    Returns how many letters' state changed. Two UPDATEs, whatever the number of
    letters; a computed column, so no new version or history row. Every write that
    logs, edits or deletes a letter or a response calls it for the letters concerned;
    data loaded without the services (fixtures, bulk loads) calls it for all.
    """
    if letters is None:
        queryset = Letter.objects.all()
    elif (given := _given_rows(Letter, letters)) is None:
        return 0
    else:
        queryset = given
    rule = awaiting_reply_from_rows()
    started = queryset.filter(rule).exclude(awaiting_reply=True).update(awaiting_reply=True)
    ended = queryset.filter(awaiting_reply=True).exclude(rule).update(awaiting_reply=False)
    return started + ended


def _letters_concerned_by_letter(letter: Letter, previous: Letter | None) -> set[int | None]:
    # The saved letter itself (its stored state is written back by the save, and its
    # direction may have changed) and the letters it answers, before and after.
    concerned = {letter.pk, letter.in_reply_to_id}
    if previous is not None:
        concerned.add(previous.in_reply_to_id)
    return concerned


def _requests_of(instance: models.Model, previous: models.Model | None) -> set[int | None]:
    # The record's request, and the one it was moved from.
    concerned = {getattr(instance, "request_id", None)}
    if previous is not None:
        concerned.add(getattr(previous, "request_id", None))
    return concerned


def _requests_writing_to(agency: Agency) -> QuerySet[OptOutRequest]:
    return OptOutRequest.objects.filter(
        pk__in=Letter.objects.filter(recipients=agency).values("request_id")
    )


@receiver(record_saved)
def _after_record_saved(
    sender: type[models.Model],
    instance: models.Model,
    previous: models.Model | None = None,
    **_: Any,
) -> None:
    """A letter's dates, its recipients' reply windows and the holiday list decide its
    stored due dates; its direction, its replies and the letters it answers decide
    whether it awaits a reply; a request's letters, replies, meetings and recipients'
    kinds decide its stored facts: an edit of any of them keeps those columns true.
    The webhooks are told of it."""
    events.record_event("created" if previous is None else "changed", instance)
    if isinstance(instance, Letter):
        _refresh_due_date(instance)
        old = previous if isinstance(previous, Letter) else None
        letters_recompute_awaiting(letters=_letters_concerned_by_letter(instance, old))
        _store_request_facts(_requests_of(instance, previous))
    elif isinstance(instance, AgencyResponse):
        old_letter = previous.letter_id if isinstance(previous, AgencyResponse) else None
        if previous is None or old_letter != instance.letter_id:
            letters_recompute_awaiting(letters={instance.letter_id, old_letter})
        _store_request_facts(_requests_of(instance, previous))
    elif isinstance(instance, Meeting):
        _store_request_facts(_requests_of(instance, previous))
    elif isinstance(instance, OptOutRequest):
        # An edit saves every column, the stored ones as they were read: put them back.
        _store_request_facts([instance.pk])
    elif isinstance(instance, Holiday):
        letters_recompute_due_dates()
    elif isinstance(instance, Agency) and instance.pk is not None:
        letters_recompute_due_dates(letters=Letter.objects.filter(recipients=instance))
        if isinstance(previous, Agency) and previous.kind != instance.kind:
            # Whether a request notified the program office or the SIB.
            _store_request_facts(_requests_writing_to(instance))


@receiver(archive_restored)
def _after_archive_restored(**_: Any) -> None:
    """A restored archive may come from a release that stored less: work out every
    derived column again (due dates, then waiting states, then the requests' facts,
    each reading the one before)."""
    letters_recompute_due_dates()
    letters_recompute_awaiting()
    requests_recompute_facts()


@receiver(record_deleted)
def _after_record_deleted(
    sender: type[models.Model], instance: models.Model, pk: Any = None, **_: Any
) -> None:
    events.record_event("deleted", instance, pk=pk)
    if isinstance(instance, Holiday):
        letters_recompute_due_dates()
    elif isinstance(instance, Letter):
        # A deleted reply letter no longer ends the wait of the letter it answered.
        letters_recompute_awaiting(letters={instance.in_reply_to_id})
        _store_request_facts({instance.request_id})
    elif isinstance(instance, AgencyResponse):
        letters_recompute_awaiting(letters={instance.letter_id})
        _store_request_facts({instance.request_id})
    elif isinstance(instance, Meeting):
        _store_request_facts({instance.request_id})
    elif isinstance(instance, Agency):
        # The letters it received lost it as a recipient: the requests that notified an
        # agency of its kind may no longer have.
        notified: dict[str, Q] = {
            Agency.Kind.PROGRAM_OFFICE: Q(notified_program_office=True),
            Agency.Kind.SIB: Q(notified_sib=True),
        }
        if instance.kind in notified:
            _store_request_facts(OptOutRequest.objects.filter(notified[instance.kind]))


def _check_belongs(request: OptOutRequest, **related: Letter | AgencyResponse | None) -> None:

    errors = {
        name: gettext("This %(kind)s belongs to another request.")
        % {"kind": obj._meta.verbose_name}
        for name, obj in related.items()
        if obj is not None and obj.request_id != request.pk
    }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def letter_log(
    *,
    request: OptOutRequest,
    by: User,
    sender: Agency,
    subject: str,
    direction: str = Letter.Direction.OUTGOING,
    recipients: Iterable[Agency] = (),
    recipient_contacts: Iterable[Contact] = (),
    sender_contact: Contact | None = None,
    method: str = Letter.Method.MAIL,
    sent_on: PartialDate | None = None,
    received_on: PartialDate | None = None,
    summary: str = "",
    attachment: File[Any] | None = None,
    in_reply_to: Letter | None = None,
    is_public: bool = False,
    notes: str = "",
    source: str = "",
    sources: Iterable[Source] = (),
    basis: str = Basis.STATED,
    inference: str = "",
) -> Letter:
    """Log a letter on a request; an outgoing one gets its reply due date."""
    _check_belongs(request, in_reply_to=in_reply_to)
    letter = Letter(
        request=request,
        direction=direction,
        sender=sender,
        sender_contact=sender_contact,
        method=method,
        subject=subject,
        summary=summary,
        in_reply_to=in_reply_to,
        is_public=is_public,
        notes=notes,
        source=source,
        basis=basis,
        inference=inference,
    )
    letter.sent, letter.received = sent_on, received_on
    # Nothing answers a letter not yet logged: an outgoing one starts waiting.
    letter.awaiting_reply = letter.is_outgoing
    if attachment is not None:
        letter.attachment = attachment
    _create(letter, by)
    letter.sources.set(list(sources))
    letter.recipients.set(list(recipients))
    letter.recipient_contacts.set(list(recipient_contacts))
    _refresh_due_date(letter)
    if in_reply_to is not None:
        # An incoming reply ends the wait of the letter it answers.
        letters_recompute_awaiting(letters=[in_reply_to.pk])
    _store_request_facts([request.pk])
    return letter


@transaction.atomic
def response_record(
    *,
    request: OptOutRequest,
    by: User,
    agency: Agency,
    kind: str,
    responded_on: PartialDate | None = None,
    letter: Letter | None = None,
    summary: str = "",
    attachment: File[Any] | None = None,
    is_public: bool = False,
    notes: str = "",
    source: str = "",
    sources: Iterable[Source] = (),
    basis: str = Basis.STATED,
    inference: str = "",
) -> AgencyResponse:
    """Record an agency's reply; a reply to a letter ends that letter's wait."""
    _check_belongs(request, letter=letter)
    response = AgencyResponse(
        request=request,
        letter=letter,
        agency=agency,
        kind=kind,
        summary=summary,
        is_public=is_public,
        notes=notes,
        source=source,
        basis=basis,
        inference=inference,
    )
    response.responded = responded_on
    if attachment is not None:
        response.attachment = attachment
    _create(response, by)
    response.sources.set(list(sources))
    if letter is not None:
        letters_recompute_awaiting(letters=[letter.pk])
    _store_request_facts([request.pk])
    return response


@transaction.atomic
def meeting_record(
    *,
    request: OptOutRequest,
    by: User,
    status: str = Meeting.Status.PLANNED,
    held_on: PartialDate | None = None,
    place: str = "",
    agencies: Iterable[Agency] = (),
    attendees: Iterable[Contact] = (),
    outcome: str = "",
    is_public: bool = False,
    notes: str = "",
    source: str = "",
    sources: Iterable[Source] = (),
    basis: str = Basis.STATED,
    inference: str = "",
) -> Meeting:
    meeting = Meeting(
        request=request,
        status=status,
        place=place,
        outcome=outcome,
        is_public=is_public,
        notes=notes,
        source=source,
        basis=basis,
        inference=inference,
    )
    meeting.held = held_on
    _create(meeting, by)
    meeting.sources.set(list(sources))
    meeting.agencies.set(list(agencies))
    meeting.attendees.set(list(attendees))
    _store_request_facts([request.pk])
    return meeting


# --- Moving a request ---------------------------------------------------------------


def _lock_request(request: OptOutRequest, expected_version: int | None) -> OptOutRequest:
    # Blocks a concurrent mover on PostgreSQL until this transaction ends, so the
    # second one re-reads the new status and is refused by the workflow.
    locked = (
        with_facts(OptOutRequest.objects.select_for_update(of=("self",)))
        .filter(pk=request.pk)
        .first()
    )
    if locked is None:
        raise DomainError(gettext("This request has been deleted."))
    if expected_version is not None and locked.version != expected_version:
        raise StaleRecord(locked, expected_version, locked.version)
    return locked


def _effective_date(locked: OptOutRequest, happened: PartialDate | None) -> PartialDate:
    """The date a move of ``locked`` happened: ``happened`` (today when not given), if it
    has happened already and is not certainly before the request's last move (or, for
    its first move, before the request was opened). Dates known to the month or the year
    are compared by their bounds: "2010" is not before "5 June 2010"."""
    date = happened or PartialDate(timezone.localdate())
    try:
        validate_plausible_date(date.earliest)
        validate_not_future(date.earliest)
    except ValidationError as error:
        raise ValidationError({"happened": error.messages}) from None
    last = (
        locked.transitions.exclude(from_state="")
        .order_by("-at", "-pk")
        .only("pk", *Transition.happened.columns)
        .first()
    )
    if last is not None and (bound := last.happened) is not None:
        message = gettext(
            "This move is dated %(date)s, before the request's last move on %(last)s."
        )
    elif (bound := locked.opened) is not None:
        message = gettext("This move is dated %(date)s, before the request was opened on %(last)s.")
    if bound is not None and date.latest < bound.earliest:
        raise ValidationError(
            {"happened": message % {"date": date.display(), "last": bound.display()}},
            code="move_before_last_move",
        )
    return date


def _move(
    locked: OptOutRequest,
    target: State,
    *,
    by: User,
    note: str,
    letter: Letter | None = None,
    response: AgencyResponse | None = None,
    happened: PartialDate | None = None,
) -> Transition:
    date = _effective_date(locked, happened)
    # Compare-and-swap on the version: on SQLite (no row locks) a writer that
    # read the same version before us finds zero rows here and is refused.
    claimed = OptOutRequest.objects.filter(pk=locked.pk, version=locked.version).update(
        version=locked.version
    )
    if not claimed:
        current = OptOutRequest.objects.filter(pk=locked.pk).values_list("version", flat=True)
        raise StaleRecord(locked, locked.version, current.first())
    source_state = locked.status
    locked.status = target
    # A request is closed on the first day its closing move may have happened, and never
    # before the first day it may have been opened (``closed_after_opened``).
    opened = locked.opened
    closed_on = max(date.earliest, opened.earliest) if opened is not None else date.earliest
    locked.closed_on = closed_on if target in CLOSED_STATES else None
    set_history_user(locked, by)
    locked.save(update_fields=["status", "closed_on"])
    transition = Transition(
        request=locked,
        from_state=source_state,
        to_state=target,
        by=user_or_none(by),
        note=note,
        letter=letter,
        response=response,
    )
    transition.happened = date
    transition.save()
    # A new status: no letter has been sent since it was entered.
    _store_request_facts([locked.pk])
    events.record_event("moved", locked, **{"from": source_state, "to": target.value})
    return transition


def _sync(request: OptOutRequest, locked: OptOutRequest) -> None:
    for field in ("status", "closed_on", "version", "updated_at"):
        setattr(request, field, getattr(locked, field))


@transaction.atomic
def request_transition(
    *,
    request: OptOutRequest,
    to: str,
    by: User,
    note: str = "",
    letter: Letter | None = None,
    response: AgencyResponse | None = None,
    expected_version: int | None = None,
    happened: PartialDate | None = None,
) -> Transition:
    """Move a request to ``to`` if the workflow allows it now, and log the move, dated
    ``happened`` (today when not given; see ``_effective_date``).

    Raises :class:`TransitionRefused` naming the current and the allowed states,
    :class:`StaleRecord` when ``expected_version`` is given and out of date, or a
    ``ValidationError`` on ``happened`` for a date ahead or before the last move.
    """
    try:
        target = State(to)
    except ValueError:
        raise TransitionRefused(
            WorkflowError(
                f"{to!r} is not a state. States: {', '.join(s.value for s in State)}.",
                current=request.state,
                allowed=[],
            )
        ) from None
    _check_belongs(request, letter=letter, response=response)
    locked = _lock_request(request, expected_version)
    try:
        check_transition(locked.state, target, request_facts(locked))
    except WorkflowError as error:
        raise TransitionRefused(error) from None
    transition = _move(
        locked, target, by=by, note=note, letter=letter, response=response, happened=happened
    )
    _sync(request, locked)
    return transition


@transaction.atomic
def request_reopen(
    *,
    request: OptOutRequest,
    by: User,
    note: str = "",
    expected_version: int | None = None,
    happened: PartialDate | None = None,
) -> Transition:
    """Bring a closed request back to the state it was closed from (dated ``happened``,
    today when not given)."""
    locked = _lock_request(request, expected_version)
    try:
        check_reopen(locked.state)
    except WorkflowError as error:
        raise TransitionRefused(error) from None
    closing = locked.transitions.filter(to_state=locked.status).order_by("-at", "-pk").first()
    target = State(closing.from_state) if closing and closing.from_state else State.DRAFT
    if target in CLOSED_STATES:
        target = State.DRAFT
    transition = _move(locked, target, by=by, note=note or "Re-opened.", happened=happened)
    _sync(request, locked)
    return transition


@transaction.atomic
def request_restore_status(
    *,
    request: OptOutRequest,
    to: str,
    by: User,
    version: int,
    expected_version: int | None = None,
) -> Transition | None:
    """Bring a request back to the status of its older ``version`` (a restore from its
    history), never by writing the status: through the workflow's move from its status
    now, logged with the note "Restored from version N" and the stored facts worked out
    again, as any move. None when the status is the same. Refused (:class:`DomainError`,
    naming both states and why) when the workflow does not allow that move now: a
    restore does not bypass the workflow, so the caller writes nothing of the restore
    (a closed request is re-opened first, then restored)."""
    if request.status == to:
        return None
    try:
        return request_transition(
            request=request,
            to=to,
            by=by,
            note=gettext("Restored from version %(version)s.") % {"version": version},
            expected_version=expected_version,
        )
    except TransitionRefused as error:
        raise DomainError(
            gettext(
                "Version %(version)s has the status “%(old)s”, and the workflow does not "
                "move a request from “%(now)s” to “%(old)s” now (%(why)s). Nothing was "
                "restored: move the request (or re-open it) first, or restore a version "
                "with its present status."
            )
            % {
                "version": version,
                "old": State(to).label if to in State.values else to,
                "now": request.state.label,
                "why": error.message.rstrip("."),
            }
        ) from None


# --- Plain edits with optimistic locking ---------------------------------------------


_Edited = TypeVar(
    "_Edited",
    OptOutRequest,
    Letter,
    AgencyResponse,
    Meeting,
    Statement,
    CorrespondenceThread,
    ThreadLetter,
    Event,
)


@transaction.atomic
def record_edit(
    instance: _Edited,
    *,
    by: User,
    expected_version: int | None,
    values: dict[str, Any],
    m2m: dict[str, Iterable[models.Model]] | None = None,
) -> _Edited:
    """Correct a record (a request, letter, reply, meeting, statement, event...).

    ``values`` are named as the model's columns (a partial date by its day's column:
    ``sent_on``, ``held_on``...); ``m2m`` the many-to-many choices. Saved through
    :func:`record_save`: only what changed is written, a stale version is refused with
    :class:`StaleRecord` naming what changed in between, the history keeps the edit,
    and the derived columns (due dates, waiting states, the request's facts) follow.
    """
    for name, value in values.items():
        stored = partial_date_stored_in(type(instance), name)
        setattr(instance, stored.name if stored else name, value)
    return record_save(
        instance,
        by=by,
        expected_version=expected_version,
        m2m={name: list(chosen) for name, chosen in (m2m or {}).items()},
    )


@transaction.atomic
def meeting_set_status(
    *,
    meeting: Meeting,
    by: User,
    status: str,
    expected_version: int | None,
    held_on: PartialDate | None = None,
) -> Meeting:
    """Mark a meeting held or cancelled (or planned again), with its date when given
    (``held_on``; otherwise the date it has is kept). A meeting marked held needs
    its date, and not one ahead: ``Meeting.clean`` refuses it otherwise. The staff
    pages, the API (``POST /api/v1/meetings/{id}/status/``) and the admin's actions
    all mark a meeting through here."""
    if status not in Meeting.Status.values:
        raise ValidationError({"status": gettext("Choose held, cancelled or planned.")})
    values: dict[str, Any] = {"status": status}
    if held_on is not None:
        values["held_on"] = held_on
    return record_edit(meeting, by=by, expected_version=expected_version, values=values)


@transaction.atomic
def meeting_held_and_move(
    *,
    meeting: Meeting,
    by: User,
    expected_version: int | None,
    request_version: int | None,
    happened: PartialDate | None = None,
    held_on: PartialDate | None = None,
) -> tuple[Meeting, Transition | None]:
    """Mark a planned meeting held and record that the request's meeting was held
    (``workflow.move_implied_by_held_meeting``), in one transaction: both or neither.
    The move is checked under the request's lock with the version the page showed; a
    refused move undoes the meeting's change too. No move allowed: the meeting alone."""
    held = meeting_set_status(
        meeting=meeting,
        by=by,
        status=Meeting.Status.HELD,
        expected_version=expected_version,
        held_on=held_on,
    )
    request = held.request
    locked = _lock_request(request, request_version)
    edge = move_implied_by_held_meeting(locked.state, request_facts(locked))
    if edge is None:
        return held, None
    transition = _move(
        locked,
        edge.target,
        by=by,
        note=gettext("The meeting of %(date)s was marked held.") % {"date": held.held},
        happened=happened,
    )
    _sync(request, locked)
    return held, transition


@transaction.atomic
def response_record_and_move(
    *,
    request: OptOutRequest,
    by: User,
    then_move: bool,
    expected_version: int | None = None,
    happened: PartialDate | None = None,
    **reply: Any,
) -> tuple[AgencyResponse, Transition | None]:
    """Record an agency's reply and, when ``then_move``, the move its kind implies
    (``workflow.move_implied_by_reply``: an acknowledgement records an acknowledgement,
    a meeting request ICE's meeting request...), in one transaction: both or neither.

    The move is checked under the request's lock after the reply is logged, with the
    version the page showed; a refused move (:class:`TransitionRefused`,
    :class:`StaleRecord`) undoes the reply too. No move is implied: the reply alone.
    """
    response = response_record(request=request, by=by, **reply)
    if not then_move:
        return response, None
    locked = _lock_request(request, expected_version)
    edge = move_implied_by_reply(locked.state, response.kind, request_facts(locked))
    if edge is None:
        return response, None
    transition = _move(
        locked,
        edge.target,
        by=by,
        note=gettext("Reply logged: %(reply)s.") % {"reply": response},
        response=response,
        happened=happened,
    )
    _sync(request, locked)
    return response, transition


# --- Correspondence not tied to one request -------------------------------------------


@transaction.atomic
def thread_open(
    *,
    by: User,
    title: str,
    summary: str = "",
    requests: Iterable[OptOutRequest] = (),
    jurisdictions: Iterable[Jurisdiction] = (),
    sources: Iterable[Source] = (),
    is_public: bool = False,
    notes: str = "",
    source: str = "",
    basis: str = "stated",
    inference: str = "",
) -> CorrespondenceThread:
    """Open a correspondence thread (Congress and the departments), linked to every
    request it bears on, or to none. Validated; nothing is written if it is refused."""
    thread = CorrespondenceThread(
        title=title,
        summary=summary,
        is_public=is_public,
        notes=notes,
        source=source,
        basis=basis,
        inference=inference,
    )
    return record_save(
        thread,
        by=by,
        m2m={
            "requests": list(requests),
            "jurisdictions": list(jurisdictions),
            "sources": list(sources),
        },
    )


@transaction.atomic
def thread_letter_log(
    *,
    by: User,
    thread: CorrespondenceThread,
    sender: str,
    recipients: str,
    subject: str,
    sent_on: PartialDate | None = None,
    sender_agency: Agency | None = None,
    recipient_agencies: Iterable[Agency] = (),
    summary: str = "",
    statement: Statement | None = None,
    attachment: File[Any] | None = None,
    sources: Iterable[Source] = (),
    is_public: bool = False,
    notes: str = "",
    source: str = "",
    basis: str = "stated",
    inference: str = "",
) -> ThreadLetter:
    """Log a letter of a thread (Rep. Lofgren's of 27 July 2010, the departments'
    replies), and the statement it also is when it takes a position on opting out."""
    letter = ThreadLetter(
        thread=thread,
        sender=sender,
        sender_agency=sender_agency,
        recipients=recipients,
        subject=subject,
        summary=summary,
        statement=statement,
        is_public=is_public,
        notes=notes,
        source=source,
        basis=basis,
        inference=inference,
    )
    letter.sent = sent_on
    if attachment is not None:
        letter.attachment = attachment
    return record_save(
        letter,
        by=by,
        m2m={"recipient_agencies": list(recipient_agencies), "sources": list(sources)},
    )


# --- Private calendar feeds -------------------------------------------------------------


@transaction.atomic
def calendar_token_create(*, user: Any) -> CalendarToken:
    """Give ``user`` a new private feed address, revoking the one they had."""
    calendar_token_revoke(user=user)
    return CalendarToken.objects.create(user=user)


@transaction.atomic
def calendar_token_revoke(*, user: Any) -> int:
    """Revoke ``user``'s feed address; calendar apps using it get 404 from now on."""
    return CalendarToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


# --- Statements and publishing -----------------------------------------------------------

PublishableRecord = TypeVar(
    "PublishableRecord",
    OptOutRequest,
    Letter,
    AgencyResponse,
    Meeting,
    Statement,
    CorrespondenceThread,
    ThreadLetter,
    Event,
)


@transaction.atomic
def statement_record(
    *,
    by: User,
    speaker: str,
    agency: Agency,
    medium: str,
    quote: str,
    position: str,
    topic: str = "",
    stated_on: PartialDate | None = None,
    speaker_contact: Contact | None = None,
    source_title: str = "",
    source_url: str = "",
    is_public: bool = False,
    notes: str = "",
    source: str = "",
    sources: Iterable[Source] = (),
    basis: str = Basis.STATED,
    inference: str = "",
) -> Statement:
    """Log a public statement on opting out (validated; nothing is written if it is refused)."""
    statement = Statement(
        speaker=speaker,
        speaker_contact=speaker_contact,
        agency=agency,
        medium=medium,
        source_title=source_title,
        source_url=source_url,
        quote=quote,
        position=position,
        topic=topic,
        is_public=is_public,
        notes=notes,
        source=source,
        basis=basis,
        inference=inference,
    )
    statement.stated = stated_on
    _create(statement, by)
    statement.sources.set(list(sources))
    return statement


@transaction.atomic
def record_publish(
    instance: PublishableRecord, *, by: User, public: bool, expected_version: int | None
) -> PublishableRecord:
    """Mark a request, letter, response, meeting or statement public or not.

    Goes through :func:`record_save`, so the change has a history row and a stale
    version is refused. Whether the public actually sees it also depends on its
    request being public (see :func:`tracker.domain.selectors.is_published`).
    """
    if instance.is_public == public:
        if expected_version is not None:
            record_check_version(instance, expected_version=expected_version)
        return instance
    instance.is_public = public
    return record_save(instance, by=by, expected_version=expected_version)


# --- Events around the cases -------------------------------------------------------------

#: The many-to-many choices of an event, by name.
EVENT_LINKS: tuple[str, ...] = ("jurisdictions", "agencies", "requests", "sources")


@transaction.atomic
def event_create(
    *,
    by: User,
    kind: str,
    title: str,
    happened_on: PartialDate | None = None,
    summary: str = "",
    jurisdictions: Iterable[Jurisdiction] = (),
    agencies: Iterable[Agency] = (),
    requests: Iterable[OptOutRequest] = (),
    sources: Iterable[models.Model] = (),
    publication: str = "",
    url: str = "",
    basis: str = Basis.STATED,
    inference: str = "",
    is_public: bool = False,
    notes: str = "",
    source: str = "",
) -> Event:
    """Record something that happened around the cases: a vote, a lawsuit, press
    coverage... (validated: an inferred event needs its reasoning, a date that has
    happened; nothing is written if it is refused). The webhooks are told of it."""
    event = Event(
        kind=kind,
        title=title,
        summary=summary,
        publication=publication,
        url=url,
        basis=basis,
        inference=inference,
        is_public=is_public,
        notes=notes,
        source=source,
    )
    event.happened = happened_on
    return record_save(
        event,
        by=by,
        m2m={
            "jurisdictions": list(jurisdictions),
            "agencies": list(agencies),
            "requests": list(requests),
            "sources": list(sources),
        },
    )


@transaction.atomic
def event_update(
    *,
    event: Event,
    by: User,
    expected_version: int | None,
    values: dict[str, Any],
    m2m: dict[str, Iterable[models.Model]] | None = None,
) -> Event:
    """Correct an event: ``values`` by field (its date as ``happened``, a PartialDate or
    None, or by its column ``happened_on``), ``m2m`` any of EVENT_LINKS. Only what
    changed is written; a stale ``expected_version`` is refused with :class:`StaleRecord`."""
    unknown = sorted(set(m2m or {}) - set(EVENT_LINKS))
    if unknown:
        raise ValidationError({name: gettext("Not a link of an event.") for name in unknown})
    return record_edit(event, by=by, expected_version=expected_version, values=values, m2m=m2m)


@transaction.atomic
def event_delete(*, event: Event, by: User, expected_version: int | None) -> None:
    """Delete an event (its history stays); a stale version is refused."""
    record_delete(event, by=by, expected_version=expected_version)


# --- Text of attachments ------------------------------------------------------------------


def attachments_extract_text(*, again: bool = False) -> dict[str, int]:
    """Read the text of stored files into their records' ``attachment_text`` (letters,
    replies, statements): for files uploaded before the text was kept, or with
    ``again`` for every file (after the reading improves). New uploads get theirs when
    saved (``WithAttachmentText``). Each record is written on its own, as one update of
    that column, so a stop half-way leaves every record whole and a rerun goes on; on
    PostgreSQL the search vector's trigger follows. Files missing from storage are
    skipped. Returns how many records of each kind got text.
    """
    from core.attachments import extract_text

    done: dict[str, int] = {}
    for model in (Letter, AgencyResponse, Statement, ThreadLetter):
        field_name = model.file_field_name
        rows: QuerySet[Any] = model.objects.exclude(**{field_name: ""}).order_by("pk")
        if not again:
            rows = rows.filter(attachment_text="")
        done[model._meta.model_name or ""] = 0
        for pk, name in rows.values_list("pk", field_name).iterator(chunk_size=200):
            storage = model._meta.get_field(field_name).storage  # type: ignore[union-attr]
            try:
                with storage.open(name, "rb") as handle:
                    text = extract_text(handle)
            except FileNotFoundError:
                continue
            if text or again:
                model.objects.filter(pk=pk).update(attachment_text=text)
                done[model._meta.model_name or ""] += bool(text)
    return done
