"""The mailbox poll, on the worker's clock (``poll-mailbox`` in TASK_SCHEDULE)."""

from __future__ import annotations

from typing import Any

from django.tasks import task

from inbox import mailbox


@task
def poll_mailbox_task() -> dict[str, Any]:
    """Receive the mailbox's unseen messages. Safe to run any number of times: a message
    is marked done only once kept, and received twice it is filed once."""
    return mailbox.poll_mailbox().as_dict()
