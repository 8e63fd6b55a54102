"""Whether a letter awaits a reply is stored on the letter, and stays true.

The services store it on every write that changes it: logging a letter, recording
a response, and any edit or delete through ``record_save``/``record_delete``.
Random sequences of such writes are driven here, and after each step the stored
state must equal the rule worked out from the rows the slow way
(``selectors.awaiting_reply_from_rows``), and a plain reading of the rows in Python.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import BooleanField, Case, Value, When

from core.dates import PartialDate
from jurisdictions.models import Agency
from tests.factories import AgencyFactory, RequestFactory
from tracker.domain import selectors, services
from tracker.models import AgencyResponse, Letter, OptOutRequest

pytestmark = pytest.mark.django_db

SENT = PartialDate.parse("2010-09-01")
LATER = PartialDate.parse("2010-10-01")


def stored() -> dict[int, bool]:
    return dict(Letter.objects.values_list("pk", "awaiting_reply"))


def by_rule() -> dict[int, bool]:
    """The slow rule, evaluated by the database on every letter."""
    rule = Case(
        When(selectors.awaiting_reply_from_rows(), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    return dict(Letter.objects.annotate(rule=rule).values_list("pk", "rule"))


def by_reading_the_rows() -> dict[int, bool]:
    """The same rule read in Python from the rows, without the ORM's help."""
    letters = list(Letter.objects.values("pk", "direction", "in_reply_to_id"))
    answered = set(AgencyResponse.objects.exclude(letter=None).values_list("letter_id", flat=True))
    answered |= {
        row["in_reply_to_id"]
        for row in letters
        if row["direction"] == Letter.Direction.INCOMING and row["in_reply_to_id"]
    }
    return {
        row["pk"]: row["direction"] == Letter.Direction.OUTGOING and row["pk"] not in answered
        for row in letters
    }


def assert_state_is_true(history: list[str]) -> None:
    expected = by_reading_the_rows()
    assert by_rule() == expected, history
    assert stored() == expected, history


class Writes:
    """The writes a staff member makes, through the services only."""

    def __init__(self, rng: random.Random, editor: Any) -> None:
        self.rng = rng
        self.editor = editor
        first: OptOutRequest = RequestFactory()
        second: OptOutRequest = RequestFactory()
        self.requests = [first, second]
        self.sheriff: Agency = AgencyFactory(level=Agency.Level.LOCAL, kind=Agency.Kind.SHERIFF)
        self.ice: Agency = AgencyFactory()

    # --- picking ----------------------------------------------------------------------

    def _request(self) -> OptOutRequest:
        return self.rng.choice(self.requests)

    def _letter(self, request: OptOutRequest | None = None) -> Letter | None:
        letters = Letter.objects.order_by("pk")
        if request is not None:
            letters = letters.filter(request=request)
        found = list(letters)
        return self.rng.choice(found) if found else None

    def _letter_or_none(self, request: OptOutRequest) -> Letter | None:
        return None if self.rng.random() < 0.25 else self._letter(request)

    def _response(self) -> AgencyResponse | None:
        found = list(AgencyResponse.objects.order_by("pk"))
        return self.rng.choice(found) if found else None

    # --- the writes -----------------------------------------------------------------

    def log_outgoing(self) -> str:
        request = self._request()
        letter = services.letter_log(
            request=request,
            by=self.editor,
            sender=self.sheriff,
            recipients=[self.ice],
            subject="Notice",
            sent_on=SENT,
        )
        return f"log outgoing {letter.pk}"

    def log_incoming(self) -> str:
        request = self._request()
        answers = self._letter_or_none(request)
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

    def log_outgoing_follow_up(self) -> str:
        # A letter the jurisdiction sends "in reply to" its own: it ends no wait.
        request = self._request()
        answers = self._letter(request)
        letter = services.letter_log(
            request=request,
            by=self.editor,
            sender=self.sheriff,
            recipients=[self.ice],
            subject="Follow-up",
            sent_on=LATER,
            in_reply_to=answers,
        )
        return f"log follow-up {letter.pk} to {answers and answers.pk}"

    def record_response(self) -> str:
        request = self._request()
        letter = self._letter_or_none(request)
        response = services.response_record(
            request=request,
            by=self.editor,
            agency=self.ice,
            kind=AgencyResponse.Kind.ACKNOWLEDGED,
            responded_on=LATER,
            letter=letter,
        )
        return f"response {response.pk} to {letter and letter.pk}"

    def move_response(self) -> str:
        """An edit that moves a reply to another letter, maybe of another request."""
        response = self._response()
        if response is None:
            return "no response to move"
        before = response.letter_id
        letter = self._letter() if self.rng.random() < 0.8 else None
        response.letter = letter
        if letter is not None:
            response.request = letter.request
        services.record_save(response, by=self.editor, expected_version=response.version)
        return f"move response {response.pk} from {before} to {letter and letter.pk}"

    def edit_letter(self) -> str:
        """Turn a letter around, or make it answer another letter (or none)."""
        letter = self._letter()
        if letter is None:
            return "no letter to edit"
        if self.rng.random() < 0.5:
            incoming = letter.direction == Letter.Direction.OUTGOING
            letter.direction = Letter.Direction.INCOMING if incoming else Letter.Direction.OUTGOING
            letter.received = LATER if incoming else None
            change = f"direction {letter.direction}"
        else:
            others = [x for x in Letter.objects.filter(request=letter.request) if x.pk != letter.pk]
            answers = self.rng.choice(others) if others and self.rng.random() < 0.8 else None
            letter.in_reply_to = answers
            change = f"in reply to {answers and answers.pk}"
        services.record_save(letter, by=self.editor, expected_version=letter.version)
        return f"edit letter {letter.pk}: {change}"

    def edit_a_copy_read_before_a_reply(self) -> str:
        """A letter read, then answered by someone else, then edited from that copy."""
        letter = self._letter()
        if letter is None:
            return "no letter to edit"
        services.response_record(
            request=letter.request,
            by=self.editor,
            agency=self.ice,
            kind=AgencyResponse.Kind.ACKNOWLEDGED,
            responded_on=LATER,
            letter=Letter.objects.get(pk=letter.pk),
        )
        letter.summary = "Edited from an earlier copy."
        services.record_save(letter, by=self.editor, expected_version=letter.version)
        return f"answer letter {letter.pk}, then edit the copy read before"

    def delete_response(self) -> str:
        response = self._response()
        if response is None:
            return "no response to delete"
        services.record_delete(response, by=self.editor, expected_version=response.version)
        return f"delete response {response.pk} (of letter {response.letter_id})"

    def delete_letter(self) -> str:
        # A letter with responses cannot be deleted alone: pick one without.
        letters = list(Letter.objects.filter(responses=None).order_by("pk"))
        if not letters:
            return "no letter to delete"
        letter = self.rng.choice(letters)
        pk = letter.pk
        services.record_delete(letter, by=self.editor, expected_version=letter.version)
        return f"delete letter {pk} (answering {letter.in_reply_to_id})"

    def steps(self) -> list[tuple[Callable[[], str], int]]:
        return [
            (self.log_outgoing, 5),
            (self.log_incoming, 4),
            (self.log_outgoing_follow_up, 1),
            (self.record_response, 4),
            (self.move_response, 3),
            (self.edit_letter, 3),
            (self.edit_a_copy_read_before_a_reply, 1),
            (self.delete_response, 2),
            (self.delete_letter, 2),
        ]


