"""System checks that catch a broken configuration before a user does."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from tracker.domain.workflow import CLOSED_STATES, NEXT_STATES, State


@register()
def check_workflow_table(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Every open state must lead somewhere, or requests could get stuck in it."""
    return [
        Error(
            f"Workflow state {state.value!r} is open but has no outgoing transition.",
            id="tracker.E001",
        )
        for state in State
        if state not in CLOSED_STATES and not NEXT_STATES[state]
    ]


@register()
def check_attachment_limit(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    limit = settings.TRACKER_ATTACHMENT_MAX_BYTES
    if limit > 100 * 1024 * 1024:
        return [
            Warning(
                f"ATTACHMENT_MAX_BYTES is {limit}; uploads over 100 MB strain the server.",
                id="tracker.W001",
            )
        ]
    return []
