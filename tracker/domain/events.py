"""The events the webhooks announce, for both apps' records (``core.webhooks`` sends them).

:func:`record_event` is called by the services (``tracker/domain/services.py``) inside
the transaction of the write it announces: a record created, changed, moved or
deleted through them (and through ``core.records``, which the admin, the API and the
staff pages save with). :func:`announce_overdue_replies` is the scheduled job that
announces, once per letter and due date, a reply that became overdue.

A message names the record (its resource, id, API address and version), never its
content: a subscriber reads it through the API with their own permissions, and only
subscriptions whose owner may read that kind of record are sent the event.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from core import webhooks
from jurisdictions.models import Agency, Contact, Jurisdiction
from tracker.domain import selectors
from tracker.models import AgencyResponse, Event, Letter, Meeting, OptOutRequest, Statement

#: The records announced, by the address of their list in the API.
RESOURCES: dict[type[models.Model], str] = {
    Jurisdiction: "jurisdictions",
    Agency: "agencies",
    Contact: "contacts",
    OptOutRequest: "requests",
    Letter: "letters",
    AgencyResponse: "responses",
    Meeting: "meetings",
    Statement: "statements",
    Event: "events",
}

#: A reply that became overdue longer ago than this (a letter from 2010 loaded today,
#: a job that did not run for a while) is not announced as news.
OVERDUE_LOOKBACK = dt.timedelta(days=7)


def resource_data(instance: models.Model, *, pk: Any = None) -> dict[str, Any]:
    """What a message says of a record: its resource, id, API address and version."""
    resource = RESOURCES[type(instance)]
    key = instance.pk if pk is None else pk
    return {
        "resource": resource,
        "id": key,
        "url": f"/api/v1/{resource}/{key}/",
        "version": getattr(instance, "version", None),
    }


def record_event(event_type: str, instance: models.Model, *, pk: Any = None, **extra: Any) -> None:
    """Queue ``event_type`` about ``instance`` for the webhooks that want it, in the
    current transaction (nothing for a kind of record that is not announced).
    ``pk``: the id of a record just deleted (Django has cleared its own)."""
    if type(instance) not in RESOURCES:
        return
    webhooks.record_event(
        event_type, {**resource_data(instance, pk=pk), **extra}, about=type(instance)
    )


def announce_overdue_replies(today: dt.date | None = None) -> int:
    """Announce each letter whose reply became overdue (by the rule of
    ``selectors.letters_with_flag``) within OVERDUE_LOOKBACK, once per letter and due
    date to each webhook; how many letters were announced to at least one."""
    today = today or timezone.localdate()
    overdue = selectors.letters_with_flag(Letter.objects.all(), "overdue", today=today).filter(
        due_on__gte=today - OVERDUE_LOOKBACK
    )
    announced = 0
    for letter in overdue.only("pk", "version", "due_on", "request_id").order_by("due_on", "pk"):
        assert letter.due_on is not None
        with transaction.atomic():
            sent = webhooks.record_event(
                "reply_overdue",
                {
                    **resource_data(letter),
                    "request": letter.request_id,
                    "due_on": letter.due_on.isoformat(),
                },
                about=Letter,
                once_key=f"reply_overdue:letter:{letter.pk}:{letter.due_on.isoformat()}",
            )
        announced += bool(sent)
    return announced
