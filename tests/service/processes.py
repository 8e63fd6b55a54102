"""Starting the project's own commands as separate processes, on the test's database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """The address of the database this test runs on, for another process."""
    config = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{config['NAME']}"
    user = config.get("USER") or ""
    password = f":{config['PASSWORD']}" if config.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{config['HOST']}:{config['PORT'] or 5432}/{config['NAME']}"


def environment(**overrides: str) -> dict[str, str]:
    """Production settings on the test's database, tasks queued for a worker."""
    env = {
        **os.environ,
        "ENV_FILE": "",
        "DEBUG": "false",
        "SECRET_KEY": "service-test-secret-key-long-enough-to-pass-the-deploy-checks-0123",
        "DATABASE_URL": database_url(),
        "TASKS_BACKEND": "database",
        "PYTHONUNBUFFERED": "1",
    }
    env.update(overrides)
    return env


def manage(*args: str, env: dict[str, str], **kwargs: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **kwargs,
    )


def wait_for(condition: Callable[[], Any], *, seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"Waited {seconds} seconds for {what}")


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def redis_url() -> str | None:
    """The Redis the service tests may use, or None when none answers.

    SERVICE_TEST_REDIS_URL names it (default: database 5 on this machine); each test
    gives its keys their own prefix, so parallel runs never share a count.
    """
    import redis

    url = os.environ.get("SERVICE_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return None
    return url


def production_environment(tmp: Path, **overrides: str) -> dict[str, str]:
    """The settings deploy/env.example gives, on the test's database and a local Redis."""
    import uuid

    url = redis_url()
    assert url is not None
    settings = dict(
        ALLOWED_HOSTS="127.0.0.1,localhost",
        CSRF_TRUSTED_ORIGINS="https://127.0.0.1",
        BEHIND_HTTPS_PROXY="true",
        SECURE_SSL_REDIRECT="true",
        SECURE_HSTS_SECONDS="31536000",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="true",
        SECURE_HSTS_PRELOAD="true",
        REDIS_URL=url,
        CACHE_KEY_PREFIX=f"test-{uuid.uuid4().hex[:12]}",
        STATIC_ROOT=str(tmp / "static"),
        MEDIA_ROOT=str(tmp / "media"),
        LOG_FORMAT="json",
        WEB_CONCURRENCY="2",
    )
    return environment(**{**settings, **overrides})


def gunicorn(port: int, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi"],
        cwd=ROOT,
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(process: subprocess.Popen[str]) -> str:
    """SIGTERM, as systemd stops a service; its output. Killed if it hangs."""
    import signal

    process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=40)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        raise AssertionError(f"did not stop on SIGTERM:\n{output}") from None
    return output


def http(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One request as the reverse proxy sends it (https, the client's address); no
    redirect is followed. Status 0 when nothing answers at that address."""
    import urllib.error
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    request = urllib.request.Request(url, data=body, method=method)
    request.add_header("X-Forwarded-Proto", "https")
    request.add_header("X-Forwarded-For", "203.0.113.7")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
    except (urllib.error.URLError, ConnectionError):
        return 0, {}, b""
