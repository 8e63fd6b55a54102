"""Jobs that run on a clock: each enqueues a task once per time slot.

``settings.TASK_SCHEDULE`` names the jobs: a task's dotted path and either
``daily_at`` ("HH:MM", local time, TIME_ZONE) or ``every_minutes``. Whoever looks at
the clock (``manage.py run_schedule``, or ``run_worker --schedule``) enqueues the task
of each job whose latest slot has not been claimed yet. The claim is a database row,
unique on (job, slot), inserted in the same transaction as the enqueued task: however
many schedulers and workers run, on however many machines, a slot is run once. A
scheduler that was stopped runs each job's latest missed slot when it starts (not
every one it missed).

A new job is a task plus an entry in TASK_SCHEDULE; for example a mailbox poll::

    TASK_SCHEDULE["poll-mailbox"] = {"task": "tracker.domain.tasks.poll_mailbox_task",
                                     "every_minutes": 5}
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.tasks import Task
from django.utils import timezone
from django.utils.module_loading import import_string

from core.models import ScheduledRun

logger = logging.getLogger(__name__)

_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def parse_time_of_day(value: str, *, name: str) -> dt.time:
    """ "HH:MM" as a time; a clear error naming the setting otherwise."""
    match = _TIME.match(value.strip())
    if not match:
        raise ImproperlyConfigured(f"{name}={value!r} is not a time of day like 07:00.")
    return dt.time(int(match[1]), int(match[2]))


@dataclass(frozen=True)
class Job:
    name: str
    task_path: str
    daily_at: dt.time | None = None
    every_minutes: int | None = None

    @property
    def task(self) -> Task[Any, Any]:
        return import_string(self.task_path)

    def latest_slot(self, now: dt.datetime) -> dt.datetime:
        """The start of the most recent slot at or before ``now`` (an aware time)."""
        if self.every_minutes is not None:
            step = self.every_minutes * 60
            return dt.datetime.fromtimestamp(int(now.timestamp()) // step * step, dt.UTC)
        assert self.daily_at is not None
        zone = ZoneInfo(settings.TIME_ZONE)
        local = now.astimezone(zone)
        slot = dt.datetime.combine(local.date(), self.daily_at, tzinfo=zone)
        if slot > local:
            slot = dt.datetime.combine(local.date() - dt.timedelta(days=1), self.daily_at, zone)
        return slot.astimezone(dt.UTC)


def jobs() -> list[Job]:
    """The jobs in TASK_SCHEDULE, checked: a malformed entry is an error naming it."""
    found = []
    for name, entry in settings.TASK_SCHEDULE.items():
        where = f"TASK_SCHEDULE[{name!r}]"
        if "task" not in entry or ("daily_at" in entry) == ("every_minutes" in entry):
            raise ImproperlyConfigured(
                f"{where} needs a 'task' and one of 'daily_at' or 'every_minutes'."
            )
        every = entry.get("every_minutes")
        if every is not None and (not isinstance(every, int) or not 1 <= every <= 24 * 60):
            raise ImproperlyConfigured(f"{where}: 'every_minutes' must be 1 to 1440.")
        daily = entry.get("daily_at")
        found.append(
            Job(
                name=name,
                task_path=entry["task"],
                daily_at=parse_time_of_day(daily, name=where) if daily is not None else None,
                every_minutes=every,
            )
        )
    return found


def run_due_jobs(*, now: dt.datetime | None = None, claimed_by: str = "") -> list[ScheduledRun]:
    """Enqueue the task of every job whose latest slot nobody has claimed; the claims made."""
    now = now or timezone.now()
    claimed = []
    for job in jobs():
        slot = job.latest_slot(now)
        if ScheduledRun.objects.filter(job=job.name, slot=slot).exists():
            continue
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(job=job.name, slot=slot, claimed_by=claimed_by)
                result = job.task.enqueue()
                run.task_result_id = str(result.id)
                run.save(update_fields=["task_result_id"])
        except IntegrityError:
            continue  # another scheduler claimed this slot a moment ago
        logger.info("Scheduled %s for %s: task result %s", job.name, slot, run.task_result_id)
        claimed.append(run)
    return claimed
