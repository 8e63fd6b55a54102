"""Enqueue the scheduled jobs (TASK_SCHEDULE) when their time comes.

Runs until stopped, looking at the clock every --interval seconds; with --once it
looks once and exits, for cron or a systemd timer. Any number may run at once (and
workers started with --schedule too): each slot of each job is enqueued once.
"""

from __future__ import annotations

import signal
import socket
import threading
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from core import schedule


class Command(BaseCommand):
    help = "Enqueue the scheduled jobs (daily reminders, pruning) when they are due."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--once", action="store_true", help="Look once, then exit.")
        parser.add_argument(
            "--interval", type=float, default=30.0, help="Seconds between looks (default 30)."
        )

    def handle(self, *args: Any, once: bool, interval: float, **options: Any) -> None:
        jobs = schedule.jobs()  # a malformed schedule stops here, before any loop
        self.stdout.write("Jobs: " + ", ".join(job.name for job in jobs))
        claimed_by = f"scheduler on {socket.gethostname()}"[:255]
        if once:
            self.look(claimed_by)
            return
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        while not stop.is_set():
            try:
                self.look(claimed_by)
            except DatabaseError as error:  # back at the next look, when it answers again
                self.stderr.write(f"The database did not answer ({error}); trying again.")
            close_old_connections()
            stop.wait(interval)

    def look(self, claimed_by: str) -> None:
        for run in schedule.run_due_jobs(claimed_by=claimed_by):
            self.stdout.write(f"Enqueued {run.job} for {run.slot:%Y-%m-%d %H:%M} UTC")
