"""Saving and deleting any tracked record without losing someone else's edit.

Every editing surface (admin, API, staff pages) saves through :func:`record_save`
and deletes through :func:`record_delete`. Both lock the row, compare the version
the editor read with the one stored, and refuse a stale write with
:class:`StaleRecord`, which lists what changed in between (from the history).
Apps keep their derived columns true by listening to :data:`record_saved` and
:data:`record_deleted`, sent inside the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.dispatch import Signal
from django.utils.translation import gettext

from core.dates import PartialDateField
from core.models import TrackedModel

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


User = AbstractBaseUser | AnonymousUser | None
_T = TypeVar("_T", bound=TrackedModel)

#: Sent by :func:`record_save` after the record (and its many-to-many choices) is
#: saved, inside its transaction: ``sender`` is the model, ``instance`` the record,
#: ``previous`` the record as it was stored before this save (read under the row
#: lock; None for a new record), so a listener can tell what the edit changed.
record_saved = Signal()
#: Sent by :func:`record_delete` after the record is deleted, inside its transaction:
#: ``instance`` the record (Django has cleared its primary key), ``pk`` its primary key.
record_deleted = Signal()


class DomainError(Exception):
    """A refused operation. ``code`` is machine-readable; ``message`` is for people."""

    code = "domain_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: Any
    new: Any
    by: str
    at: dt.datetime | None


class StaleRecord(DomainError):
    """Someone saved the record after this editor read it (HTTP 412 in the API)."""

    code = "stale_record"

    def __init__(self, instance: TrackedModel, expected: int, current: int | None) -> None:
        self.instance = instance
        self.expected = expected
        self.current = current
        self.changes: list[FieldChange] = (
            changes_since(instance, expected) if current is not None else []
        )
        if current is None:
            message = gettext("This %(kind)s has been deleted in the meantime.") % {
                "kind": instance._meta.verbose_name
            }
        else:
            described = "; ".join(
                gettext("%(field)s: %(old)s → %(new)s (by %(by)s)")
                % {"field": c.label, "old": _short(c.old), "new": _short(c.new), "by": c.by}
                for c in self.changes
            )
            message = (
                gettext(
                    "This %(kind)s was changed by someone else after you opened it (your "
                    "version %(expected)s, now %(current)s). Nothing was saved. "
                )
                % {"kind": instance._meta.verbose_name, "expected": expected, "current": current}
                + (
                    gettext("Changed in between: %(changes)s. ") % {"changes": described}
                    if described
                    else ""
                )
                + gettext("Reload it and apply your edits again.")
            )
        super().__init__(message)


def _short(value: Any, limit: int = 60) -> str:
    text = gettext("(empty)") if value in (None, "") else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def changes_since(instance: TrackedModel, version: int) -> list[FieldChange]:
    """Field-by-field changes made to ``instance`` after ``version``, from its history."""
    history = getattr(instance, "history", None)
    if history is None or instance.pk is None:
        return []
    history_manager: Any = type(instance).history  # type: ignore[attr-defined]
    records = list(history_manager.filter(id=instance.pk).order_by("history_date", "history_id"))
    before = next((r for r in reversed(records) if r.version <= version), None)
    after = [r for r in records if r.version > version]
    if before is None or not after:
        return []
    changes: list[FieldChange] = []
    previous = before
    for record in after:
        delta = record.diff_against(previous, excluded_fields=["version", "updated_at"])
        who = str(record.history_user) if record.history_user else "someone"
        for change in delta.changes:
            field = type(instance)._meta.get_field(change.field)
            label = str(getattr(field, "verbose_name", change.field))
            changes.append(
                FieldChange(change.field, label, change.old, change.new, who, record.history_date)
            )
        previous = record
    return changes


def set_history_user(instance: models.Model, by: User) -> None:
    if by is not None and by.is_authenticated:
        instance._history_user = by  # type: ignore[attr-defined]


def user_or_none(by: User) -> Any:
    return by if by is not None and by.is_authenticated else None


def record_check_version(instance: TrackedModel, *, expected_version: int) -> None:
    """Raise :class:`StaleRecord` now if someone saved ``instance`` after
    ``expected_version`` was read, so a form can show the refusal next to the
    editor's own input; :func:`record_save` checks again under a lock."""
    current = (
        type(instance).objects.filter(pk=instance.pk).values_list("version", flat=True).first()
    )
    if current != expected_version:
        raise StaleRecord(instance, expected_version, current)


