"""`manage.py run_worker` as its own process runs what the web process enqueued,
says it is alive, and stops cleanly on SIGTERM (as systemd and Ctrl-C stop it)."""

from __future__ import annotations

import signal
import subprocess

import pytest
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from core.models import WorkerHeartbeat
from tests.service.processes import environment, manage, wait_for
from tests.service.tasks import make_group, runs_of

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("queued_tasks")]


def test_a_worker_process_runs_the_queued_tasks_and_exits_when_done() -> None:
    results = [make_group.enqueue("batch") for _ in range(3)]
    worker = manage("run_worker", "--batch", "--no-startup-delay", env=environment())
    output, _ = worker.communicate(timeout=60)
    assert worker.returncode == 0, output
    assert runs_of("batch") == 3
    statuses = DBTaskResult.objects.filter(id__in=[r.id for r in results])
    assert set(statuses.values_list("status", flat=True)) == {TaskResultStatus.SUCCESSFUL}


def test_a_running_worker_beats_runs_new_tasks_and_stops_on_sigterm() -> None:
    worker = manage(
        "run_worker",
        "--interval",
        "0.2",
        "--no-reload",
        "--worker-id",
        "w-sigterm",
        env=environment(),
    )
    try:
        wait_for(
            lambda: WorkerHeartbeat.objects.filter(worker_id="w-sigterm").exists(),
            seconds=30,
            what="the worker's heartbeat",
        )
        result = make_group.enqueue("live")
        wait_for(
            lambda: DBTaskResult.objects.get(id=result.id).status == TaskResultStatus.SUCCESSFUL,
            seconds=30,
            what="the task to run",
        )
        assert runs_of("live") == 1
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    except (AssertionError, subprocess.TimeoutExpired):
        worker.kill()
        print(worker.communicate()[0])
        raise
    assert worker.returncode == 0, output
    assert not WorkerHeartbeat.objects.filter(worker_id="w-sigterm").exists()
