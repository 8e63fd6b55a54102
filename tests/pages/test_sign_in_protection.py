"""Repeated wrong passwords pause signing in, per account and per address, with a
clear message, before any password is checked again."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

pytestmark = pytest.mark.django_db

LIMIT = settings.AXES_FAILURE_LIMIT
PAGES = ["/accounts/login/", "/admin/login/"]


def sign_in(
    client: Client, page: str, username: str, password: str, address: str = "203.0.113.7"
) -> Any:
    return client.post(page, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("page", PAGES)
def test_after_the_limit_even_the_right_password_is_refused_for_a_while(
    client: Client, editor: User, page: str
) -> None:
    for _attempt in range(LIMIT - 1):
        response = sign_in(client, page, "editor", "wrong")
        assert response.status_code == 200  # the form again, with its error
    # The last failure allowed is answered with the pause.
    assert sign_in(client, page, "editor", "wrong").status_code == 429
    response = sign_in(client, page, "editor", "pw-editor")
    assert response.status_code == 429
    assert response["Retry-After"] == str(settings.AXES_COOLOFF_TIME.seconds)
    assert b"Signing in is paused" in response.content
    assert not signed_in(client)


def test_the_pause_ends_after_the_cool_off(client: Client, editor: User) -> None:
    for _attempt in range(LIMIT):
        sign_in(client, PAGES[0], "editor", "wrong")
    assert sign_in(client, PAGES[0], "editor", "pw-editor").status_code == 429
    later = dt.datetime.now(dt.UTC) + settings.AXES_COOLOFF_TIME + dt.timedelta(minutes=1)
    with time_machine.travel(later):
        response = sign_in(client, PAGES[0], "editor", "pw-editor")
    assert response.status_code == 302
    assert signed_in(client)


def test_one_address_trying_many_accounts_is_paused(client: Client, editor: User) -> None:
    for number in range(LIMIT):
        sign_in(client, PAGES[0], f"someone-{number}", "guess", address="198.51.100.9")
    blocked = sign_in(client, PAGES[0], "editor", "pw-editor", address="198.51.100.9")
    assert blocked.status_code == 429
    # The account itself had no failure: from anywhere else its owner signs in.
    elsewhere = sign_in(Client(), PAGES[0], "editor", "pw-editor", address="192.0.2.1")
    assert elsewhere.status_code == 302


def test_one_account_tried_from_many_addresses_is_paused(client: Client, editor: User) -> None:
    for number in range(LIMIT):
        sign_in(Client(), PAGES[0], "editor", "wrong", address=f"192.0.2.{number + 10}")
    assert sign_in(client, PAGES[0], "editor", "pw-editor", address="192.0.2.99").status_code == 429


def test_a_forged_forwarded_address_does_not_escape_the_pause(client: Client, editor: User) -> None:
    for number in range(LIMIT):
        client.post(
            PAGES[0],
            {"username": f"someone-{number}", "password": "guess"},
            REMOTE_ADDR="198.51.100.9",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{number}",
        )
    response = client.post(
        PAGES[0],
        {"username": "editor", "password": "pw-editor"},
        REMOTE_ADDR="198.51.100.9",
        HTTP_X_FORWARDED_FOR="10.9.9.9",
    )
    assert response.status_code == 429


def test_a_successful_sign_in_clears_the_count(client: Client, editor: User) -> None:
    for _attempt in range(LIMIT - 1):
        sign_in(client, PAGES[0], "editor", "wrong")
    assert sign_in(client, PAGES[0], "editor", "pw-editor").status_code == 302
    client.logout()
    for _attempt in range(LIMIT - 1):
        sign_in(client, PAGES[0], "editor", "wrong")
    assert sign_in(client, PAGES[0], "editor", "pw-editor").status_code == 302


def test_no_password_is_checked_while_paused(client: Client, editor: User) -> None:
    for _attempt in range(LIMIT):
        sign_in(client, PAGES[0], "editor", "wrong")
    with mock.patch.object(User, "check_password", autospec=True) as check:
        for _attempt in range(10):
            assert sign_in(client, PAGES[0], "editor", "pw-editor").status_code == 429
    assert check.call_count == 0
