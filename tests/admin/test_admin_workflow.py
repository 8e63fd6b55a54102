"""Moving requests from the admin: a button per allowed move, a bulk action, and the
workflow's refusals shown as messages. The status is never a form field."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from core.dates import PartialDate
from jurisdictions.models import Agency
from tests.admin.helpers import add_url, change_url, post_data
from tests.factories import AgencyFactory, JurisdictionFactory, LetterFactory, RequestFactory
from tracker.domain import services
from tracker.domain.workflow import State
from tracker.models import OptOutRequest, Transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(editor: Any) -> OptOutRequest:
    return services.request_open(
        jurisdiction=JurisdictionFactory(name="Arlington County", state="VA", fips="51013"),
        title="Arlington County: removal from Secure Communities",
        by=editor,
        opened_on=PartialDate.parse("2010"),
    )


def notice(request: OptOutRequest, by: Any) -> Any:
    sender: Agency = AgencyFactory(kind=Agency.Kind.LEGISLATURE)
    ice: Agency = AgencyFactory(kind=Agency.Kind.PROGRAM_OFFICE)
    return services.letter_log(
        request=request,
        by=by,
        sender=sender,
        recipients=[ice],
        subject="Notice of intent to opt out",
        sent_on=PartialDate.parse("2010-09-28"),
    )


def transition_url(request: OptOutRequest) -> str:
    return reverse("admin:tracker_optoutrequest_transition", args=[request.pk])


def buttons(page: str) -> set[str]:
    return {state.value for state in State if f'name="move-to" value="{state.value}"' in page}


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_change_page_offers_a_button_for_each_allowed_move_only(
    editor_client: Client, draft: OptOutRequest, editor: Any
) -> None:
    page = editor_client.get(change_url(draft)).content.decode()
    assert buttons(page) == {"withdrawn"}
    assert "Mark the notice as sent: log a letter sent by the jurisdiction" in page

    notice(draft, editor)
    page = editor_client.get(change_url(draft)).content.decode()
    assert buttons(page) == {"notice_sent", "withdrawn"}


def test_a_move_from_the_change_page_is_applied_and_logged_with_its_note_and_letter(
    editor_client: Client, draft: OptOutRequest, editor: Any
) -> None:
    letter = notice(draft, editor)
    response = editor_client.post(
        transition_url(draft),
        {
            "move-to": "notice_sent",
            "move-note": "Faxed to ICE",
            "move-letter": str(letter.pk),
            "move-version": str(draft.version),
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == State.NOTICE_SENT
    move = draft.transitions.latest("at")
    assert (move.from_state, move.to_state, move.by, move.note, move.letter) == (
        "draft",
        "notice_sent",
        editor,
        "Faxed to ICE",
        letter,
    )


def test_a_forbidden_move_posted_by_hand_is_refused_with_the_workflows_message(
    editor_client: Client, draft: OptOutRequest
) -> None:
    response = editor_client.post(
        transition_url(draft), {"move-to": "removed", "move-version": draft.version}
    )
    assert response.status_code == 302
    (message,) = messages_of(response)
    assert "cannot move to Removed from the deployment plan" in message
    assert "Allowed next states: Withdrawn (withdrawn)" in message
    draft.refresh_from_db()
    assert draft.status == State.DRAFT
    assert draft.transitions.count() == 1


def test_a_move_from_a_page_opened_before_someone_else_saved_is_refused(
    editor_client: Client, draft: OptOutRequest, editor: Any
) -> None:
    old_version = draft.version
    draft.outcome = "Pending"
    services.record_save(draft, by=editor)
    response = editor_client.post(
        transition_url(draft),
        {"move-to": "withdrawn", "move-note": "Dropped", "move-version": str(old_version)},
    )
    (message,) = messages_of(response)
    assert "changed by someone else" in message
    draft.refresh_from_db()
    assert draft.status == State.DRAFT


def test_the_status_cannot_be_changed_by_editing_the_form(
    editor_client: Client, draft: OptOutRequest
) -> None:
    data = post_data(editor_client.get(change_url(draft)))
    assert "status" not in data
    data.update({"status": "removed", "closed_on": "2010-12-01"})
    assert editor_client.post(change_url(draft), data).status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.closed_on) == (State.DRAFT, None)


def test_the_bulk_action_moves_the_requests_the_workflow_allows_and_names_the_others(
    editor_client: Client, draft: OptOutRequest, editor: Any
) -> None:
    notice(draft, editor)
    other = services.request_open(
        jurisdiction=JurisdictionFactory(name="Santa Clara County"),
        title="Santa Clara County: opt-out attempt",
        by=editor,
    )
    response = editor_client.post(
        reverse("admin:tracker_optoutrequest_changelist"),
        {
            "action": "apply_transition",
            "_selected_action": [str(draft.pk), str(other.pk)],
            "transition_to": "notice_sent",
            "transition_note": "Notices went out on 28 September",
        },
    )
    assert response.status_code == 302
    text = " ".join(messages_of(response))
    assert "Santa Clara County: opt-out attempt: Cannot move to Notice sent" in text
    assert "Moved to Notice sent: Arlington County" in text
    draft.refresh_from_db()
    other.refresh_from_db()
    assert (draft.status, other.status) == (State.NOTICE_SENT, State.DRAFT)
    assert draft.transitions.latest("at").note == "Notices went out on 28 September"


def test_a_closed_request_can_be_reopened_from_its_page(
    editor_client: Client, draft: OptOutRequest, editor: Any
) -> None:
    services.request_transition(request=draft, to="withdrawn", by=editor)
    draft.refresh_from_db()
    page = editor_client.get(change_url(draft)).content.decode()
    assert buttons(page) == set()
    assert 'name="move-reopen"' in page
    editor_client.post(
        transition_url(draft),
        {"move-reopen": "on", "move-note": "Council voted again", "move-version": draft.version},
    )
    draft.refresh_from_db()
    assert (draft.status, draft.closed_on) == (State.DRAFT, None)


def test_adding_a_request_opens_it_as_a_draft_with_the_first_entry_of_its_log(
    editor_client: Client, editor: Any
) -> None:
    jurisdiction = JurisdictionFactory(name="Arlington County", state="VA", fips="51013")
    data = post_data(editor_client.get(add_url(OptOutRequest)))
    data.update(
        {
            "title": "Arlington County: removal",
            "jurisdiction": str(jurisdiction.pk),
            "opened_on": "2010-01-01",
            "opened_on_precision": "year",
            "notes": "From the County Board's minutes",
        }
    )
    response = editor_client.post(add_url(OptOutRequest), data)
    assert response.status_code == 302
    request = OptOutRequest.objects.get()
    assert (request.status, request.notes) == (State.DRAFT, "From the County Board's minutes")
    assert request.opened is not None and request.opened.display() == "2010"
    (opened,) = Transition.objects.filter(request=request)
    assert (opened.to_state, opened.by) == ("draft", editor)


def test_viewers_cannot_move_a_request(client: Client, viewer: Any, editor: Any) -> None:
    request = RequestFactory()
    LetterFactory(request=request)
    client.force_login(viewer)
    page = client.get(change_url(request)).content.decode()
    assert buttons(page) == set()
    assert client.post(transition_url(request), {"move-to": "withdrawn"}).status_code == 403
    request.refresh_from_db()
    assert request.status == State.DRAFT


@pytest.mark.parametrize("note", ["", "   "])
def test_withdrawing_or_reopening_from_the_admin_needs_a_reason(
    editor_client: Client, draft: OptOutRequest, editor: Any, note: str
) -> None:
    response = editor_client.post(
        transition_url(draft),
        {"move-to": "withdrawn", "move-note": note, "move-version": draft.version},
    )
    (message,) = messages_of(response)
    assert "Say why in the note" in message
    draft.refresh_from_db()
    assert draft.status == State.DRAFT
    editor_client.post(
        transition_url(draft),
        {
            "move-to": "withdrawn",
            "move-note": "The board changed its mind",
            "move-version": draft.version,
        },
    )
    draft.refresh_from_db()
    assert draft.status == State.WITHDRAWN
    assert draft.transitions.latest("at").note == "The board changed its mind"
    response = editor_client.post(
        transition_url(draft),
        {"move-reopen": "on", "move-note": note, "move-version": draft.version},
    )
    assert "Say why in the note" in messages_of(response)[0]
    draft.refresh_from_db()
    assert draft.status == State.WITHDRAWN


def test_the_bulk_move_withdraws_only_with_a_reason(
    editor_client: Client, draft: OptOutRequest
) -> None:
    def withdraw(note: str) -> Any:
        return editor_client.post(
            reverse("admin:tracker_optoutrequest_changelist"),
            {
                "action": "apply_transition",
                "_selected_action": [str(draft.pk)],
                "transition_to": "withdrawn",
                "transition_note": note,
            },
        )

    assert "Say why in the note" in " ".join(messages_of(withdraw(" ")))
    draft.refresh_from_db()
    assert draft.status == State.DRAFT
    withdraw("The county dropped the request")
    draft.refresh_from_db()
    assert draft.status == State.WITHDRAWN
