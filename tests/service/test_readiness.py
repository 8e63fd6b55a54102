"""/readyz: the database, the cache, the attachment storage and a recent worker."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from core import background
from core.models import WorkerHeartbeat

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("queued_tasks")]


def test_not_ready_until_a_worker_is_seen(client: Any, settings: Any) -> None:
    settings.WORKER_STALE_SECONDS = 120
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer["Retry-After"]
    checks = answer.json()["checks"]
    assert checks["worker"] == "no worker seen in the last 120 seconds"
    assert checks["database:default"] == "ok" and checks["storage"] == "ok"

    background.beat("w1", timezone.now())
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "checks": {"database:default": "ok", "storage": "ok", "worker": "ok"},
    }


def test_a_worker_not_seen_for_a_while_does_not_count(client: Any, settings: Any) -> None:
    settings.WORKER_STALE_SECONDS = 120
    background.beat("w1", timezone.now())
    WorkerHeartbeat.objects.update(seen_at=timezone.now() - dt.timedelta(seconds=121))
    assert client.get("/readyz").status_code == 503
    background.beat("w1", timezone.now())
    assert WorkerHeartbeat.objects.count() == 1  # a heartbeat updates its row
    assert client.get("/readyz").status_code == 200


def test_tasks_run_where_enqueued_need_no_worker(client: Any, settings: Any) -> None:
    settings.TASKS_BACKEND = "immediate"
    assert client.get("/readyz").status_code == 200


def test_unreachable_storage_is_not_ready(client: Any, monkeypatch: Any) -> None:
    from django.core.files.storage import FileSystemStorage

    background.beat("w1", timezone.now())

    def refuse(storage: FileSystemStorage, name: str) -> bool:
        raise ConnectionError("storage down")

    monkeypatch.setattr(FileSystemStorage, "exists", refuse)
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["checks"]["storage"] == "unreachable (ConnectionError)"


def test_healthz_stays_the_cheap_liveness_check(client: Any) -> None:
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert "worker" not in answer.json()["checks"]
