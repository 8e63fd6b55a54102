"""A request's workflow facts and flag dates are stored on the request, and stay true.

The services store them on every write that changes them: logging a letter,
recording a reply or a meeting, moving the request, and any edit or delete through
``record_save``/``record_delete`` (the admin's and the API's path), including an
agency's kind and a holiday. Random sequences of such writes are driven here, and
after each step the stored columns must equal the rules worked out from the rows the
slow way (``selectors.request_facts_from_rows``) and a plain reading of the rows in
Python; and the flags read from the stored columns (``requests_with_flag``,
``with_request_flags``) must name the requests the letters' own flags name.
"""

from __future__ import annotations

import datetime as dt
import importlib
import random
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from core.dates import DatePrecision, PartialDate
from core.records import DomainError
from jurisdictions.models import Agency
from tests.factories import AgencyFactory, RequestFactory
from tracker.domain import selectors, services
from tracker.domain.deadlines import HolidayEntry
from tracker.domain.selectors import LETTER_FLAGS
from tracker.domain.workflow import State
from tracker.models import (
    STORED_FACTS,
    AgencyResponse,
    Letter,
    Meeting,
    OptOutRequest,
    Transition,
)

pytestmark = pytest.mark.django_db

SENT_DAYS = [
    PartialDate.parse("2010-09-01"),
    PartialDate.parse("2010-09-14"),
    PartialDate.parse("2010-10"),
    PartialDate.parse("2010"),
]
LATER = PartialDate.parse("2011-02-01")
#: Days the flags are read on: before any reply is due, between due and very overdue
#: dates, and long after.
DAYS = [dt.date(2010, 9, 20), dt.date(2010, 10, 20), dt.date(2010, 11, 20), dt.date(2012, 1, 1)]

Facts = dict[str, Any]


def stored() -> dict[int, Facts]:
    return {row.pop("pk"): row for row in OptOutRequest.objects.values("pk", *STORED_FACTS)}


def by_rule() -> dict[int, Facts]:
    """The slow rules, evaluated by the database on every request."""
    rules = selectors.request_facts_from_rows()
    rows = OptOutRequest.objects.annotate(**{f"rule_{name}": rule for name, rule in rules.items()})
    return {
        row["pk"]: {name: row[f"rule_{name}"] for name in STORED_FACTS}
        for row in rows.values("pk", *(f"rule_{name}" for name in STORED_FACTS))
    }


def by_reading_the_rows() -> dict[int, Facts]:
    """The same rules read in Python from the rows, without the ORM's help."""
    letters = list(
        Letter.objects.values(
            "pk",
            "request_id",
            "direction",
            "created_at",
            "awaiting_reply",
            "due_on",
            "very_overdue_on",
            "sent_on",
            "sent_on_precision",
            "sent_on_until",
        )
    )
    kinds: dict[int, set[str]] = {}
    for letter_id, kind in Letter.recipients.through.objects.values_list(
        "letter_id", "agency__kind"
    ):
        kinds.setdefault(letter_id, set()).add(kind)
    replied = set(AgencyResponse.objects.values_list("request_id", flat=True))
    met = set(
        Meeting.objects.filter(status=Meeting.Status.HELD).values_list("request_id", flat=True)
    )
    entered: dict[int, tuple[dt.datetime, int]] = {}
    for request_id, at, pk in Transition.objects.values_list("request_id", "at", "pk"):
        entered[request_id] = max(entered.get(request_id, (at, pk)), (at, pk))
    expected: dict[int, Facts] = {}
    for pk in OptOutRequest.objects.values_list("pk", flat=True):
        own = [row for row in letters if row["request_id"] == pk]
        sent = [row for row in own if row["direction"] == Letter.Direction.OUTGOING]
        waiting = [row for row in own if row["awaiting_reply"]]
        dated = sorted(
            (row for row in waiting if row["sent_on"]), key=lambda r: (r["sent_on"], r["pk"])
        )
        last_move = entered.get(pk)
        expected[pk] = {
            "has_sent_letter": bool(sent),
            "notified_program_office": any(
                Agency.Kind.PROGRAM_OFFICE in kinds.get(row["pk"], ()) for row in sent
            ),
            "notified_sib": any(Agency.Kind.SIB in kinds.get(row["pk"], ()) for row in sent),
            "has_response": pk in replied or len(sent) < len(own),
            "has_held_meeting": pk in met,
            "has_letter_since_state_entered": last_move is not None
            and any(row["created_at"] > last_move[0] for row in sent),
            "has_awaiting_reply": bool(waiting),
            "next_due_on": min((r["due_on"] for r in waiting if r["due_on"]), default=None),
            "next_very_overdue_on": min(
                (r["very_overdue_on"] for r in waiting if r["very_overdue_on"]), default=None
            ),
            "waiting_since_on": dated[0]["sent_on"] if dated else None,
            "waiting_since_precision": dated[0]["sent_on_precision"] if dated else "",
            "waiting_since_until": dated[0]["sent_on_until"] if dated else None,
        }
    return expected


