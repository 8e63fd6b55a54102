"""More than one machine: two web processes and two task workers against one
PostgreSQL, one Redis and one S3-compatible store (moto's server, standing in for
MinIO or Amazon S3). Nothing is lost or done twice, and limits hold across both."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from core.tokens import api_token_create
from tests.conftest import PDF
from tests.factories import AgencyFactory, JurisdictionFactory
from tests.service.processes import (
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
from tracker.domain import services
from tracker.models import Letter, OptOutRequest

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("queued_tasks"),
]

ANONYMOUS_PER_MINUTE = 6


def _missing(reason: str) -> None:
    if os.environ.get("REQUIRE_SERVICES"):
        pytest.fail(f"REQUIRE_SERVICES is set but {reason}")
    pytest.skip(reason)


@pytest.fixture
def s3_store() -> Iterator[dict[str, str]]:
    """A local S3-compatible server with an empty bucket."""
    try:
        import boto3
        from moto.server import ThreadedMotoServer
    except ImportError:
        _missing("moto is not installed: pip install -e '.[service]'")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    settings = {
        "ATTACHMENT_STORAGE": "s3",
        "S3_BUCKET": f"attachments-{uuid.uuid4().hex[:8]}",
        "S3_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": "test",
        "S3_SECRET_ACCESS_KEY": "test",
    }
    client = boto3.client(
        "s3",
        endpoint_url=settings["S3_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    client.create_bucket(Bucket=settings["S3_BUCKET"])
    settings["_client"] = client
    yield settings
    server.stop()


@pytest.fixture
def two_machines(tmp_path: Path, s3_store: dict[str, Any]) -> Iterator[list[str]]:
    """Two gunicorns (each its own machine, with its own empty disk) and two workers."""
    if redis_url() is None:
        _missing("Redis does not answer: set SERVICE_TEST_REDIS_URL or start one")
    storage = {key: value for key, value in s3_store.items() if not key.startswith("_")}
    base = production_environment(
        tmp_path,
        WEB_CONCURRENCY="2",
        ANONYMOUS_API_PER_MINUTE=str(ANONYMOUS_PER_MINUTE),
        **storage,
    )
    collected = manage("collectstatic", "--no-input", "-v0", env=base)
    assert collected.wait(timeout=120) == 0, collected.communicate()[0]
    processes = []
    sites = []
    for machine in ("a", "b"):
        env = {**base, "MEDIA_ROOT": str(tmp_path / f"disk-{machine}")}
        port = free_port()
        processes.append(gunicorn(port, env))
        processes.append(
            manage(
                "run_worker",
                "--no-reload",
                "--interval",
                "0.2",
                "--worker-id",
                f"worker-{machine}",
                env=env,
            )
        )
        sites.append(f"http://127.0.0.1:{port}")
    try:
        for site in sites:
            wait_for(
                lambda site=site: http("GET", f"{site}/readyz")[0] == 200,
                seconds=90,
                what=f"{site} to be ready",
            )
        yield sites
    finally:
        outputs = [stop(process) for process in processes]
        for process, output in zip(processes, outputs, strict=True):
            assert process.returncode == 0, output


def multipart(fields: dict[str, str], file_field: str, name: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
        f'filename="{name}"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
        + data
        + b"\r\n"
    )
    return b"".join(
        parts
    ) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_two_web_processes_and_two_workers_share_everything(
    two_machines: list[str], editor: Any, s3_store: dict[str, Any]
) -> None:
    site_a, site_b = two_machines
    jurisdiction = JurisdictionFactory()
    _token, secret = api_token_create(user=editor, name="two machines")
    auth = {"Authorization": f"Token {secret}", "Content-Type": "application/json"}

    # Concurrent writes through both web processes: every one is saved.
    def create(n: int) -> int:
        body = json.dumps({"jurisdiction": jurisdiction.pk, "title": f"Concurrent {n}"}).encode()
        status, _, answer = http(
            "POST", f"{two_machines[n % 2]}/api/v1/requests/", body=body, headers=auth
        )
        assert status == 201, answer
        return int(json.loads(answer)["id"])

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(create, range(40)))
    writes_seconds = time.monotonic() - started
    assert len(set(ids)) == 40
    assert OptOutRequest.objects.filter(title__startswith="Concurrent ").count() == 40

    # An attachment uploaded through one is downloaded through the other.
    optout = services.request_open(jurisdiction=jurisdiction, title="With a file", by=editor)
    sender = AgencyFactory()
    body, content_type = multipart(
        {
            "request": str(optout.pk),
            "sender": str(sender.pk),
            "subject": "Notice",
            "sent_on": "2010-09",
        },
        "attachment",
        "notice.pdf",
        PDF,
    )
    status, _, answer = http(
        "POST",
        f"{site_a}/api/v1/letters/",
        body=body,
        headers={"Authorization": auth["Authorization"], "Content-Type": content_type},
    )
    assert status == 201, answer
    letter = Letter.objects.get(pk=json.loads(answer)["id"])
    status, headers, download = http(
        "GET",
        f"{site_b}/api/v1/letters/{letter.pk}/attachment/",
        headers={"Authorization": auth["Authorization"]},
    )
    assert (status, download) == (200, PDF)
    assert "attachment;" in headers["Content-Disposition"]
    stored = s3_store["_client"].list_objects_v2(Bucket=s3_store["S3_BUCKET"])["Contents"]
    assert [item["Key"] for item in stored] == [f"attachments/{letter.attachment.name}"]

    # Each task runs exactly once, whichever worker takes it.
    started = time.monotonic()
    results = [make_group.enqueue("shared") for _ in range(30)]
    wait_for(
        lambda: (
            DBTaskResult.objects.filter(
                id__in=[r.id for r in results], status=TaskResultStatus.SUCCESSFUL
            ).count()
            == 30
        ),
        seconds=120,
        what="both workers to run 30 tasks",
    )
    tasks_seconds = time.monotonic() - started
    assert runs_of("shared") == 30
    taken = DBTaskResult.objects.filter(id__in=[r.id for r in results])
    assert all(len(worker_ids) == 1 for worker_ids in taken.values_list("worker_ids", flat=True))

    # The anonymous limit counts across both web processes (one count in Redis).
    if time.time() % 60 > 50:  # not across the turn of a minute
        time.sleep(61 - time.time() % 60)
    answers = [
        http("GET", f"{two_machines[n % 2]}/api/v1/jurisdictions/")[0]
        for n in range(ANONYMOUS_PER_MINUTE + 2)
    ]
    assert answers == [200] * ANONYMOUS_PER_MINUTE + [429, 429]

    print(
        f"\n40 API creates over 2 web processes (8 clients): {writes_seconds:.2f}s; "
        f"30 tasks over 2 workers: {tasks_seconds:.2f}s"
    )
