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
from django.db import close_old_connections

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
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        claimed_by = f"scheduler on {socket.gethostname()}"[:255]
        while not stop.is_set():
            close_old_connections()
            for run in schedule.run_due_jobs(claimed_by=claimed_by):
                self.stdout.write(f"Enqueued {run.job} for {run.slot:%Y-%m-%d %H:%M} UTC")
            if once:
                return
            stop.wait(interval)
