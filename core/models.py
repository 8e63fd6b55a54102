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

    def full_clean(
        self,
        exclude: Any = None,
        validate_unique: bool = True,
        validate_constraints: bool = True,
    ) -> None:
        """Django's checks, the database constraints only once the record's own checks
        pass: a constraint stands behind a rule ``clean`` already explains in words, and
        its generic message ("Constraint … is violated.") would only repeat it."""
        super().full_clean(exclude, validate_unique, validate_constraints=False)
        if validate_constraints:
            self.validate_constraints(exclude=exclude)

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


class WorkerHeartbeat(models.Model):
    """A task worker that is running: each one writes its row every few seconds, so
    the readiness check (``/readyz``) can tell whether queued tasks will be run."""

    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("task worker")

    def __str__(self) -> str:
        return f"{self.worker_id} on {self.host} (pid {self.pid})"


class ScheduledRun(models.Model):
    """One run of a scheduled job, claimed for its time slot: unique on (job, slot),
    so however many schedulers or workers look at the clock, one enqueues the task."""

    job = models.CharField(max_length=100)
    slot = models.DateTimeField()
    task_result_id = models.CharField(max_length=64, blank=True)
    claimed_by = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "slot"], name="core_scheduled_run_once")
        ]
        ordering = ["-slot"]

    def __str__(self) -> str:
        return f"{self.job} at {self.slot:%Y-%m-%d %H:%M}"


class TaskRetry(models.Model):
    """A failed task enqueued again: which attempt ``result_id`` is, of which first
    result, and when it may run. Unique on the failed result, so a failure is
    retried once even if its end is reported twice."""

    result_id = models.CharField(max_length=64, unique=True)
    retry_of = models.CharField(max_length=64, unique=True)
    first_result_id = models.CharField(max_length=64, db_index=True)
    task_path = models.TextField()
    attempt = models.PositiveSmallIntegerField()
    run_after = models.DateTimeField()
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("task retry")
        verbose_name_plural = _("task retries")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.task_path} attempt {self.attempt}"


class ApiToken(models.Model):
    """A key its owner made to use the API from a script: named, perhaps expiring,
    revocable. Only a SHA-256 hash of the secret is stored (the secret is long and
    random, so a fast hash cannot be reversed); the secret is shown once, when the
    token is made or rotated (``core.tokens``)."""

    user = models.ForeignKey(
        "auth.User", on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100)
    #: The secret's first characters, to tell one's tokens apart; never enough to use.
    prefix = models.CharField(_("starts with"), max_length=12)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    #: Updated at most once a minute (``core.tokens.LAST_USED_PRECISION``).
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    rotated_at = models.DateTimeField(_("rotated"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="core_apitoken_by_user")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
