"""History in the admin: who changed what and when, field by field, whatever the path."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.admin.helpers import change_url, post_data
from tests.factories import LetterFactory, RequestFactory
from tracker.domain import services
from tracker.domain.workflow import State
from tracker.models import Letter, OptOutRequest

pytestmark = pytest.mark.django_db


def history_url(obj: Any) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk])


def revert_url(obj: Any, record: Any) -> str:
    opts = obj._meta
    return reverse(
        f"admin:{opts.app_label}_{opts.model_name}_simple_history",
        args=[obj.pk, record.history_id],
    )


def test_an_edit_in_the_admin_leaves_a_history_row_with_the_editor_and_the_old_value(
    client: Client, editor: Any
) -> None:
    request: OptOutRequest = RequestFactory(title="Arlington opt-out")
    client.force_login(editor)
    data = post_data(client.get(change_url(request)))
    data["title"] = "Arlington County: removal from Secure Communities"
    client.post(change_url(request), data)

    latest = request.history.latest()
    assert (latest.history_type, latest.history_user) == ("~", editor)
    delta = latest.diff_against(latest.prev_record)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [
        ("title", "Arlington opt-out", "Arlington County: removal from Secure Communities")
    ]
    page = client.get(history_url(request)).content.decode()
    assert "Arlington opt-out" in page and "editor" in page


def test_a_move_made_through_the_services_is_in_the_history_with_the_old_status(
    client: Client, editor: Any
) -> None:
    request: OptOutRequest = RequestFactory()
    services.request_transition(request=request, to="withdrawn", by=editor)

    latest = request.history.latest()
    assert (latest.status, latest.history_user) == (State.WITHDRAWN, editor)
    assert latest.prev_record.status == State.DRAFT
    client.force_login(editor)
    page = client.get(history_url(request)).content.decode()
    # The history page lists the status change (a field no form edits).
    assert "Withdrawn" in page and "Draft" in page


def test_a_requests_history_page_lists_the_changes_to_its_letters(
    client: Client, editor: Any
) -> None:
    letter: Letter = LetterFactory(subject="Notice to ICE")
    letter.subject = "Notice to ICE and the SIB"
    services.record_save(letter, by=editor)
    client.force_login(editor)
    page = client.get(history_url(letter.request)).content.decode()
    assert "Letters, responses and meetings of this request" in page
    assert "Notice to ICE and the SIB" in page
    assert history_url(letter) in page


def test_an_admin_restores_a_previous_version_and_the_status_stays_as_it_is(
    client: Client, admin_user: Any, editor: Any
) -> None:
    request: OptOutRequest = RequestFactory(title="First title")
    services.request_transition(request=request, to="withdrawn", by=editor, note="Gave up.")
    request.refresh_from_db()
    # A version with the status the request has now: its fields are restored, and
    # no move is needed (a version of another status goes through the workflow, see
    # tests/domain/test_effective_dates_of_moves.py).
    first = request.history.latest()
    request.title = "Second title"
    services.record_save(request, by=editor)

    client.force_login(admin_user)
    form_page = client.get(revert_url(request, first))
    assert form_page.status_code == 200
    data = post_data(form_page)
    assert data["title"] == "First title"
    response = client.post(revert_url(request, first), data)
    assert response.status_code == 302

    request.refresh_from_db()
    assert request.title == "First title"
    # Reverting restores what editors edit; only the services move a request.
    assert request.status == State.WITHDRAWN
    assert request.history.latest().history_user == admin_user


def test_editors_see_the_history_but_cannot_restore_from_it(client: Client, editor: Any) -> None:
    request: OptOutRequest = RequestFactory(title="First title")
    first = request.history.earliest()
    request.title = "Second title"
    services.record_save(request, by=editor)
    client.force_login(editor)

    assert client.get(history_url(request)).status_code == 200
    page = client.get(revert_url(request, first)).content.decode()
    assert 'name="_save"' not in page
    assert client.post(revert_url(request, first), {"title": "First title"}).status_code == 403
    request.refresh_from_db()
    assert request.title == "Second title"


def test_a_revert_from_a_page_opened_before_someone_else_saved_is_refused(
    client: Client, admin_user: Any, editor: Any
) -> None:
    request: OptOutRequest = RequestFactory(title="First title")
    first = request.history.earliest()
    client.force_login(admin_user)
    data = post_data(client.get(revert_url(request, first)))
    request.title = "Meanwhile"
    services.record_save(request, by=editor)

    response = client.post(revert_url(request, first), data)

    assert "changed by someone else" in response.content.decode()
    assert OptOutRequest.objects.get(pk=request.pk).title == "Meanwhile"
