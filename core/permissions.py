"""Who may read, add, change and delete a record of any app, and restore an old version.

Django's model permissions decide: the Editors and Viewers groups carry
``view_``/``add_``/``change_`` permissions, admins (superusers) have them all,
``delete_`` included. An inactive account has none. Both apps' admins (through
:class:`core.admin.TrackedAdmin`) and ``tracker.domain.permissions``, which adds
the tracker's own rules and is what the tracker's surfaces import, build on
these predicates, so each rule is written once.
"""

from __future__ import annotations

from typing import Protocol

from django.contrib.auth import get_permission_codename
from django.db.models import Model


class Person(Protocol):
    """Anyone asking, signed in or not (a user or Django's ``AnonymousUser``)."""

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def is_active(self) -> bool: ...

    @property
    def is_staff(self) -> bool: ...

    @property
    def is_superuser(self) -> bool: ...

    def has_perm(self, perm: str, obj: Model | None = None) -> bool: ...


def model_permission(action: str, record: Model | type[Model]) -> str:
    """``"<app_label>.<action>_<model_name>"``, e.g. ``"tracker.change_letter"``."""
    opts = record._meta
    return f"{opts.app_label}.{get_permission_codename(action, opts)}"


def may_view(user: Person, record: Model | type[Model]) -> bool:
    """Read records of this kind: Viewers, Editors and admins."""
    return user.has_perm(model_permission("view", record))


def may_add(user: Person, record: Model | type[Model]) -> bool:
    """Create records of this kind: Editors and admins (never the status log by hand)."""
    return user.has_perm(model_permission("add", record))


def may_change(user: Person, record: Model | type[Model]) -> bool:
    """Edit records of this kind: Editors and admins."""
    return user.has_perm(model_permission("change", record))


def may_delete(user: Person, record: Model | type[Model]) -> bool:
    """Delete records of this kind: admins only; Editors never delete."""
    return user.has_perm(model_permission("delete", record))


def may_restore_version(user: Person, record: Model | type[Model]) -> bool:
    """Restore an old version from a record's history: an admin's decision."""
    return bool(user.is_superuser) and may_change(user, record)


def may_keep_api_tokens(user: Person) -> bool:
    """Make, list, rotate and revoke one's own API tokens: anyone with an active
    account (a token does only what its owner may do)."""
    return bool(user.is_authenticated and user.is_active)
