"""Background jobs, run by the task backend in settings.TASKS (django.tasks).

Tasks are queued in the database and run by ``manage.py run_worker``; a failed one is
retried with backoff (core/background.py). ``send_reminders_task`` is on the daily
schedule (TASK_SCHEDULE, core/schedule.py). A task a write asks for is enqueued with
``core.background.enqueue_on_commit``, so it runs only if the write is saved.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.tasks import task

from tracker.domain import events, reminders


@task
def send_reminders_task(today: str | None = None) -> dict[str, Any]:
    """The ``send_reminders`` job; ``today`` (YYYY-MM-DD) defaults to the local date.

    Safe to enqueue any number of times a day (and so to retry): each letter is
    reminded at most once a day.
    """
    day = dt.date.fromisoformat(today) if today else None
    return reminders.send_reminders(day).as_dict()


@task
def announce_overdue_replies_task(today: str | None = None) -> int:
    """The ``announce-overdue-replies`` job: tell the webhooks of each letter whose reply
    became overdue (``tracker.domain.events``). Safe to run any number of times: a
    letter is announced once per due date."""
    day = dt.date.fromisoformat(today) if today else None
    return events.announce_overdue_replies(day)