def flagged_by_letters(flag: selectors.LetterFlag, day: dt.date) -> set[int]:
    rule = selectors.request_flags_from_rows(flag, day)
    return set(OptOutRequest.objects.filter(rule).values_list("pk", flat=True))


def assert_flags_are_true(history: list[str]) -> None:
    for day in DAYS:
        annotated = list(selectors.with_request_flags(OptOutRequest.objects.all(), today=day))
        for flag in LETTER_FLAGS:
            expected = flagged_by_letters(flag, day)
            found = selectors.requests_with_flag(OptOutRequest.objects.all(), flag, today=day)
            assert set(found.values_list("pk", flat=True)) == expected, (flag, day, history)
            others = selectors.requests_with_flag(
                OptOutRequest.objects.all(), flag, value=False, today=day
            )
            assert not expected & set(others.values_list("pk", flat=True)), (flag, day, history)
            assert {r.pk for r in annotated if getattr(r, f"flag_has_{flag}")} == expected
    facts = stored()
    for request in selectors.with_request_flags(OptOutRequest.objects.all()):
        since = selectors.waiting_since(request)
        assert since == (
            PartialDate(
                facts[request.pk]["waiting_since_on"],
                DatePrecision(facts[request.pk]["waiting_since_precision"]),
            )
            if facts[request.pk]["waiting_since_on"]
            else None
        )


def assert_facts_are_true(history: list[str]) -> None:
    expected = by_reading_the_rows()
    assert by_rule() == expected, history
    assert stored() == expected, history
    for request in selectors.with_facts(OptOutRequest.objects.all()):
        facts = selectors.request_facts(request)
        assert facts == selectors.request_facts(OptOutRequest(pk=request.pk)), history
        assert facts.has_sent_letter == expected[request.pk]["has_sent_letter"], history


