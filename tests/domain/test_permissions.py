"""Who may do what: every predicate's answer for each member of the fixed cast."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from tracker.domain import permissions
from tracker.models import Letter, OptOutRequest, Statement

pytestmark = pytest.mark.django_db

CAST = ("admin", "editor", "viewer", "no group", "anonymous", "deactivated admin")

#: predicate, then its answer for each of CAST, in order.
ANSWERS: list[tuple[str, Callable[[Any], bool], tuple[int, ...]]] = [
    ("use the staff pages", permissions.may_use_staff_pages, (1, 1, 1, 0, 0, 0)),
    ("use a calendar feed", permissions.may_use_calendar_feed, (1, 1, 1, 0, 0, 0)),
    ("view letters", lambda u: permissions.may_view(u, Letter), (1, 1, 1, 0, 0, 0)),
    (
        "view requests and letters",
        lambda u: permissions.may_view_all(u, OptOutRequest, Letter),
        (1, 1, 1, 0, 0, 0),
    ),
    ("add letters", lambda u: permissions.may_add(u, Letter), (1, 1, 0, 0, 0, 0)),
    ("change letters", lambda u: permissions.may_change(u, Letter), (1, 1, 0, 0, 0, 0)),
    ("delete letters", lambda u: permissions.may_delete(u, Letter), (1, 0, 0, 0, 0, 0)),
    ("delete requests", lambda u: permissions.may_delete(u, OptOutRequest), (1, 0, 0, 0, 0, 0)),
    ("move requests", permissions.may_move, (1, 1, 0, 0, 0, 0)),
    ("read timelines", permissions.may_read_timelines, (1, 1, 1, 0, 0, 0)),
    ("read milestones", permissions.may_read_milestones, (1, 1, 1, 0, 0, 0)),
    ("publish statements", lambda u: permissions.may_publish(u, Statement), (1, 1, 0, 0, 0, 0)),
    (
        "restore an old version",
        lambda u: permissions.may_restore_version(u, OptOutRequest),
        (1, 0, 0, 0, 0, 0),
    ),
    (
        "see contacts' private details",
        permissions.may_see_private_contact_details,
        (1, 1, 1, 0, 0, 0),
    ),
    (
        "see reminders and calendar addresses",
        permissions.may_see_reminders_and_calendar_addresses,
        (1, 0, 0, 0, 0, 0),
    ),
    # Staff, not a role: a deactivated colleague still counts (their requests stay theirs).
    ("own a request", permissions.may_own_request, (1, 1, 1, 0, 0, 1)),
    ("see only the public record", permissions.sees_only_the_public_record, (0, 0, 0, 0, 1, 0)),
]


@pytest.fixture
def cast(admin_user: Any, editor: Any, viewer: Any, django_user_model: Any) -> dict[str, Any]:
    no_group = django_user_model.objects.create_user(username="no-group")
    deactivated = django_user_model.objects.create_user(
        username="former-admin", is_staff=True, is_superuser=True, is_active=False
    )
    return {
        "admin": admin_user,
        "editor": editor,
        "viewer": viewer,
        "no group": no_group,
        "anonymous": AnonymousUser(),
        "deactivated admin": deactivated,
    }


@pytest.mark.parametrize(
    ("predicate", "expected"),
    [(predicate, expected) for _name, predicate, expected in ANSWERS],
    ids=[name for name, _predicate, _expected in ANSWERS],
)
def test_each_predicate_answers_as_expected_for_the_cast(
    cast: dict[str, Any], predicate: Callable[[Any], bool], expected: tuple[int, ...]
) -> None:
    answers = {who: predicate(cast[who]) for who in CAST}
    assert answers == {who: bool(answer) for who, answer in zip(CAST, expected, strict=True)}


def test_the_people_offered_as_owners_are_exactly_those_who_may_own_a_request(
    cast: dict[str, Any],
) -> None:
    offered = set(permissions.people_who_may_own_requests())
    users = [user for user in cast.values() if user.is_authenticated]
    assert {user for user in users if permissions.may_own_request(user)} == offered
    assert list(permissions.people_who_may_own_requests()) == sorted(
        offered, key=lambda user: user.username
    )


def test_a_timeline_and_the_milestones_need_the_same_rights_on_every_surface(
    django_user_model: Any,
) -> None:
    """Someone who may read requests but not their letters is refused a request's
    timeline and the agencies' reply times on the staff pages and in the API alike."""
    from django.contrib.auth.models import Permission
    from django.test import Client
    from rest_framework.test import APIClient

    from tests.factories import RequestFactory

    optout = RequestFactory()
    reader = django_user_model.objects.create_user(username="requests-only", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_optoutrequest"))
    page, api = Client(), APIClient()
    page.force_login(reader)
    api.force_login(reader)
    answers = {
        "staff request page": page.get(optout.get_absolute_url()).status_code,
        "staff jurisdiction page": page.get(optout.jurisdiction.get_absolute_url()).status_code,
        "API timeline": api.get(f"/api/v1/requests/{optout.pk}/timeline/").status_code,
        "staff milestones page": page.get("/milestones/").status_code,
        "API agencies' reply times": api.get("/api/v1/milestones/agencies/").status_code,
    }
    assert answers == dict.fromkeys(answers, 403)
