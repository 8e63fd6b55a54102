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


class WebhookSubscription(models.Model):
    """An address that is sent a signed JSON message when a record is created, changed,
    moved or deleted, or a reply becomes overdue (``core.webhooks``). Its owner sees
    only events about records they may read. The secret signs every message; it is
    shown once, when the subscription is made or its secret rotated."""

    owner = models.ForeignKey(
        "auth.User",
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("address"), max_length=500)
    #: The event types wanted (``core.webhooks.EVENT_TYPES``).
    event_types = models.JSONField(_("events"), default=list)
    secret = models.CharField(max_length=100, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    secret_rotated_at = models.DateTimeField(_("secret rotated"), null=True, blank=True)
    #: Goes up by one on every change, for ``If-Match`` in the API.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="core_webhook_by_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.url})"


class WebhookDelivery(models.Model):
    """One event for one subscription, and how sending it went: the outbox row written
    in the same transaction as the change it announces, then sent by the worker and
    retried with backoff (``core.webhooks``). The same event sent to several
    subscriptions has the same ``event_id``."""

    subscription = models.ForeignKey(
        WebhookSubscription,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("webhook"),
    )
    event_id = models.UUIDField(_("event id"), default=uuid.uuid4)
    event_type = models.CharField(_("event"), max_length=30)
    payload = models.JSONField(_("message"))
    #: Names an event that must be sent once only (a letter's reply overdue); blank else.
    once_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    #: When it may be tried next (while it is being sent: when that attempt expires).
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last answer"), null=True, blank=True)
    response_excerpt = models.CharField(_("answer (start)"), max_length=500, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    failed_at = models.DateTimeField(_("given up"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_id"], name="core_webhookdelivery_event_once"
            ),
            models.UniqueConstraint(
                fields=["subscription", "once_key"],
                condition=~models.Q(once_key=""),
                name="core_webhookdelivery_once_key",
            ),
        ]
        indexes = [
            models.Index(
                fields=["subscription", "-created_at"], name="core_webhookdelivery_by_sub"
            ),
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(delivered_at__isnull=True, failed_at__isnull=True),
                name="core_webhookdelivery_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"

    @property
    def state(self) -> str:
        """``delivered``, ``failed`` (given up) or ``pending``."""
        if self.delivered_at is not None:
            return "delivered"
        if self.failed_at is not None:
            return "failed"
        return "pending"