@pytest.mark.parametrize("seed", range(12))
def test_the_stored_state_follows_every_write(seed: int, editor: Any) -> None:
    rng = random.Random(seed)
    writes = Writes(rng, editor)
    steps, weights = zip(*writes.steps(), strict=True)
    history: list[str] = [f"seed {seed}"]
    for _ in range(40):
        step = rng.choices(steps, weights=weights)[0]
        history.append(step())
        assert_state_is_true(history)


def test_logging_a_reply_ends_the_wait_without_editing_the_letter(editor: Any) -> None:
    writes = Writes(random.Random(0), editor)
    request = writes.requests[0]
    letter = services.letter_log(
        request=request, by=editor, sender=writes.sheriff, subject="Notice", sent_on=SENT
    )
    assert Letter.objects.get(pk=letter.pk).awaiting_reply
    services.response_record(
        request=request,
        by=editor,
        agency=writes.ice,
        kind=AgencyResponse.Kind.ACKNOWLEDGED,
        responded_on=LATER,
        letter=letter,
    )
    answered = Letter.objects.get(pk=letter.pk)
    assert not answered.awaiting_reply
    # A computed state: no new version of the letter, nothing in its history.
    assert answered.version == letter.version
    assert answered.history.count() == 1


def test_recomputing_every_letter_repairs_a_state_loaded_without_the_services(
    editor: Any,
) -> None:
    writes = Writes(random.Random(1), editor)
    for step in (writes.log_outgoing, writes.log_outgoing, writes.log_incoming):
        step()
    writes.record_response()
    expected = by_reading_the_rows()
    Letter.objects.update(awaiting_reply=False)
    waiting = sum(expected.values())
    assert services.letters_recompute_awaiting() == waiting
    assert stored() == expected
    assert services.letters_recompute_awaiting() == 0


def test_the_fixtures_carry_the_state_of_their_letters(record_2010: None) -> None:
    assert Letter.objects.exists()
    assert stored() == by_rule() == by_reading_the_rows()


def test_load_record_stores_the_state_of_the_letters_it_loads() -> None:
    call_command("load_record", verbosity=0)
    assert Letter.objects.exists()
    assert stored() == by_rule() == by_reading_the_rows()


def test_load_record_recomputes_the_state_whatever_the_fixtures_say(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Fixtures written by hand may leave the state out: load_record fills it in."""
    real_call_command = call_command

    def loaddata_then_forget(name: str, *args: Any, **options: Any) -> Any:
        result = real_call_command(name, *args, **options)
        if name == "loaddata":
            Letter.objects.update(awaiting_reply=False)
        return result

    monkeypatch.setattr(
        "tracker.management.commands.load_record.call_command", loaddata_then_forget
    )
    call_command("load_record", verbosity=0)
    assert any(stored().values())
    assert stored() == by_reading_the_rows()


def test_the_command_recomputes_every_letter(record_2010: None) -> None:
    Letter.objects.update(awaiting_reply=False)
    call_command("recompute_awaiting_replies", verbosity=0)
    assert any(stored().values())
    assert stored() == by_reading_the_rows()