#: Database rules that clean() cannot see in full (they span tables or race with
#: another writer), with the message a person should get when one refuses a save.
#: Each app adds its own (see tracker.domain.services).
CONSTRAINT_MESSAGES: dict[str, StrOrPromise] = {}


def _save_or_explain(instance: models.Model, update_fields: set[str] | None = None) -> None:
    """Save; turn a refusal by a named database rule into a ValidationError."""
    try:
        with transaction.atomic():
            instance.save(update_fields=update_fields)
    except IntegrityError as error:
        for name, message in CONSTRAINT_MESSAGES.items():
            if name in str(error):
                raise ValidationError(message, code=name) from error
        raise


def _merge_onto(instance: TrackedModel, stored: TrackedModel) -> set[str]:
    """Give ``instance`` the stored values of every field its caller did not change
    (and of every field only the services write); returns the fields to write."""
    changed = instance.changed_fields()
    writable = {
        field.attname
        for field in instance._meta.concrete_fields
        if field.editable and not field.primary_key
    }
    if changed is None:  # not read from the database: the caller set every field
        changed = writable
    changed &= writable
    # A date and its precision are one value: written together or not at all.
    for columns in _composite_columns(type(instance)):
        if changed & set(columns):
            changed |= set(columns)
    for field in instance._meta.concrete_fields:
        if field.attname not in changed:
            setattr(instance, field.attname, getattr(stored, field.attname))
    return changed


def _composite_columns(model: type[models.Model]) -> list[tuple[str, ...]]:
    return [
        attribute.columns
        for klass in model.__mro__
        for attribute in vars(klass).values()
        if isinstance(attribute, PartialDateField)
    ]


@transaction.atomic
def record_save(
    instance: _T,
    *,
    by: User,
    expected_version: int | None = None,
    m2m: dict[str, Sequence[models.Model]] | None = None,
) -> _T:
    """Validate and save an edit, refusing it if someone saved the record since
    ``expected_version`` was read.

    An edit writes only the fields the caller changed since the record was read
    (``TrackedModel.changed_fields``), onto the row as it is now, read under its lock:
    two people editing different fields of one record both keep their change, with
    or without a version. Fields only the services write (``editable=False``: a
    request's status and close date, a letter's due dates and waiting state, the
    version) are never written here, whatever the instance holds.
    """
    model = type(instance)
    previous: _T | None = None
    update_fields: set[str] | None = None
    if instance.pk is not None and not instance._state.adding:
        previous = model.objects.select_for_update().filter(pk=instance.pk).first()
        current = None if previous is None else previous.version
        if current is None or (expected_version is not None and current != expected_version):
            raise StaleRecord(instance, expected_version or instance.version, current)
        assert previous is not None
        update_fields = _merge_onto(instance, previous)
    instance.full_clean()
    set_history_user(instance, by)
    _save_or_explain(instance, update_fields)
    instance.remember_loaded_values()
    for name, values in (m2m or {}).items():
        getattr(instance, name).set(values)
    record_saved.send(sender=model, instance=instance, previous=previous)
    return instance


@transaction.atomic
def record_delete(instance: TrackedModel, *, by: User, expected_version: int | None = None) -> None:
    """Delete a record (its history stays), refusing a stale delete."""
    model = type(instance)
    current = (
        model.objects.select_for_update()
        .filter(pk=instance.pk)
        .values_list("version", flat=True)
        .first()
    )
    if current is None or (expected_version is not None and current != expected_version):
        raise StaleRecord(instance, expected_version or instance.version, current)
    set_history_user(instance, by)
    pk = instance.pk
    instance.delete()
    record_deleted.send(sender=model, instance=instance, pk=pk)
