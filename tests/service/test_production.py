"""The production recipe, run: gunicorn with deploy/gunicorn.conf.py and a task worker,
with the production settings on PostgreSQL and Redis (deploy/env.example)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from core.tokens import api_token_create
from tests.factories import JurisdictionFactory
from tests.service.processes import (
    ROOT,
    free_port,
    gunicorn,
    http,
    manage,
    production_environment,
    redis_url,
    stop,
    wait_for,
)
from tests.service.tasks import make_group, runs_of
from tracker.models import OptOutRequest

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("queued_tasks"),
]


@pytest.fixture
def production(tmp_path: Path) -> dict[str, str]:
    if redis_url() is None:
        if os.environ.get("REQUIRE_SERVICES"):
            pytest.fail("REQUIRE_SERVICES is set but Redis does not answer")
        pytest.skip("needs Redis: set SERVICE_TEST_REDIS_URL or start one on 127.0.0.1:6379")
    env = production_environment(tmp_path)
    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert collected.returncode == 0, collected.stderr
    return env


def json_lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_the_deploy_checks_pass_with_the_production_settings(production: dict[str, str]) -> None:
    checked = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "no issues" in checked.stdout


def test_gunicorn_and_a_worker_serve_pages_writes_and_tasks(
    production: dict[str, str], editor: Any
) -> None:
    jurisdiction = JurisdictionFactory()
    _token, secret = api_token_create(user=editor, name="production")
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    web = gunicorn(port, production)
    worker = manage("run_worker", "--no-reload", "--worker-id", "production-1", env=production)
    try:
        wait_for(lambda: http("GET", f"{site}/healthz")[0] == 200, seconds=60, what="gunicorn")
        wait_for(lambda: http("GET", f"{site}/readyz")[0] == 200, seconds=60, what="readiness")
        status, _, body = http("GET", f"{site}/readyz")
        assert json.loads(body)["checks"] == {
            "database:default": "ok",
            "cache:default": "ok",
            "storage": "ok",
            "worker": "ok",
        }

        # Pages, with the production headers and hashed static files.
        status, headers, body = http("GET", f"{site}/public/")
        assert status == 200
        assert "max-age=31536000" in headers["Strict-Transport-Security"]
        assert "/static/" in body.decode()
        assert http("GET", f"{site}/accounts/login/")[0] == 200
        assert http("GET", f"{site}/")[0] == 302  # to the sign-in
        # Without the proxy's https header: redirected to https.
        assert http("GET", f"{site}/public/", headers={"X-Forwarded-Proto": "http"})[0] == 301

        # An API write.
        status, _, body = http(
            "POST",
            f"{site}/api/v1/requests/",
            body=json.dumps({"jurisdiction": jurisdiction.pk, "title": "Opt out"}).encode(),
            headers={"Authorization": f"Token {secret}", "Content-Type": "application/json"},
        )
        assert status == 201, body
        assert OptOutRequest.objects.get(pk=json.loads(body)["id"]).title == "Opt out"

        # A task, run by the worker process.
        result = make_group.enqueue("production")
        wait_for(
            lambda: DBTaskResult.objects.get(id=result.id).status == TaskResultStatus.SUCCESSFUL,
            seconds=30,
            what="the worker to run the task",
        )
        assert DBTaskResult.objects.get(id=result.id).worker_ids == ["production-1"]
        assert runs_of("production") == 1
    finally:
        web_output = stop(web)
        worker_output = stop(worker)
    assert web.returncode == 0, web_output
    assert worker.returncode == 0, worker_output
    # Structured logs: gunicorn's and the worker's lines are JSON objects.
    access = [entry for entry in json_lines(web_output) if entry["logger"] == "gunicorn.access"]
    assert any("POST /api/v1/requests/" in entry["message"] for entry in access)
    tasks = [entry for entry in json_lines(worker_output) if entry["logger"] == "django.tasks"]
    assert any(result.id in entry["message"] for entry in tasks), worker_output