class Writes:
    """The writes a staff member makes: through the services, and through
    ``record_save``/``record_delete`` as the admin and the API do."""

    def __init__(self, rng: random.Random, editor: Any) -> None:
        self.rng = rng
        self.editor = editor
        self.requests: list[OptOutRequest] = [RequestFactory() for _ in range(3)]
        self.sheriff: Agency = AgencyFactory(level=Agency.Level.LOCAL, kind=Agency.Kind.SHERIFF)
        self.ice: Agency = AgencyFactory(kind=Agency.Kind.PROGRAM_OFFICE)
        self.sib: Agency = AgencyFactory(level=Agency.Level.STATE, kind=Agency.Kind.SIB)
        self.other: Agency = AgencyFactory(reply_window_days=10, reply_window_kind="business")

    # --- picking ----------------------------------------------------------------------

    def _request(self) -> OptOutRequest:
        return OptOutRequest.objects.get(pk=self.rng.choice(self.requests).pk)

    def _pick(self, model: Any, **filters: Any) -> Any:
        found = list(model.objects.filter(**filters).order_by("pk"))
        return self.rng.choice(found) if found else None

    def _recipients(self) -> list[Agency]:
        return self.rng.sample([self.ice, self.sib, self.other], self.rng.randint(0, 2))

    # --- the services -------------------------------------------------------------------

    def log_outgoing(self) -> str:
        request = self._request()
        recipients = self._recipients()
        letter = services.letter_log(
            request=request,
            by=self.editor,
            sender=self.sheriff,
            recipients=recipients,
            subject="Notice",
            sent_on=self.rng.choice([*SENT_DAYS, None]),
        )
        return f"log outgoing {letter.pk} to {[a.kind for a in recipients]}"

    def log_incoming(self) -> str:
        request = self._request()
        answers = self._pick(Letter, request=request) if self.rng.random() < 0.7 else None
        letter = services.letter_log(
            request=request,
            by=self.editor,
            sender=self.ice,
            recipients=[self.sheriff],
            subject="Reply",
            direction=Letter.Direction.INCOMING,
            received_on=LATER,
            in_reply_to=answers,
        )
        return f"log incoming {letter.pk} answering {answers and answers.pk}"

    def record_response(self) -> str:
        request = self._request()
        letter = self._pick(Letter, request=request) if self.rng.random() < 0.7 else None
        response = services.response_record(
            request=request,
            by=self.editor,
            agency=self.ice,
            kind=AgencyResponse.Kind.ACKNOWLEDGED,
            responded_on=LATER,
            letter=letter,
        )
        return f"response {response.pk} to {letter and letter.pk}"

    def record_meeting(self) -> str:
        request = self._request()
        held = self.rng.random() < 0.5
        meeting = services.meeting_record(
            request=request,
            by=self.editor,
            status=Meeting.Status.HELD if held else Meeting.Status.PLANNED,
            held_on=LATER if held else None,
        )
        return f"meeting {meeting.pk} ({meeting.status}) on {request.pk}"

    def move_request(self) -> str:
        request = self._request()
        facts = selectors.request_facts(request)
        from tracker.domain.workflow import available_edges

        if request.is_closed:
            services.request_reopen(request=request, by=self.editor)
            return f"reopen {request.pk}"
        edges = available_edges(request.state, facts)
        if not edges:
            return f"no move allowed for {request.pk} ({request.status})"
        edge = self.rng.choice(edges)
        services.request_transition(request=request, to=edge.target, by=self.editor)
        return f"move {request.pk} to {edge.target}"

    # --- edits and deletes, as the admin and the API make them ------------------------

    def _save(self, instance: Any, **m2m: Any) -> None:
        services.record_save(instance, by=self.editor, expected_version=instance.version, m2m=m2m)

    def edit_letter(self) -> str:
        letter = self._pick(Letter)
        if letter is None:
            return "no letter to edit"
        change = self.rng.choice(["direction", "recipients", "sent", "request", "in_reply_to"])
        m2m: dict[str, Any] = {}
        if change == "direction":
            incoming = letter.direction == Letter.Direction.OUTGOING
            letter.direction = Letter.Direction.INCOMING if incoming else Letter.Direction.OUTGOING
            letter.received = LATER if incoming else None
        elif change == "recipients":
            m2m["recipients"] = self._recipients()
        elif change == "sent":
            letter.sent = self.rng.choice([*SENT_DAYS, None])
        elif change == "request":
            letter.request = self.rng.choice(self.requests)
            letter.in_reply_to = None
        else:
            others = Letter.objects.filter(request=letter.request).exclude(pk=letter.pk)
            letter.in_reply_to = self.rng.choice([None, *others])
        try:
            self._save(letter, **m2m)
        except (ValidationError, DomainError):
            return f"edit letter {letter.pk} ({change}) refused"
        return f"edit letter {letter.pk}: {change}"

    def edit_response(self) -> str:
        response = self._pick(AgencyResponse)
        if response is None:
            return "no response to edit"
        letter = self._pick(Letter) if self.rng.random() < 0.7 else None
        response.letter = letter
        response.request = letter.request if letter else self.rng.choice(self.requests)
        try:
            self._save(response)
        except (ValidationError, DomainError):
            return f"move response {response.pk} refused"
        return f"move response {response.pk} to letter {letter and letter.pk}"

    def edit_meeting(self) -> str:
        meeting = self._pick(Meeting)
        if meeting is None:
            return "no meeting to edit"
        if self.rng.random() < 0.5:
            meeting.request = self.rng.choice(self.requests)
        held = meeting.status != Meeting.Status.HELD
        meeting.status = Meeting.Status.HELD if held else Meeting.Status.CANCELLED
        meeting.held = LATER if held else None
        self._save(meeting)
        return f"edit meeting {meeting.pk}: {meeting.status} on {meeting.request_id}"

    def edit_a_request_read_before_a_letter(self) -> str:
        """A request read, then written to by someone else, then edited from that copy."""
        copy = self._request()
        services.letter_log(
            request=copy,
            by=self.editor,
            sender=self.sheriff,
            recipients=[self.ice, self.sib],
            subject="Notice",
            sent_on=SENT_DAYS[0],
        )
        copy.summary = "Edited from an earlier copy."
        self._save(copy)
        return f"log a letter on {copy.pk}, then edit the copy read before"

    def publish_request(self) -> str:
        request = self._request()
        services.record_publish(
            request, by=self.editor, public=not request.is_public, expected_version=None
        )
        return f"publish {request.pk}: {request.is_public}"

    def change_agency_kind(self) -> str:
        agency = Agency.objects.get(pk=self.rng.choice([self.ice, self.sib, self.other]).pk)
        kinds = [Agency.Kind.PROGRAM_OFFICE, Agency.Kind.SIB, Agency.Kind.OTHER]
        agency.kind = self.rng.choice([k for k in kinds if k != agency.kind])
        agency.level = (
            Agency.Level.STATE if agency.kind == Agency.Kind.SIB else Agency.Level.FEDERAL
        )
        try:
            self._save(agency)
        except (ValidationError, DomainError):
            return f"agency {agency.pk} kind refused"
        return f"agency {agency.pk} is now {agency.kind}"

    def add_holiday(self) -> str:
        day = dt.date(2010, 9, 15) + dt.timedelta(days=self.rng.randint(0, 40))
        services.holidays_load(entries=[HolidayEntry(date=day, name="Closed")], by=self.editor)
        return f"holiday on {day}"

    def delete_letter(self) -> str:
        letter = self._pick(Letter, responses=None)
        if letter is None:
            return "no letter to delete"
        pk = letter.pk
        services.record_delete(letter, by=self.editor, expected_version=letter.version)
        return f"delete letter {pk} of {letter.request_id}"

    def delete_response(self) -> str:
        response = self._pick(AgencyResponse)
        if response is None:
            return "no response to delete"
        pk = response.pk
        services.record_delete(response, by=self.editor, expected_version=response.version)
        return f"delete response {pk} of {response.request_id}"

    def delete_meeting(self) -> str:
        meeting = self._pick(Meeting)
        if meeting is None:
            return "no meeting to delete"
        pk = meeting.pk
        services.record_delete(meeting, by=self.editor, expected_version=meeting.version)
        return f"delete meeting {pk} of {meeting.request_id}"

    def delete_an_agency_written_to(self) -> str:
        agency: Agency = AgencyFactory(
            kind=self.rng.choice([Agency.Kind.PROGRAM_OFFICE, Agency.Kind.SIB])
        )
        letter = services.letter_log(
            request=self._request(),
            by=self.editor,
            sender=self.sheriff,
            recipients=[agency],
            subject="To an office about to close",
            sent_on=SENT_DAYS[1],
        )
        services.record_delete(agency, by=self.editor, expected_version=agency.version)
        return f"delete agency {agency.pk} ({agency.kind}), recipient of {letter.pk}"

    def steps(self) -> list[tuple[Callable[[], str], int]]:
        return [
            (self.log_outgoing, 6),
            (self.log_incoming, 3),
            (self.record_response, 3),
            (self.record_meeting, 2),
            (self.move_request, 5),
            (self.edit_letter, 5),
            (self.edit_response, 2),
            (self.edit_meeting, 2),
            (self.edit_a_request_read_before_a_letter, 1),
            (self.publish_request, 1),
            (self.change_agency_kind, 1),
            (self.add_holiday, 1),
            (self.delete_letter, 2),
            (self.delete_response, 2),
            (self.delete_meeting, 1),
            (self.delete_an_agency_written_to, 1),
        ]


