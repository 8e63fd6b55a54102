"""`make run` serves the site and runs a task worker beside it; Ctrl-C stops both."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.service.processes import ROOT, wait_for

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def test_make_run_serves_with_a_worker_and_ctrl_c_stops_both(tmp_path: Path) -> None:
    # The environment running the tests stands in for .venv, already installed.
    venv = tmp_path / "venv"
    venv.mkdir()
    for part in ("bin", "lib"):
        (venv / part).symlink_to(Path(sys.prefix) / part)
    shutil.copy(Path(sys.prefix) / "pyvenv.cfg", venv / "pyvenv.cfg")
    (venv / ".installed").touch()
    port = free_port()
    database = tmp_path / "run.sqlite3"
    env = {
        **os.environ,
        "ENV_FILE": "",
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{database}",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    env.pop("TASKS_BACKEND", None)  # make run uses the default: a real queue
    make = subprocess.Popen(
        ["make", "run", f"VENV={venv}", f"PORT={port}", "-o", ".env"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as in a terminal
    )
    try:
        wait_for(lambda: answers(f"http://127.0.0.1:{port}/healthz"), seconds=180, what="the site")
        ready = wait_for(
            lambda: answers(f"http://127.0.0.1:{port}/readyz"), seconds=60, what="the worker"
        )
        assert ready
        os.killpg(make.pid, signal.SIGINT)  # what Ctrl-C sends
        output, _ = make.communicate(timeout=60)
    except BaseException:
        os.killpg(make.pid, signal.SIGKILL)
        print(make.communicate()[0])
        raise
    assert "Starting worker" in output
    time.sleep(0.5)
    assert not answers(f"http://127.0.0.1:{port}/healthz")
    # Nothing of the session Ctrl-C was sent to lives on (the worker least of all).
    leftovers = [
        pid for pid in os.listdir("/proc") if pid.isdigit() and _session_of(int(pid)) == make.pid
    ]
    described = {pid: Path(f"/proc/{pid}/cmdline").read_bytes() for pid in leftovers}
    assert leftovers == [], f"processes outlived Ctrl-C: {described}"


def _session_of(pid: int) -> int | None:
    """The session of a running process; None once it ended (a zombie has ended: only
    its parent has not yet collected its exit status)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return None if state in {"Z", "X"} else os.getsid(pid)
    except (OSError, IndexError):  # ended meanwhile
        return None
