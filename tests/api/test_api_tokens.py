"""``/api/v1/tokens/``: obtaining, listing, making, rotating and revoking one's own API
tokens, and signing in with them."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import io
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import ApiToken
from core.tokens import api_token_create, api_token_revoke, hash_secret

pytestmark = pytest.mark.django_db


def with_token(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def obtain(client: APIClient, **body: Any) -> Any:
    return client.post("/api/v1/tokens/obtain/", body, format="json")


# --- Obtaining a token with a password ------------------------------------------------


def test_a_username_and_password_obtain_a_token_shown_once(editor: Any) -> None:
    answer = obtain(APIClient(), username="editor", password="pw-editor", name="Nightly sync")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["name"] == "Nightly sync"
    assert body["state"] == "active"
    secret = body["secret"]
    assert secret.startswith("oot_")
    assert secret.startswith(body["prefix"])
    stored = ApiToken.objects.get(pk=body["id"])
    assert stored.user == editor
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiToken.objects.filter(pk=stored.pk).values().get())
    assert with_token(secret).get("/api/v1/me/").json()["username"] == "editor"
    listed = with_token(secret).get("/api/v1/tokens/").json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]
    assert "secret" not in listed[0]
    assert secret not in str(with_token(secret).get(f"/api/v1/tokens/{body['id']}/").content)


def test_a_wrong_password_is_a_401_and_makes_no_token(editor: Any) -> None:
    answer = obtain(APIClient(), username="editor", password="wrong", name="x")
    assert answer.status_code == 401
    assert answer.json()["code"] == "authentication_failed"
    assert not ApiToken.objects.exists()


def test_wrong_passwords_pause_the_account_like_the_sign_in_page(
    editor: Any, settings: Any
) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    for _attempt in range(2):
        obtain(APIClient(), username="editor", password="wrong", name="x")
    paused = obtain(APIClient(), username="editor", password="pw-editor", name="x")
    assert paused.status_code == 429
    assert paused.json()["code"] == "throttled"
    assert int(paused["Retry-After"]) > 0
    assert not ApiToken.objects.exists()
    # The same pause covers the sign-in page: the wrong passwords counted there too.
    page = APIClient().post("/accounts/login/", {"username": "editor", "password": "pw-editor"})
    assert page.status_code == 429


def test_obtaining_needs_every_field_and_refuses_unknown_ones(editor: Any) -> None:
    unknown = obtain(APIClient(), username="editor", password="pw-editor", name="n", scope="all")
    assert unknown.status_code == 400
    assert set(unknown.json()["errors"]) == {"scope"}
    nameless = obtain(APIClient(), username="editor", password="pw-editor")
    assert nameless.status_code == 400
    assert set(nameless.json()["errors"]) == {"name"}
    assert not ApiToken.objects.exists()


def test_a_wrong_token_sent_along_does_not_stop_obtaining_one(editor: Any) -> None:
    answer = obtain(with_token("oot_stale"), username="editor", password="pw-editor", name="n")
    assert answer.status_code == 201


# --- Managing one's tokens --------------------------------------------------------------


def test_a_signed_in_user_makes_a_token_with_an_expiry(api: APIClient) -> None:
    expires = (timezone.now() + dt.timedelta(days=30)).replace(microsecond=0)
    answer = api.post(
        "/api/v1/tokens/", {"name": "Dashboard", "expires_at": expires.isoformat()}, format="json"
    )
    assert answer.status_code == 201, answer.content
    token = ApiToken.objects.get(pk=answer.json()["id"])
    assert token.expires_at == expires
    assert token.secret_hash == hash_secret(answer.json()["secret"])


def test_an_expiry_in_the_past_is_refused(api: APIClient) -> None:
    answer = api.post(
        "/api/v1/tokens/", {"name": "x", "expires_at": "2001-01-01T00:00:00Z"}, format="json"
    )
    assert answer.status_code == 400
    assert "expires_at" in answer.json()["errors"]


def test_nobody_sees_or_touches_another_users_tokens(editor: Any, viewer: Any) -> None:
    theirs, _secret = api_token_create(user=viewer, name="viewer's")
    _mine, secret = api_token_create(user=editor, name="editor's")
    client = with_token(secret)
    assert [row["name"] for row in client.get("/api/v1/tokens/").json()["results"]] == ["editor's"]
    assert client.get(f"/api/v1/tokens/{theirs.pk}/").status_code == 404
    assert client.post(f"/api/v1/tokens/{theirs.pk}/rotate/").status_code == 404
    assert client.delete(f"/api/v1/tokens/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_rotating_gives_a_new_secret_and_the_old_one_dies(editor: Any) -> None:
    token, old = api_token_create(user=editor, name="Sync")
    _other, manager = api_token_create(user=editor, name="Manager")
    answer = with_token(manager).post(f"/api/v1/tokens/{token.pk}/rotate/")
    assert answer.status_code == 200
    new = answer.json()["secret"]
    assert new != old
    assert answer.json()["name"] == "Sync"
    assert with_token(new).get("/api/v1/me/").status_code == 200
    refused = with_token(old).get("/api/v1/me/")
    assert refused.status_code == 401
    assert refused.json()["detail"] == "Invalid token."


def test_a_revoked_token_answers_401_saying_so(editor: Any) -> None:
    token, secret = api_token_create(user=editor, name="Leaked")
    client = with_token(secret)
    assert client.delete(f"/api/v1/tokens/{token.pk}/").status_code == 204
    refused = client.get("/api/v1/letters/")
    assert refused.status_code == 401
    assert refused.json()["code"] == "authentication_failed"
    assert "revoked" in refused.json()["detail"]
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_revoked_token_stays_listed_and_cannot_be_rotated(api: APIClient, editor: Any) -> None:
    token, _secret = api_token_create(user=editor, name="Old")
    api_token_revoke(token=token)
    listed = api.get("/api/v1/tokens/").json()["results"]
    assert [(row["name"], row["state"]) for row in listed] == [("Old", "revoked")]
    refused = api.post(f"/api/v1/tokens/{token.pk}/rotate/")
    assert refused.status_code == 409
    assert refused.json()["code"] == "token_not_active"


def test_an_expired_token_answers_401_saying_when_it_expired(editor: Any) -> None:
    expires = timezone.now() + dt.timedelta(days=1)
    _token, secret = api_token_create(user=editor, name="Short", expires_at=expires)
    assert with_token(secret).get("/api/v1/me/").status_code == 200
    with time_machine.travel(expires + dt.timedelta(seconds=1)):
        refused = with_token(secret).get("/api/v1/me/")
    assert refused.status_code == 401
    assert "expired" in refused.json()["detail"]


def test_a_deactivated_accounts_token_is_refused(editor: Any) -> None:
    _token, secret = api_token_create(user=editor, name="Gone")
    editor.is_active = False
    editor.save()
    assert with_token(secret).get("/api/v1/me/").status_code == 401


def test_anonymous_callers_cannot_list_tokens() -> None:
    assert APIClient().get("/api/v1/tokens/").status_code == 401


def test_last_use_is_written_at_most_once_a_minute(
    editor: Any, django_assert_num_queries: Any
) -> None:
    token, secret = api_token_create(user=editor, name="Busy")
    client = with_token(secret)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.get("/api/v1/me/")
        token.refresh_from_db()
        assert token.last_used_at == start
        # Expect 4 queries, none of them a write: token with its user, groups,
        # the user's and the groups' permissions.
        with django_assert_num_queries(4):
            client.get("/api/v1/me/")
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        client.get("/api/v1/me/")
    token.refresh_from_db()
    assert token.last_used_at == start + dt.timedelta(seconds=61)


def test_the_token_list_costs_the_same_however_many_tokens(
    editor: Any, django_assert_num_queries: Any
) -> None:
    _token, secret = api_token_create(user=editor, name="Lister")
    client = with_token(secret)
    client.get("/api/v1/tokens/")
    for n in range(5):
        api_token_create(user=editor, name=f"Token {n}")
    # Expect 3 queries: the token with its user, the count, the page of tokens.
    with django_assert_num_queries(3):
        answer = client.get("/api/v1/tokens/")
    assert answer.json()["count"] == 6


def test_wrong_tokens_still_count_toward_the_per_address_pause(editor: Any, settings: Any) -> None:
    settings.WRONG_TOKENS_PER_MINUTE = 1
    token, secret = api_token_create(user=editor, name="Revoked")
    api_token_revoke(token=token)
    assert with_token(secret).get("/api/v1/me/").status_code == 401
    assert with_token(secret).get("/api/v1/me/").status_code == 429


def test_tokens_are_in_the_schema(reader: APIClient) -> None:
    schema = reader.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "post" in schema["paths"]["/api/v1/tokens/obtain/"]
    assert "post" in schema["paths"]["/api/v1/tokens/{id}/rotate/"]
    assert "secret" in schema["components"]["schemas"]["TokenWithSecret"]["properties"]
    assert "secret" not in schema["components"]["schemas"]["Token"]["properties"]


def test_keys_made_before_named_tokens_are_moved_and_keep_working(editor: Any) -> None:
    from rest_framework.authtoken.models import Token

    old = Token.objects.create(user=editor)
    made = old.created
    migration = importlib.import_module("core.migrations.0003_api_tokens")
    state = MigrationExecutor(connection).loader.project_state(("core", "0003_api_tokens"))
    migration.move_keys_of_the_old_tokens(state.apps, None)
    assert not Token.objects.exists()  # no key is kept in the clear
    moved = ApiToken.objects.get(user=editor)
    assert moved.secret_hash == hash_secret(old.key)
    assert moved.created_at == made
    assert old.key not in str(ApiToken.objects.filter(pk=moved.pk).values().get())
    assert with_token(old.key).get("/api/v1/me/").json()["username"] == "editor"


def test_an_administrator_makes_a_token_from_the_shell(editor: Any) -> None:
    out = io.StringIO()
    call_command(
        "create_api_token", "editor", "--name", "Import job", "--expires-in-days", "7", stdout=out
    )
    secret = out.getvalue().strip()
    token = ApiToken.objects.get(secret_hash=hash_secret(secret))
    assert token.name == "Import job"
    assert token.expires_at is not None
    assert with_token(secret).get("/api/v1/me/").status_code == 200
    with pytest.raises(CommandError, match="No user named 'ghost'"):
        call_command("create_api_token", "ghost", "--name", "x")
    with pytest.raises(CommandError, match="--expires-in-days"):
        call_command("create_api_token", "editor", "--name", "x", "--expires-in-days", "0")


def test_why_a_token_is_refused_is_said_in_the_readers_language(editor: Any) -> None:
    token, secret = api_token_create(user=editor, name="Revoked")
    api_token_revoke(token=token)
    refused = with_token(secret).get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="es")
    assert refused.status_code == 401
    assert refused.json()["detail"].startswith("Este token se revocó el ")
