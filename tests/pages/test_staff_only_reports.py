"""The milestones report and the calendar feeds are for the staff only.

An account with no role (signed in, in no group) sees none of the staff pages:
unpublished requests' figures and the private feeds included.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from tests.factories import RequestFactory
from tracker.domain import services
from tracker.domain.roles import VIEWERS
from tracker.models import CalendarToken

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_role(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user(username="norole", password="pw-norole")


def test_an_account_with_no_role_gets_403_on_the_milestones_page(
    client: Client, no_role: Any
) -> None:
    RequestFactory(title="Unpublished: Arlington County removal", is_public=False)
    client.force_login(no_role)
    response = client.get("/milestones/")
    assert response.status_code == 403
    assert "Arlington" not in response.text


def test_viewers_still_see_the_milestones_page(client: Client, viewer: Any) -> None:
    RequestFactory(title="Unpublished: Arlington County removal", is_public=False)
    client.force_login(viewer)
    response = client.get("/milestones/")
    assert response.status_code == 200
    assert "Arlington County removal" in response.text


def test_an_account_with_no_role_can_neither_see_nor_create_a_calendar_address(
    client: Client, no_role: Any
) -> None:
    client.force_login(no_role)
    assert client.get("/calendar/").status_code == 403
    assert client.post("/calendar/", {"action": "create"}).status_code == 403
    assert not CalendarToken.objects.filter(user=no_role).exists()


def test_a_viewer_still_creates_a_calendar_address(client: Client, viewer: Any) -> None:
    client.force_login(viewer)
    assert client.post("/calendar/", {"action": "create"}).status_code == 302
    assert CalendarToken.objects.active().filter(user=viewer).exists()


def test_the_feed_of_someone_who_has_lost_the_role_answers_404(client: Client, viewer: Any) -> None:
    token = services.calendar_token_create(user=viewer)
    assert client.get(token.get_absolute_url()).status_code == 200
    viewer.groups.remove(Group.objects.get(name=VIEWERS))
    assert client.get(token.get_absolute_url()).status_code == 404


def test_the_feed_needs_the_staff_pages_permission_not_only_letters(
    client: Client, no_role: Any
) -> None:
    # Reading letters alone is not the staff role: the feed also shows every request.
    no_role.user_permissions.add(Permission.objects.get(codename="view_letter"))
    token = services.calendar_token_create(user=no_role)
    assert client.get(token.get_absolute_url()).status_code == 404
