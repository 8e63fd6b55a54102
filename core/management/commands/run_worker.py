"""Run background tasks: django-tasks-db's worker, with a heartbeat and the schedule.

Everything ``manage.py db_worker`` accepts works here too (``--queue-name``,
``--interval``, ``--batch``, ``--max-tasks``, ``--worker-id``, ``--reload``). Besides
running tasks, the worker writes a heartbeat every few seconds (the readiness check
wants a worker seen recently), marks failed (and so retries) the tasks of workers no
longer seen, and, with ``--schedule``, enqueues the scheduled jobs
(core/schedule.py) when their time comes. Ctrl-C or SIGTERM finishes the running
task, then stops.
"""

from __future__ import annotations

import logging
import os
import threading
from argparse import ArgumentParser
from typing import Any

from django.db import close_old_connections, connections
from django.utils import timezone
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

from core import background, schedule

logger = logging.getLogger("core.worker")

#: Seconds between two heartbeats (and two looks at the schedule).
BEAT_SECONDS = 10.0


def keep_beating(worker_id: str, *, with_schedule: bool, stop: threading.Event) -> None:
    """The worker's second thread: heartbeat and schedule, until ``stop`` is set."""
    started_at = timezone.now()
    while not stop.is_set():
        try:
            background.beat(worker_id, started_at)
            background.recover_abandoned()
            if with_schedule:
                schedule.run_due_jobs(claimed_by=worker_id)
        except Exception:  # an unreachable database must not end the heartbeat for good
            logger.exception("Worker %s: heartbeat or schedule failed", worker_id)
        finally:
            close_old_connections()
            connections.close_all()
        stop.wait(BEAT_SECONDS)


class Command(db_worker.Command):
    help = "Run background tasks (and, with --schedule, the scheduled jobs)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="Also enqueue the scheduled jobs when due (safe with several workers).",
        )

    def handle(self, **options: Any) -> None:
        with_schedule: bool = options.pop("schedule")
        worker_id: str = options["worker_id"]
        reloading = options["reload"] and not options["batch"]
        stop = threading.Event()
        # With --reload, this process only restarts a child that does the work.
        if not reloading or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            threading.Thread(
                target=keep_beating,
                args=(worker_id,),
                kwargs={"with_schedule": with_schedule, "stop": stop},
                name="heartbeat",
                daemon=True,
            ).start()
        try:
            super().handle(**options)
        finally:
            stop.set()
            try:
                background.forget_worker(worker_id)
            except Exception:  # stopping anyway; the row ages out of the readiness check
                logger.warning("Worker %s could not remove its heartbeat", worker_id)
