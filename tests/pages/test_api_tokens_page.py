"""The staff page "Your API tokens": list, make (secret shown once), revoke."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from core.models import ApiToken
from core.tokens import api_token_create, hash_secret

pytestmark = pytest.mark.django_db

PAGE = reverse("api-tokens")


def test_making_a_token_shows_its_secret_once(editor_client: Client, editor: Any) -> None:
    made = editor_client.post(
        PAGE, {"action": "create", "name": "Dashboard", "expires_in_days": "30"}
    )
    assert made.status_code == 201
    assert made["Cache-Control"] == "no-store"
    secret = re.search(r'value="(oot_[^"]+)"', made.content.decode()).group(1)
    token = ApiToken.objects.get(user=editor)
    assert token.secret_hash == hash_secret(secret)
    assert token.expires_at is not None
    again = editor_client.get(PAGE)
    assert secret not in again.content.decode()
    assert "Dashboard" in again.content.decode()
    assert token.prefix in again.content.decode()


def test_a_token_without_a_name_is_refused_with_a_form_error(editor_client: Client) -> None:
    refused = editor_client.post(PAGE, {"action": "create", "name": "", "expires_in_days": "30"})
    assert refused.status_code == 400
    assert "This field is required." in refused.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_a_token_stops_it_and_keeps_it_listed(editor_client: Client, editor: Any) -> None:
    token, secret = api_token_create(user=editor, name="Leaked")
    answer = editor_client.post(PAGE, {"action": "revoke", "token": str(token.pk)}, follow=True)
    assert answer.status_code == 200
    assert "is revoked" in answer.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {secret}").status_code == 401


def test_nobody_revokes_or_sees_another_persons_token(editor_client: Client, viewer: Any) -> None:
    theirs, _secret = api_token_create(user=viewer, name="Viewer's script")
    assert (
        editor_client.post(PAGE, {"action": "revoke", "token": str(theirs.pk)}).status_code == 404
    )
    assert editor_client.post(PAGE, {"action": "revoke", "token": "x1"}).status_code == 404
    assert "Viewer&#x27;s script" not in editor_client.get(PAGE).content.decode()
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_the_page_needs_a_staff_role(client: Client, django_user_model: Any) -> None:
    assert client.get(PAGE).status_code == 302  # to the sign-in page
    client.force_login(django_user_model.objects.create_user(username="nobody", password="pw"))
    assert client.get(PAGE).status_code == 403


def test_the_page_costs_the_same_however_many_tokens(
    editor_client: Client, editor: Any, django_assert_num_queries: Any
) -> None:
    for n in range(30):
        api_token_create(user=editor, name=f"Token {n}")
    editor_client.get(PAGE)
    # Expect 6 queries: session, user, the user's and groups' permissions (staff role),
    # the count, the page of tokens.
    with django_assert_num_queries(6):
        answer = editor_client.get(PAGE)
    assert answer.content.decode().count("<tr>") == 1 + 25
