"""Background jobs, run by the task backend in settings.TASKS (django.tasks).

The default backend runs a task immediately in the caller's process; a
deployment with a task worker can point TASKS at a queueing backend and
schedule ``send_reminders_task.enqueue()`` instead of the cron command.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.tasks import task

from tracker.domain import reminders


@task
def send_reminders_task(today: str | None = None) -> dict[str, Any]:
    """The ``send_reminders`` job; ``today`` (YYYY-MM-DD) defaults to the local date.

    Safe to enqueue any number of times a day: each letter is reminded at most once a day.
    """
    day = dt.date.fromisoformat(today) if today else None
    return reminders.send_reminders(day).as_dict()
