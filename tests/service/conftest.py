"""Fixtures for the background tasks: the database backend instead of the test run's
immediate one, and a worker run in the test's own process."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django_tasks_db.management.commands import db_worker


@pytest.fixture
def queued_tasks(settings: Any) -> None:
    """Tasks are queued in the database, as in production, until a worker runs them."""
    settings.TASKS_BACKEND = "database"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_queued_tasks(worker_id: str = "test-worker") -> None:
    """Run every task that is due, in this process, as `run_worker --batch` does.

    The worker closes its connection between tasks, which would end the test's own
    transaction: here it keeps it (tests/service/test_worker_process.py runs the
    real command, connections and all)."""
    worker = db_worker.Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    with mock.patch.object(db_worker, "close_old_connections"):
        worker.run()
