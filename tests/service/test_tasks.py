"""Background tasks: queued in the database, run by a worker, enqueued only on commit,
retried with backoff, and pruned."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core import background
from core.models import ScheduledRun, TaskRetry, WorkerHeartbeat
from tests.service.conftest import run_queued_tasks
from tests.service.tasks import fail, make_group, runs_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("queued_tasks")]


def test_a_queued_task_waits_for_a_worker_and_runs_once() -> None:
    result = make_group.enqueue("queued")
    assert runs_of("queued") == 0
    assert DBTaskResult.objects.get(id=result.id).status == TaskResultStatus.READY

    run_queued_tasks()
    run_queued_tasks()  # nothing left: the task is not run again

    stored = DBTaskResult.objects.get(id=result.id)
    assert stored.status == TaskResultStatus.SUCCESSFUL
    assert stored.worker_ids == ["test-worker"]
    assert runs_of("queued") == 1
    assert stored.return_value.startswith("queued:")


def test_a_task_enqueued_on_commit_is_not_queued_when_the_transaction_rolls_back(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        background.enqueue_on_commit(make_group, "rolled-back")
        raise RuntimeError("the write failed")
    assert callbacks == []
    assert not DBTaskResult.objects.exists()


def test_a_task_enqueued_on_commit_is_queued_when_it_commits(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        background.enqueue_on_commit(make_group, "committed")
        assert not DBTaskResult.objects.exists()  # not before the commit
    assert DBTaskResult.objects.get().args_kwargs == {"args": ["committed"], "kwargs": {}}


def test_the_immediate_backend_never_runs_a_task_before_its_write_commits(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        background.enqueue_on_commit(make_group, "immediate")
        assert runs_of("immediate") == 0
    assert runs_of("immediate") == 1


def test_a_failed_task_is_retried_with_a_doubling_backoff_until_its_attempts_run_out(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.TASK_RETRY_ATTEMPTS = 3
    settings.TASK_RETRY_BACKOFF_SECONDS = 60
    first = fail.enqueue("mail server refused")
    started = timezone.now()

    run_queued_tasks()
    retry = TaskRetry.objects.get()
    assert (retry.retry_of, retry.first_result_id, retry.attempt) == (first.id, first.id, 2)
    assert retry.error == "builtins.RuntimeError"
    assert dt.timedelta(seconds=59) < retry.run_after - started < dt.timedelta(seconds=70)
    second = DBTaskResult.objects.get(id=retry.result_id)
    assert second.status == TaskResultStatus.READY  # waits for its backoff
    run_queued_tasks()
    assert DBTaskResult.objects.get(id=retry.result_id).status == TaskResultStatus.READY

    DBTaskResult.objects.filter(id=retry.result_id).update(run_after=timezone.now())
    run_queued_tasks()
    third = TaskRetry.objects.get(retry_of=retry.result_id)
    assert (third.attempt, third.first_result_id) == (3, first.id)
    assert dt.timedelta(seconds=119) < third.run_after - timezone.now() < dt.timedelta(seconds=130)

    DBTaskResult.objects.filter(id=third.result_id).update(run_after=timezone.now())
    with caplog.at_level(logging.ERROR, logger="core.background"):
        run_queued_tasks()
    assert TaskRetry.objects.count() == 2  # the third failure is the last
    assert DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).count() == 3
    assert "failed 3 time(s)" in caplog.text
    traceback = DBTaskResult.objects.get(id=third.result_id).traceback
    assert "mail server refused" in traceback  # what staff read in the admin


def test_a_failure_reported_twice_is_retried_once() -> None:
    fail.enqueue("twice")
    run_queued_tasks()
    failed = DBTaskResult.objects.get(status=TaskResultStatus.FAILED).task_result
    assert background.retry(failed) is None
    assert TaskRetry.objects.count() == 1


def test_the_backoff_doubles_up_to_a_ceiling(settings: Any) -> None:
    settings.TASK_RETRY_BACKOFF_SECONDS = 30
    assert [background.backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert background.backoff(20) == background.MAX_BACKOFF


def test_staff_see_failed_tasks_and_retries_in_the_admin(admin_client: Any) -> None:
    fail.enqueue("shown to staff")
    run_queued_tasks()
    results = admin_client.get("/admin/django_tasks_database/dbtaskresult/?status__exact=FAILED")
    assert results.status_code == 200
    assert "fail" in results.content.decode()
    retries = admin_client.get("/admin/core/taskretry/")
    assert retries.status_code == 200
    assert "builtins.RuntimeError" in retries.content.decode()


@pytest.mark.parametrize("role", ["editor_client", "viewer_client"])
def test_editors_and_viewers_read_the_failures_but_cannot_change_them(
    role: str, request: pytest.FixtureRequest
) -> None:
    client = request.getfixturevalue(role)
    fail.enqueue("shown to every role")
    run_queued_tasks()
    failed = client.get("/admin/django_tasks_database/dbtaskresult/?status__exact=FAILED")
    assert failed.status_code == 200
    assert "fail" in failed.content.decode()
    for url in (
        "/admin/core/taskretry/",
        "/admin/core/scheduledrun/",
        "/admin/core/workerheartbeat/",
    ):
        assert client.get(url).status_code == 200, url
    retry = TaskRetry.objects.get()
    assert (
        client.post(f"/admin/core/taskretry/{retry.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert TaskRetry.objects.filter(pk=retry.pk).exists()


def test_pruning_deletes_what_is_older_than_the_kept_days(settings: Any) -> None:
    settings.TASK_RESULTS_KEEP_DAYS = 14
    make_group.enqueue("old")
    make_group.enqueue("recent")
    run_queued_tasks()
    waiting = make_group.enqueue("waiting")
    long_ago = timezone.now() - dt.timedelta(days=15)
    old = DBTaskResult.objects.get(args_kwargs__args=["old"])
    DBTaskResult.objects.filter(pk=old.pk).update(finished_at=long_ago)
    DBTaskResult.objects.filter(pk=waiting.id).update(enqueued_at=long_ago)
    ScheduledRun.objects.create(job="send-reminders", slot=long_ago)
    ScheduledRun.objects.filter(job="send-reminders").update(created_at=long_ago)
    ScheduledRun.objects.create(job="send-reminders", slot=timezone.now())
    WorkerHeartbeat.objects.create(
        worker_id="gone", host="h", pid=1, started_at=long_ago, seen_at=long_ago
    )

    pruned = background.prune_task_results.enqueue()
    run_queued_tasks()

    counts = DBTaskResult.objects.get(id=pruned.id).return_value
    assert counts is not None
    assert (counts["task_results"], counts["scheduled_runs"], counts["workers"]) == (1, 1, 1)
    remaining = list(DBTaskResult.objects.values_list("args_kwargs", flat=True))
    assert {"args": ["old"], "kwargs": {}} not in remaining
    assert {"args": ["waiting"], "kwargs": {}} in remaining  # never run: kept
    assert ScheduledRun.objects.count() == 1
    assert not WorkerHeartbeat.objects.exists()


def test_a_task_left_running_by_a_vanished_worker_is_failed_and_retried(settings: Any) -> None:
    settings.WORKER_STALE_SECONDS = 120
    long_ago = timezone.now() - dt.timedelta(minutes=10)
    abandoned = make_group.enqueue("abandoned")
    still_running = make_group.enqueue("long")
    for result, worker in ((abandoned, "vanished"), (still_running, "alive")):
        DBTaskResult.objects.filter(id=result.id).update(
            status=TaskResultStatus.RUNNING, started_at=long_ago, worker_ids=[worker]
        )
    WorkerHeartbeat.objects.create(
        worker_id="vanished", host="h", pid=1, started_at=long_ago, seen_at=long_ago
    )
    background.beat("alive", long_ago)  # a long task: its worker still beats

    assert background.recover_abandoned() == [abandoned.id]
    assert background.recover_abandoned() == []  # once

    lost = DBTaskResult.objects.get(id=abandoned.id)
    assert lost.status == TaskResultStatus.FAILED
    assert lost.exception_class_path == "core.background.WorkerLost"
    assert "vanished" in lost.traceback
    assert DBTaskResult.objects.get(id=still_running.id).status == TaskResultStatus.RUNNING
    retry = TaskRetry.objects.get(retry_of=abandoned.id)
    assert retry.attempt == 2
    DBTaskResult.objects.filter(id=retry.result_id).update(run_after=timezone.now())
    run_queued_tasks()
    assert runs_of("abandoned") == 1


def _queries(client: Any, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/django_tasks_database/dbtaskresult/",
        "/admin/core/taskretry/",
        "/admin/core/scheduledrun/",
        "/admin/core/workerheartbeat/",
    ],
)
def test_the_admin_s_task_lists_cost_the_same_queries_for_3_rows_or_30(
    admin_client: Any, url: str
) -> None:
    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            fail.enqueue(f"error {i}")
            background.beat(f"worker-{i}", timezone.now())
            ScheduledRun.objects.create(
                job="send-reminders", slot=timezone.now() - dt.timedelta(days=i)
            )
        run_queued_tasks()

    add(3, 0)
    few = _queries(admin_client, url)
    add(27, 3)
    assert TaskRetry.objects.count() == 30
    assert _queries(admin_client, url) == few
