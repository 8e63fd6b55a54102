"""Background tasks beyond what django.tasks gives: enqueueing after a commit, retries
with backoff, the workers' heartbeats, and pruning what the worker leaves behind.

Tasks are queued in the database (django-tasks-db, ``settings.TASKS``) and run by
``manage.py run_worker``. A failed task is enqueued again after
``TASK_RETRY_BACKOFF_SECONDS``, doubled at each attempt, until ``TASK_RETRY_ATTEMPTS``
attempts have failed; every attempt, with its traceback, is listed in the admin
("Task results" and "Task retries"). Every task must therefore be safe to run twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.tasks import Task, TaskResult, TaskResultStatus, task
from django.tasks.signals import task_finished
from django.utils import timezone

from core.models import ScheduledRun, TaskRetry, WorkerHeartbeat

logger = logging.getLogger(__name__)

#: The longest wait between two attempts, however many there were.
MAX_BACKOFF = dt.timedelta(hours=6)


def enqueue_on_commit(task: Task[Any, Any], *args: Any, **kwargs: Any) -> None:
    """Enqueue ``task`` once the current transaction commits, and never if it rolls back.

    Outside a transaction it is enqueued at once. Use it for any task a write asks
    for, so the worker never sees work for a record that was not saved (and a backend
    that runs tasks at once never runs one before its record exists).
    """
    transaction.on_commit(lambda: task.enqueue(*args, **kwargs), robust=False)


def backoff(attempt: int) -> dt.timedelta:
    """How long to wait before attempt ``attempt + 1``, after attempt ``attempt`` failed."""
    delay = dt.timedelta(seconds=settings.TASK_RETRY_BACKOFF_SECONDS * 2 ** (attempt - 1))
    return min(delay, MAX_BACKOFF)


def attempt_of(result_id: str) -> int:
    """Which attempt a task result is: 1 unless it is a retry."""
    attempt = TaskRetry.objects.filter(result_id=result_id).values_list("attempt", flat=True)
    return next(iter(attempt), 1)


def retry(result: TaskResult[Any, Any]) -> TaskRetry | None:
    """Enqueue a failed task again after its backoff; None when its attempts are used
    up, when its backend cannot run a task later, or when it was retried already."""
    backend = result.task.get_backend()
    if not backend.supports_defer:
        return None
    attempt = attempt_of(result.id)
    error = result.errors[-1].exception_class_path if result.errors else ""
    if attempt >= settings.TASK_RETRY_ATTEMPTS:
        logger.error(
            "Task %s failed %d time(s) (%s); not retried again (result %s)",
            result.task.module_path,
            attempt,
            error,
            result.id,
        )
        return None
    previous = TaskRetry.objects.filter(result_id=result.id).first()
    run_after = timezone.now() + backoff(attempt)
    try:
        with transaction.atomic():
            again = result.task.using(run_after=run_after).enqueue(*result.args, **result.kwargs)
            record = TaskRetry.objects.create(
                result_id=again.id,
                retry_of=result.id,
                first_result_id=previous.first_result_id if previous else result.id,
                task_path=result.task.module_path,
                attempt=attempt + 1,
                run_after=run_after,
                error=error,
            )
    except IntegrityError:
        return None  # this failure was retried already
    logger.warning(
        "Task %s failed (%s); attempt %d of %d at %s (result %s)",
        result.task.module_path,
        error,
        record.attempt,
        settings.TASK_RETRY_ATTEMPTS,
        run_after.isoformat(timespec="seconds"),
        again.id,
    )
    return record


@receiver(task_finished, dispatch_uid="core.background.retry_failed_task")
def retry_failed_task(sender: Any, task_result: TaskResult[Any, Any], **kwargs: Any) -> None:
    if task_result.status != TaskResultStatus.FAILED:
        return
    try:
        retry(task_result)
    except Exception:  # a failing retry must not stop the worker that reports it
        logger.exception("Could not enqueue a retry of task result %s", task_result.id)


# --- Workers ------------------------------------------------------------------------


class WorkerLost(Exception):
    """The worker running a task stopped without finishing it (killed, machine lost)."""


def beat(worker_id: str, started_at: dt.datetime) -> None:
    """Record that this worker is alive now."""
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"seen_at": now},
        create_defaults={
            "host": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": started_at,
            "seen_at": now,
        },
    )


def forget_worker(worker_id: str) -> None:
    """A worker stopping cleanly takes its heartbeat with it."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def workers_seen(within: dt.timedelta | None = None) -> int:
    """How many workers wrote a heartbeat within ``within`` (WORKER_STALE_SECONDS)."""
    within = within or dt.timedelta(seconds=settings.WORKER_STALE_SECONDS)
    return WorkerHeartbeat.objects.filter(seen_at__gte=timezone.now() - within).count()


def recover_abandoned(*, now: dt.datetime | None = None) -> list[str]:
    """Tasks left running by a worker that is no longer seen: marked failed with
    :class:`WorkerLost`, and so retried like any failure. Their ids.

    A worker's heartbeat goes on while it runs a long task (it has its own thread),
    so only a worker that stopped (killed, its machine lost) leaves tasks behind.
    """
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    stale = now - dt.timedelta(seconds=settings.WORKER_STALE_SECONDS)
    alive = set(
        WorkerHeartbeat.objects.filter(seen_at__gte=stale).values_list("worker_id", flat=True)
    )
    recovered = []
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=stale)
    for candidate in running.only("id", "worker_ids"):
        worker = candidate.worker_ids[-1] if candidate.worker_ids else "unknown"
        if worker in alive:
            continue
        with transaction.atomic():
            row = running.select_for_update().filter(pk=candidate.pk).first()
            if row is None:
                continue  # finished, or recovered by another worker, meanwhile
            row.set_failed(WorkerLost(f"Worker {worker} stopped while running this task."))
        logger.error("Task %s was abandoned by worker %s", row.task_path, worker)
        retry_failed_task(sender=DBTaskResult, task_result=row.task_result)
        recovered.append(str(row.pk))
    return recovered


# --- Pruning ------------------------------------------------------------------------


def prune(*, keep: dt.timedelta | None = None) -> dict[str, int]:
    """Delete finished task results, schedule claims and retry records older than
    ``keep`` (TASK_RESULTS_KEEP_DAYS), workers not seen for as long, the API's
    idempotency keys past the time a client may retry, and the webhooks' sent or
    given-up messages older than WEBHOOK_DELIVERIES_KEEP_DAYS."""
    from django_tasks_db.models import DBTaskResult

    from core import idempotency, webhooks

    keep = keep or dt.timedelta(days=settings.TASK_RESULTS_KEEP_DAYS)
    before = timezone.now() - keep
    deletions: dict[str, Callable[[], tuple[int, Any]]] = {
        "task_results": DBTaskResult.objects.finished().filter(finished_at__lt=before).delete,
        "scheduled_runs": ScheduledRun.objects.filter(created_at__lt=before).delete,
        "task_retries": TaskRetry.objects.filter(created_at__lt=before).delete,
        "workers": WorkerHeartbeat.objects.filter(seen_at__lt=before).delete,
    }
    pruned = {name: delete()[0] for name, delete in deletions.items()}
    pruned["idempotency_keys"] = idempotency.purge(older_than=idempotency.KEPT_FOR)
    kept = dt.timedelta(days=settings.WEBHOOK_DELIVERIES_KEEP_DAYS)
    pruned["webhook_deliveries"] = webhooks.prune_deliveries(before=timezone.now() - kept)
    return pruned


@task
def prune_task_results() -> dict[str, int]:
    """The scheduled clean-up of old task results (see :func:`prune`)."""
    return prune()
