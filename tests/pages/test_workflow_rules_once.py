"""The workflow's rules are decided once, in tracker.domain.services, and every page asks.

The moves not yet possible (with what to do first) come from
``selectors.request_blocked_steps`` on the staff request page and on the admin's
change page alike; a publishing button is shown only next to an item of a kind the
person may change, which is what the publishing POST checks.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from tests.factories import AgencyFactory
from tracker.domain import selectors, services
from tracker.domain.workflow import State
from tracker.models import Letter, OptOutRequest

pytestmark = pytest.mark.django_db


def test_a_draft_without_a_sent_letter_cannot_be_marked_as_sent_and_says_why(
    draft: OptOutRequest,
) -> None:
    blocked = selectors.request_blocked_steps(draft)
    assert [(edge.target, reason) for edge, reason in blocked] == [
        (State.NOTICE_SENT, "log a letter sent by the jurisdiction on this request first")
    ]


def test_nothing_is_blocked_once_the_guard_passes(draft: OptOutRequest, editor: Any) -> None:
    services.letter_log(
        request=draft, by=editor, sender=AgencyFactory(), subject="Notice of intent to opt out"
    )
    assert selectors.request_blocked_steps(draft) == []


def test_the_staff_page_and_the_admin_show_the_blocked_moves_the_service_gives(
    client: Client, editor: Any, draft: OptOutRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    (edge, _reason) = selectors.request_blocked_steps(draft)[0]
    # Whatever the service decides is what both pages show: neither decides it again.
    monkeypatch.setattr(
        selectors, "request_blocked_steps", lambda request: [(edge, "ask the council first")]
    )
    client.force_login(editor)
    staff = client.get(draft.get_absolute_url()).text
    admin = client.get(reverse("admin:tracker_optoutrequest_change", args=[draft.pk])).text
    assert f"{edge.label}: ask the council first." in staff
    assert f"{edge.label}: ask the council first." in admin


#: What reading a request's page takes: its timeline shows all of these together.
TIMELINE_READING = (
    "view_optoutrequest",
    "view_letter",
    "view_agencyresponse",
    "view_meeting",
    "view_transition",
)


def _user_with(django_user_model: Any, *codenames: str) -> Any:
    """Someone who may read a request's page, and do what ``codenames`` allow."""
    user = django_user_model.objects.create_user(username="partial", password="pw-partial")
    user.user_permissions.add(
        *Permission.objects.filter(codename__in={*TIMELINE_READING, *codenames})
    )
    return user


@pytest.fixture
def letter(draft: OptOutRequest, editor: Any) -> Letter:
    return services.letter_log(
        request=draft, by=editor, sender=AgencyFactory(), subject="Notice of intent to opt out"
    )


def test_who_may_change_requests_but_not_letters_sees_no_publish_button_on_letters(
    client: Client, django_user_model: Any, letter: Letter
) -> None:
    user = _user_with(
        django_user_model, "view_optoutrequest", "change_optoutrequest", "view_letter"
    )
    client.force_login(user)
    page = client.get(letter.request.get_absolute_url()).text
    assert f'action="/publish/request/{letter.request_id}/"' in page
    assert f'action="/publish/letter/{letter.pk}/"' not in page
    # And the POST agrees: the button was not shown because it would be refused.
    response = client.post(
        f"/publish/letter/{letter.pk}/", {"public": "1", "version": letter.version}
    )
    assert response.status_code == 403


def test_who_may_change_letters_but_not_requests_sees_the_letters_publish_button_only(
    client: Client, django_user_model: Any, letter: Letter
) -> None:
    user = _user_with(django_user_model, "view_optoutrequest", "view_letter", "change_letter")
    client.force_login(user)
    page = client.get(letter.request.get_absolute_url()).text
    assert f'action="/publish/letter/{letter.pk}/"' in page
    assert f'action="/publish/request/{letter.request_id}/"' not in page
