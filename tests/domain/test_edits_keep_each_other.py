"""An edit writes only the fields its author changed: concurrent edits of different
fields all survive, and no edit puts back a status the services moved meanwhile.

Deterministic interleavings on every database; real races between threads through
the API (PATCH without If-Match) on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from core.records import record_save
from tests.factories import LetterFactory, RequestFactory
from tests.threads import at_once
from tracker.domain import services
from tracker.domain.workflow import State
from tracker.models import Letter, OptOutRequest


@pytest.mark.django_db
def test_two_editors_of_different_fields_both_keep_their_change(editor: Any) -> None:
    letter: Letter = LetterFactory(by=editor)
    first = Letter.objects.get(pk=letter.pk)
    second = Letter.objects.get(pk=letter.pk)
    first.subject = "Subject from the first editor"
    second.summary = "Summary from the second editor"
    record_save(first, by=editor)
    record_save(second, by=editor)
    letter.refresh_from_db()
    assert letter.subject == "Subject from the first editor"
    assert letter.summary == "Summary from the second editor"
    assert letter.version == 3


@pytest.mark.django_db
def test_an_edit_read_before_a_move_does_not_undo_the_move(editor: Any) -> None:
    request: OptOutRequest = RequestFactory(by=editor)
    stale_copy = OptOutRequest.objects.get(pk=request.pk)
    services.request_transition(request=request, to=State.WITHDRAWN, by=editor)
    stale_copy.summary = "Edited from a copy read before the move"
    record_save(stale_copy, by=editor)
    request.refresh_from_db()
    assert request.status == State.WITHDRAWN
    assert request.closed_on is not None
    assert request.summary == "Edited from a copy read before the move"
    # The saved copy now holds the record as stored, status included.
    assert stale_copy.status == State.WITHDRAWN


@pytest.mark.django_db
def test_fields_only_the_services_write_are_never_written_by_an_edit(editor: Any) -> None:
    letter: Letter = LetterFactory(by=editor)
    due_on, very_overdue_on = letter.due_on, letter.very_overdue_on
    copy = Letter.objects.get(pk=letter.pk)
    copy.due_on = None
    copy.awaiting_reply = False
    copy.subject = "New subject"
    record_save(copy, by=editor)
    letter.refresh_from_db()
    assert (letter.due_on, letter.very_overdue_on, letter.awaiting_reply) == (
        due_on,
        very_overdue_on,
        True,
    )
    assert letter.subject == "New subject"


@pytest.mark.django_db
def test_a_changed_date_precision_writes_the_whole_date(editor: Any) -> None:
    letter: Letter = LetterFactory(by=editor)
    copy = Letter.objects.get(pk=letter.pk)
    copy.sent_on_precision = "month"
    record_save(copy, by=editor)
    letter.refresh_from_db()
    assert letter.sent_on_precision == "month"
    assert letter.sent_on.day == 1


def _client(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_clients_patching_four_fields_of_any_version_at_once_lose_nothing(
    editor: Any,
) -> None:
    """``If-Match: *`` asks for the change to whatever is current: each PATCH writes
    only its own field, so all four land."""
    letter: Letter = LetterFactory(by=editor)
    fields = ("subject", "summary", "notes", "source")
    for round_number in range(8):
        values = {name: f"{name} from round {round_number}" for name in fields}
        statuses = at_once(
            *[
                lambda change={name: value}: (
                    _client(editor)
                    .patch(
                        f"/api/v1/letters/{letter.pk}/", change, format="json", HTTP_IF_MATCH="*"
                    )
                    .status_code
                )
                for name, value in values.items()
            ]
        )
        assert statuses == [200] * len(fields)
        stored = Letter.objects.values(*fields).get(pk=letter.pk)
        assert stored == values, f"round {round_number}"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_clients_patching_the_version_they_read_at_once_one_wins_the_rest_412(
    editor: Any,
) -> None:
    """Each names the version it read: the first to hold the row lock writes, the
    others are told the record changed, and nothing of theirs is written."""
    letter: Letter = LetterFactory(by=editor)
    fields = ("subject", "summary", "notes", "source")
    for round_number in range(6):
        before = Letter.objects.values(*fields).get(pk=letter.pk)
        etag = _client(editor).get(f"/api/v1/letters/{letter.pk}/")["ETag"]
        values = {name: f"{name} from round {round_number}" for name in fields}
        statuses = at_once(
            *[
                lambda change={name: value}, read=etag: (
                    _client(editor)
                    .patch(
                        f"/api/v1/letters/{letter.pk}/", change, format="json", HTTP_IF_MATCH=read
                    )
                    .status_code
                )
                for name, value in values.items()
            ]
        )
        assert sorted(statuses) == [200, 412, 412, 412], f"round {round_number}: {statuses}"
        winner = fields[statuses.index(200)]
        stored = Letter.objects.values(*fields).get(pk=letter.pk)
        assert stored == {**before, winner: values[winner]}, f"round {round_number}"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_patch_racing_a_withdrawal_never_reverts_the_status(editor: Any) -> None:
    for round_number in range(10):
        request: OptOutRequest = RequestFactory(by=editor)
        url = f"/api/v1/requests/{request.pk}/"

        def withdraw(pk: int = request.pk) -> Any:
            return services.request_transition(
                request=OptOutRequest.objects.get(pk=pk), to=State.WITHDRAWN, by=editor
            )

        def patch(url: str = url, number: int = round_number) -> int:
            return (
                _client(editor)
                .patch(url, {"summary": f"Summary {number}"}, format="json", HTTP_IF_MATCH="*")
                .status_code
            )

        at_once(withdraw, patch)
        request.refresh_from_db()
        assert request.status == State.WITHDRAWN, f"round {round_number}"
        assert request.closed_on is not None
        assert request.summary == f"Summary {round_number}"