@pytest.mark.parametrize("seed", range(10))
def test_the_stored_facts_follow_every_write(seed: int, editor: Any) -> None:
    rng = random.Random(seed)
    writes = Writes(rng, editor)
    steps, weights = zip(*writes.steps(), strict=True)
    history: list[str] = [f"seed {seed}"]
    for _ in range(35):
        step = rng.choices(steps, weights=weights)[0]
        history.append(step())
        assert_facts_are_true(history)
    assert_flags_are_true(history)


def test_the_flags_read_the_stored_dates_on_every_day(editor: Any) -> None:
    writes = Writes(random.Random(3), editor)
    for step in [writes.log_outgoing] * 6 + [writes.log_incoming, writes.record_response] * 2:
        step()
    assert_flags_are_true(["flags"])
    assert any(flagged_by_letters("overdue", DAYS[-1]))


def test_a_new_status_waits_for_a_new_letter(editor: Any) -> None:
    writes = Writes(random.Random(0), editor)
    request = writes.requests[0]
    services.letter_log(
        request=request,
        by=editor,
        sender=writes.sheriff,
        recipients=[writes.ice],
        subject="Notice",
        sent_on=SENT_DAYS[0],
    )
    stored_facts = OptOutRequest.objects.get(pk=request.pk)
    assert stored_facts.has_sent_letter and stored_facts.has_letter_since_state_entered
    services.request_transition(request=request, to=State.NOTICE_SENT, by=editor)
    moved = OptOutRequest.objects.get(pk=request.pk)
    assert moved.has_sent_letter and not moved.has_letter_since_state_entered
    # A computed column: the move is the request's only new version in its history.
    assert moved.history.count() == 2


