"""Abstract building blocks shared by every record of both apps."""

from __future__ import annotations

import uuid
from typing import Any, Generic, TypeVar

from django.db import models
from django.db.models import DEFERRED
from django.utils.translation import gettext_lazy as _


def new_reference() -> str:
    return uuid.uuid4().hex[:12]


_M = TypeVar("_M", bound=models.Model)


class ReferenceManager(models.Manager[_M], Generic[_M]):
    """Looks records up by their stable ``reference`` so fixtures never name primary keys."""

    def get_by_natural_key(self, reference: str) -> _M:
        return self.get(reference=reference)


class TrackedModel(models.Model):
    """A record with timestamps, a stable reference and a version for optimistic locking.

    ``version`` goes up by one on every save. Editors' forms and API clients send
    back the version they read; :func:`core.records.record_save` refuses the
    save when it no longer matches, so nobody silently overwrites someone else.
    """

    reference = models.SlugField(
        _("reference"),
        max_length=80,
        unique=True,
        blank=True,
        help_text=_("Stable identifier used by fixtures and imports; filled in when left empty."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = ReferenceManager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.reference:
            self.reference = self.default_reference()
        if not self._state.adding:
            self.version += 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "version", "updated_at"}
        super().save(*args, **kwargs)

    @classmethod
    def from_db(
        cls, db: str | None, field_names: Any, values: Any, *, fetch_mode: Any = None
    ) -> Any:
        # Remember the values as read, so a save can write only what the editor
        # changed since (``changed_fields``; see core.records.record_save).
        instance = super().from_db(db, field_names, values, fetch_mode=fetch_mode)
        loaded = [value for value in values if value is not DEFERRED]
        instance._loaded_values = dict(zip(field_names, loaded, strict=False))
        return instance

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        super().refresh_from_db(*args, **kwargs)
        self.remember_loaded_values()

    def remember_loaded_values(self) -> None:
        """Take the current values as the ones read (after a save or a refresh)."""
        self._loaded_values = {
            field.attname: getattr(self, field.attname)
            for field in self._meta.concrete_fields
            if field.attname in self.__dict__
        }

    def changed_fields(self) -> set[str] | None:
        """The columns (attnames) whose value differs from the one read from the
        database; None when it was not read from the database (everything counts)."""
        loaded: dict[str, Any] | None = getattr(self, "_loaded_values", None)
        if loaded is None:
            return None
        return {
            field.attname
            for field in self._meta.concrete_fields
            if field.attname in self.__dict__
            and (
                field.attname not in loaded or getattr(self, field.attname) != loaded[field.attname]
            )
        }

    def natural_key(self) -> tuple[str]:
        return (self.reference,)

    def default_reference(self) -> str:
        return new_reference()


class IdempotencyKey(models.Model):
    """A create sent with an ``Idempotency-Key`` header, and the answer it got, so that
    a client retrying after a timeout gets the same answer instead of a second record
    (``core.idempotency``). Kept at least a day (``purge_idempotency_keys``)."""

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    #: SHA-256 of the request body: the same key with another body is refused.
    body_hash = models.CharField(max_length=64)
    #: 0 while the first request is being answered.
    status_code = models.PositiveSmallIntegerField(default=0)
    response_body = models.JSONField(null=True, blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="core_idempotency_key_once")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"
