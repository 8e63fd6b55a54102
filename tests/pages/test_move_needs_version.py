"""A move or a re-open must say which version of the request it was pressed on.

Without the version, a move could apply to a request someone else has moved in
the meantime: the staff pages and the admin refuse it with a 400 and a message,
like an edit without its version. The admin's bulk action reads each request's
version itself (a bulk move applies to the requests as they are now).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import JurisdictionFactory
from tracker.domain import services
from tracker.domain.workflow import State
from tracker.models import OptOutRequest
from tracker.pages.forms import MOVE_VERSION_MISSING

pytestmark = pytest.mark.django_db


@pytest.fixture
def withdrawn(draft: OptOutRequest, editor: Any) -> OptOutRequest:
    services.request_transition(request=draft, to="withdrawn", by=editor)
    draft.refresh_from_db()
    return draft


def admin_transition_url(optout: OptOutRequest) -> str:
    return reverse("admin:tracker_optoutrequest_transition", args=[optout.pk])


def test_a_staff_move_without_a_version_is_refused_and_nothing_moves(
    client: Client, editor: Any, draft: OptOutRequest
) -> None:
    client.force_login(editor)
    response = client.post(
        f"/requests/{draft.pk}/move/", {"move-to": "withdrawn", "move-note": "Dropped"}
    )
    assert response.status_code == 400
    assert "does not say which version of the request" in response.text
    # The note typed is kept, and the form now carries the current version.
    assert "Dropped" in response.text
    assert f'name="move-version" value="{draft.version}"' in response.text
    draft.refresh_from_db()
    assert draft.status == State.DRAFT
    assert draft.transitions.count() == 1


def test_a_staff_reopen_without_a_version_is_refused(
    client: Client, editor: Any, withdrawn: OptOutRequest
) -> None:
    client.force_login(editor)
    response = client.post(f"/requests/{withdrawn.pk}/reopen/", {"move-note": "Back"})
    assert response.status_code == 400
    withdrawn.refresh_from_db()
    assert withdrawn.status == State.WITHDRAWN


def test_a_staff_move_with_its_version_still_moves(
    client: Client, editor: Any, draft: OptOutRequest
) -> None:
    client.force_login(editor)
    response = client.post(
        f"/requests/{draft.pk}/withdraw/",
        {"move-note": "Dropped", "move-version": draft.version},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == State.WITHDRAWN


def test_an_admin_reopen_without_a_version_is_refused_with_a_400(
    client: Client, editor: Any, withdrawn: OptOutRequest
) -> None:
    client.force_login(editor)
    before = (withdrawn.status, withdrawn.version)
    response = client.post(admin_transition_url(withdrawn), {"move-reopen": "on"})
    assert response.status_code == 400
    assert response.text == str(MOVE_VERSION_MISSING)
    withdrawn.refresh_from_db()
    assert (withdrawn.status, withdrawn.version) == before


def test_an_admin_move_without_a_version_on_an_open_request_is_refused(
    client: Client, editor: Any, draft: OptOutRequest
) -> None:
    client.force_login(editor)
    response = client.post(admin_transition_url(draft), {"move-to": "withdrawn"})
    assert response.status_code == 400
    assert response.text == str(MOVE_VERSION_MISSING)
    draft.refresh_from_db()
    assert draft.status == State.DRAFT


def test_the_bulk_action_moves_each_request_at_its_current_version(
    client: Client, editor: Any, draft: OptOutRequest
) -> None:
    other = services.request_open(
        jurisdiction=JurisdictionFactory(name="Fairfax County", state="VA"),
        title="Fairfax County: removal",
        by=editor,
    )
    # Edited since it was opened: its version is no longer 1.
    services.record_save(other, by=editor, expected_version=other.version)
    client.force_login(editor)
    response = client.post(
        reverse("admin:tracker_optoutrequest_changelist"),
        {
            "action": "apply_transition",
            "_selected_action": [draft.pk, other.pk],
            "transition_to": "withdrawn",
            "transition_note": "Both dropped",
        },
    )
    assert response.status_code == 302
    statuses = set(
        OptOutRequest.objects.filter(pk__in=[draft.pk, other.pk]).values_list("status", flat=True)
    )
    assert statuses == {State.WITHDRAWN}
