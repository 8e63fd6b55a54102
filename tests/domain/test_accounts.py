"""The Editors and Viewers groups, and the demo accounts `make run` creates."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def codenames(group: str) -> set[str]:
    return set(Group.objects.get(name=group).permissions.values_list("codename", flat=True))


def test_viewers_may_only_view() -> None:
    perms = codenames("Viewers")
    assert {"view_optoutrequest", "view_letter", "view_contact", "view_transition"} <= perms
    assert all(p.startswith("view_") for p in perms)


def test_editors_add_and_change_but_never_delete() -> None:
    perms = codenames("Editors")
    assert {"add_letter", "change_letter", "add_optoutrequest", "change_jurisdiction"} <= perms
    assert not any(p.startswith("delete_") for p in perms)


def test_nobody_but_the_services_writes_the_transition_log() -> None:
    assert {"add_transition", "change_transition"}.isdisjoint(codenames("Editors"))


def test_demo_accounts_are_created_with_printed_passwords(settings: Any, capsys: Any) -> None:
    settings.DEBUG = True
    call_command("create_demo_accounts", password="demo-pass-1")
    out = capsys.readouterr().out
    for name in ("admin", "editor", "viewer"):
        assert f"{name}" in out and "demo-pass-1" in out
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    sign_in = RequestFactory().post("/accounts/login/")  # as the sign-in page does
    editor = authenticate(sign_in, username="editor", password="demo-pass-1")
    assert editor is not None and editor.has_perm("tracker.add_letter")
    assert not editor.has_perm("tracker.delete_letter")
    viewer = authenticate(sign_in, username="viewer", password="demo-pass-1")
    assert viewer is not None and not viewer.has_perm("tracker.add_letter")
    admin = authenticate(sign_in, username="admin", password="demo-pass-1")
    assert admin is not None and admin.is_superuser


def test_demo_accounts_are_refused_when_debug_is_off(settings: Any) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only created when DEBUG is on"):
        call_command("create_demo_accounts")
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(username="admin").exists()


def test_nobody_but_admins_can_read_other_peoples_calendar_addresses() -> None:
    assert not any("calendartoken" in p for p in codenames("Viewers") | codenames("Editors"))


def test_the_reminder_log_is_written_only_by_the_reminder_job() -> None:
    assert {"add_reminderlog", "change_reminderlog"}.isdisjoint(codenames("Editors"))