def test_recomputing_every_request_repairs_facts_loaded_without_the_services(
    editor: Any,
) -> None:
    writes = Writes(random.Random(1), editor)
    for step in (writes.log_outgoing, writes.log_outgoing, writes.log_incoming):
        step()
    writes.record_meeting()
    expected = by_reading_the_rows()
    OptOutRequest.objects.update(
        has_sent_letter=False,
        has_awaiting_reply=False,
        next_due_on=None,
        waiting_since_precision="",
    )
    broken = sum(facts != stored()[pk] for pk, facts in expected.items())
    assert broken
    assert services.requests_recompute_facts() == broken
    assert stored() == expected
    assert services.requests_recompute_facts() == 0


def test_the_fixtures_carry_the_facts_of_their_requests(record_2010: None) -> None:
    assert any(facts["has_sent_letter"] for facts in stored().values())
    assert stored() == by_rule() == by_reading_the_rows()


def test_load_record_stores_the_facts_of_the_requests_it_loads() -> None:
    call_command("load_record", verbosity=0)
    assert any(facts["has_awaiting_reply"] for facts in stored().values())
    assert stored() == by_rule() == by_reading_the_rows()


def test_the_command_recomputes_every_request(record_2010: None) -> None:
    OptOutRequest.objects.update(has_sent_letter=False, has_awaiting_reply=False)
    call_command("recompute_request_facts", verbosity=0)
    assert any(facts["has_sent_letter"] for facts in stored().values())
    assert stored() == by_reading_the_rows()


def test_the_migration_fills_the_facts_of_existing_requests(editor: Any) -> None:
    """The migration's fill, run on data written without the stored facts."""
    writes = Writes(random.Random(5), editor)
    for step in [writes.log_outgoing] * 4 + [writes.log_incoming, writes.record_meeting]:
        step()
    writes.move_request()
    expected = by_reading_the_rows()
    OptOutRequest.objects.update(
        **{name: OptOutRequest._meta.get_field(name).get_default() for name in STORED_FACTS}
    )
    assert stored() != expected
    migration = importlib.import_module("tracker.migrations.0013_request_facts")
    state = MigrationExecutor(connection).loader.project_state(("tracker", "0013_request_facts"))
    migration.fill_request_facts(state.apps, _SchemaEditor())
    # The last day of "waiting since" came later, with the partial dates' last days.
    ranges = importlib.import_module("tracker.migrations.0018_date_ranges")
    state = MigrationExecutor(connection).loader.project_state(("tracker", "0018_date_ranges"))
    ranges.fill_until(state.apps, _SchemaEditor())
    assert stored() == expected


class _SchemaEditor:
    """What the fill asks of a schema editor (SQLite refuses a real one inside a test's
    transaction)."""

    connection = connection

    def execute(self, sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)
