"""Webhooks through the real worker: a change queues a task on commit, the worker sends
the signed message to a local HTTP server, a failed attempt is queued again for later,
and the schedule's sweep sends what was left due."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core import webhooks
from core.models import WebhookDelivery
from tests.factories import JurisdictionFactory
from tests.receiver import receiver
from tests.service.conftest import run_queued_tasks
from tracker.domain import services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("queued_tasks")]


@pytest.fixture(autouse=True)
def _local_targets(settings: Any) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_RETRY_BACKOFF_SECONDS = 30


def test_the_worker_sends_a_signed_message_after_the_change_commits(
    editor: Any, admin_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with receiver() as listening:
        _hook, secret = webhooks.webhook_create(
            owner=admin_user, name="x", url=listening.url, event_types=["created"]
        )
        with django_capture_on_commit_callbacks(execute=True):
            request = services.request_open(
                jurisdiction=JurisdictionFactory(), title="Opt out", by=editor
            )
        task = DBTaskResult.objects.get(task_path="core.webhooks.send_webhook_task")
        assert task.status == TaskResultStatus.READY
        assert listening.received == []  # queued, not sent: the worker sends it
        run_queued_tasks()
    [got] = listening.received
    event = json.loads(got.body)
    assert (event["type"], event["data"]["id"]) == ("created", request.pk)
    timestamp = int(got.headers["Opt-Out-Signature"].split(",")[0].removeprefix("t="))
    assert got.headers["Opt-Out-Signature"] == webhooks.signature_header(
        secret, timestamp, got.body
    )
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "delivered" and delivery.attempts == 1
    assert DBTaskResult.objects.get(pk=task.pk).status == TaskResultStatus.SUCCESSFUL


def test_a_failed_attempt_is_queued_again_for_after_its_backoff(
    admin_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with receiver(answers=[500, 200]) as listening:
        hook, _secret = webhooks.webhook_create(
            owner=admin_user, name="x", url=listening.url, event_types=["created"]
        )
        with django_capture_on_commit_callbacks(execute=True):
            webhooks.webhook_send_test(subscription=hook)
        before = timezone.now()
        run_queued_tasks()
        delivery = WebhookDelivery.objects.get()
        assert delivery.state == "pending" and delivery.attempts == 1
        assert delivery.next_attempt_at is not None
        assert delivery.next_attempt_at - before >= dt.timedelta(seconds=29)
        again = DBTaskResult.objects.get(status=TaskResultStatus.READY)
        assert again.run_after == delivery.next_attempt_at
        run_queued_tasks()  # not yet due: the worker leaves it
        assert len(listening.received) == 1
        DBTaskResult.objects.filter(pk=again.pk).update(run_after=timezone.now())
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        run_queued_tasks()
    assert len(listening.received) == 2
    delivery.refresh_from_db()
    assert delivery.state == "delivered" and delivery.attempts == 2


def test_the_sweep_sends_a_message_whose_task_was_lost(admin_user: Any) -> None:
    with receiver() as listening:
        hook, _secret = webhooks.webhook_create(
            owner=admin_user, name="x", url=listening.url, event_types=["created"]
        )
        # Written, but its task never queued (the commit hook lost with its process).
        webhooks.webhook_send_test(subscription=hook)
        delivery = WebhookDelivery.objects.get()
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            next_attempt_at=timezone.now() - dt.timedelta(minutes=5)
        )
        assert not DBTaskResult.objects.exists()
        webhooks.send_due_webhooks_task.enqueue()
        run_queued_tasks()
    assert len(listening.received) == 1
    delivery.refresh_from_db()
    assert delivery.state == "delivered"
