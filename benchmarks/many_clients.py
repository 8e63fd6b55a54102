"""How the answer times hold up when several clients ask at once.

A real web server (gunicorn, two worker processes by default: one per core on
the reference machine) serves the national dataset; for each target this
script measures, side by side in one run:

- one client asking ``--requests`` times in a row (its p50 and p95), then
- ``--clients`` clients (threads, one connection each) asking ``--requests``
  times each at the same time (p50 and p95 over every answer),

and prints the ratio of the two p95s. With two workers on two cores, eight
clients queue: a ratio up to 4 means the server shares its cores fairly and no
answer waits on a lock or a slow neighbour for long.

Build the data first (``benchmarks/national_dataset.py``), install the
benchmark extra (``pip install -e '.[benchmark]'``: gunicorn), then::

    .venv/bin/python benchmarks/many_clients.py \\
        --database-url postgres://postgres@127.0.0.1:5432/opt_out_tracker_national

The targets are the API lists of ``benchmarks/national.py`` (``--only`` picks
by name; ``--only ''`` takes every page, which includes slow ones).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import national  # noqa: E402  (the benchmark next to this one: same setup and targets)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _start_server(database_url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": os.environ.get("SECRET_KEY", "benchmark-only-key"),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "ENV_FILE": "",
        "PYTHONWARNINGS": "ignore",
        # Every client is one address: measure the answers, not the anonymous limits.
        "ANONYMOUS_API_PER_MINUTE": "1000000",
        "PUBLIC_SEARCH_PER_MINUTE": "1000000",
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    try:
        server = subprocess.Popen(command, cwd=ROOT, env=environment)
    except FileNotFoundError as error:  # pragma: no cover - the interpreter always exists
        raise SystemExit(f"Cannot start gunicorn: {error}") from None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(
                "gunicorn stopped at start: install it with `pip install -e '.[benchmark]'`."
            )
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("gunicorn did not answer within 60 s.")


def _fetch(url: str, cookie: str | None) -> tuple[float, int]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return time.perf_counter() - started, status


def _p95(samples: Sequence[float]) -> float:
    return national._percentile(samples, 0.95)


def measure(url: str, cookie: str | None, *, clients: int, requests: int) -> dict[str, float]:
    _fetch(url, cookie)  # warm each worker's caches and connection
    _fetch(url, cookie)
    alone = [_fetch(url, cookie)[0] for _ in range(requests)]
    together: list[float] = []
    statuses: set[int] = set()
    lock = threading.Lock()

    def client() -> None:
        for _ in range(requests):
            elapsed, status = _fetch(url, cookie)
            with lock:
                together.append(elapsed)
                statuses.add(status)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "p50_alone": statistics.median(alone),
        "p95_alone": _p95(alone),
        "p50_together": statistics.median(together),
        "p95_together": _p95(together),
        "status": max(statuses),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--clients", type=int, default=8, help="clients at once (default 8)")
    parser.add_argument("--requests", type=int, default=25, help="requests per client (default 25)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--only", default="api", help="targets whose name contains this (default: api)"
    )
    args = parser.parse_args(argv)
    for name in ("clients", "requests", "workers"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    national._setup(args.database_url)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from tracker.domain import services

    user, _created = get_user_model().objects.get_or_create(
        username="benchmark", defaults={"is_staff": True, "is_superuser": True}
    )
    signed_in = Client()
    signed_in.force_login(user)  # a real session row, sent as a cookie to the server
    session = signed_in.cookies[settings.SESSION_COOKIE_NAME].value
    cookie = f"{settings.SESSION_COOKIE_NAME}={session}"
    token = services.calendar_token_create(user=user).token
    targets = [t for t in national._targets() if args.only in t.name]
    if not targets:
        parser.error(f"no target's name contains {args.only!r}")
    port = _free_port()
    server = _start_server(args.database_url, port, args.workers)
    try:
        print(
            f"{args.clients} clients x {args.requests} requests, gunicorn with "
            f"{args.workers} workers; times in ms"
        )
        print(
            f"{'target':<24}{'p50 1':>9}{'p95 1':>9}{f'p50 {args.clients}':>9}"
            f"{f'p95 {args.clients}':>9}{'p95 ratio':>11}{'status':>7}"
        )
        for target in targets:
            path = f"/calendar/{token}.ics" if target.path == "CALENDAR" else target.path
            figures = measure(
                f"http://127.0.0.1:{port}{path}",
                cookie if target.signed_in else None,
                clients=args.clients,
                requests=args.requests,
            )
            print(
                f"{target.name:<24}{figures['p50_alone'] * 1000:>9.1f}"
                f"{figures['p95_alone'] * 1000:>9.1f}{figures['p50_together'] * 1000:>9.1f}"
                f"{figures['p95_together'] * 1000:>9.1f}"
                f"{figures['p95_together'] / figures['p95_alone']:>11.1f}"
                f"{figures['status']:>7.0f}",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
