"""``/api/v1/me/``: who the caller is and what the permissions let them do."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from core.tokens import api_token_create
from tracker.api.me import RESOURCES

pytestmark = pytest.mark.django_db


def signed_in(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=user, name='me')[1]}")
    return client


def test_an_editor_learns_their_username_groups_and_what_they_may_do(editor: Any) -> None:
    editor.first_name, editor.last_name = "Eda", "Ramos"
    editor.save()
    me = signed_in(editor).get("/api/v1/me/").json()
    assert me["username"] == "editor"
    assert me["name"] == "Eda Ramos"
    assert me["groups"] == ["Editors"]
    assert me["is_staff"] is True
    assert me["is_admin"] is False
    assert me["resources"]["letters"] == {
        "view": True,
        "add": True,
        "change": True,
        "delete": False,
    }
    assert me["may_move"] is True
    assert me["may_read_timelines"] is True
    assert me["may_read_milestones"] is True
    assert me["may_keep_api_tokens"] is True
    assert me["may_keep_webhooks"] is True


def test_a_viewer_may_only_read(viewer: Any) -> None:
    me = signed_in(viewer).get("/api/v1/me/").json()
    assert me["groups"] == ["Viewers"]
    assert set(me["resources"]) == set(RESOURCES)
    for name, allowed in me["resources"].items():
        assert allowed == {"view": True, "add": False, "change": False, "delete": False}, name
    assert me["may_move"] is False
    assert me["may_read_timelines"] is True


def test_an_admin_may_delete_but_nobody_writes_the_status_log(admin_user: Any) -> None:
    me = signed_in(admin_user).get("/api/v1/me/").json()
    assert me["is_admin"] is True
    assert me["resources"]["requests"]["delete"] is True
    assert me["resources"]["transitions"] == {
        "view": True,
        "add": False,
        "change": False,
        "delete": False,
    }


def test_an_account_without_a_role_is_told_it_may_do_nothing(django_user_model: Any) -> None:
    nobody = django_user_model.objects.create_user(username="nobody", password="pw")
    me = signed_in(nobody).get("/api/v1/me/").json()
    assert me["groups"] == []
    assert me["is_staff"] is False
    assert not any(any(allowed.values()) for allowed in me["resources"].values())
    assert me["may_see_private_contact_details"] is False


def test_what_me_says_matches_what_the_api_answers(viewer: Any, editor: Any) -> None:
    for user in (viewer, editor):
        client = signed_in(user)
        may_add = client.get("/api/v1/me/").json()["resources"]["statements"]["add"]
        answer = client.post("/api/v1/statements/", {}, format="json")
        assert (answer.status_code == 400) is may_add, answer.status_code
        assert (answer.status_code == 403) is not may_add


def test_anonymous_callers_get_401() -> None:
    answer = APIClient().get("/api/v1/me/")
    assert answer.status_code == 401
    assert answer.json()["code"] == "not_authenticated"


def test_me_costs_a_fixed_few_queries(
    admin_user: Any, editor: Any, django_assert_num_queries: Any
) -> None:
    # An admin has every permission without reading them. Expect 2 queries: the token
    # with its user, the groups.
    # An editor: also the user's and the groups' permissions, read once for all questions.
    for user, queries in ((admin_user, 2), (editor, 4)):
        client = signed_in(user)
        client.get("/api/v1/me/")  # the token's last use is written at most once a minute
        with django_assert_num_queries(queries):
            assert client.get("/api/v1/me/").status_code == 200


def test_me_is_in_the_schema(reader: APIClient) -> None:
    schema = reader.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/me/"]["get"]
    assert set(operation["responses"]) >= {"200", "401"}
    assert "resources" in schema["components"]["schemas"]["Me"]["properties"]
