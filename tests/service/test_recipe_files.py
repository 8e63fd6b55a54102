"""The production recipe's files agree with each other and with the code: the Procfile
and the systemd units start the same commands, gunicorn accepts its configuration,
and the proxies let through the largest body the tracker accepts."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands

from tests.service.processes import ROOT, environment

DEPLOY = ROOT / "deploy"
VENV_BIN = "/srv/opt-out-tracker/.venv/bin/"


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip() and not line.startswith("#"))


def exec_start(unit: str) -> str:
    text = (DEPLOY / "systemd" / unit).read_text()
    return re.search(r"^ExecStart=(.*)$", text, re.MULTILINE)[1]  # type: ignore[index]


def test_the_procfile_names_the_three_processes_and_the_release_step() -> None:
    assert set(procfile()) == {"release", "web", "worker", "scheduler"}


@pytest.mark.parametrize(
    ("process", "unit"),
    [
        ("web", "opt-out-tracker-web.service"),
        ("worker", "opt-out-tracker-worker@.service"),
        ("scheduler", "opt-out-tracker-scheduler.service"),
    ],
)
def test_each_systemd_unit_starts_what_the_procfile_starts(process: str, unit: str) -> None:
    command = exec_start(unit).replace(VENV_BIN, "").replace(" --worker-id %H-%i", "")
    assert command == procfile()[process]


@pytest.mark.parametrize("process", ["release", "worker", "scheduler"])
def test_every_management_command_the_recipe_runs_exists(process: str) -> None:
    for step in procfile()[process].split("&&"):
        words = shlex.split(step)
        if words[:2] == ["python", "manage.py"]:
            assert words[2] in get_commands(), step


def test_gunicorn_accepts_its_configuration_and_loads_the_site() -> None:
    env = environment(WEB_CONCURRENCY="3", GUNICORN_TIMEOUT="25", LOG_FORMAT="json")
    checked = subprocess.run(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "deploy/gunicorn.conf.py",
            "--check-config",
            "--print-config",
            "config.wsgi",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    printed = dict(
        (key.strip(), value.strip())
        for key, _, value in (line.partition("=") for line in checked.stdout.splitlines())
    )
    assert (printed["workers"], printed["timeout"], printed["bind"]) == (
        "3",
        "25",
        "['127.0.0.1:8000']",
    )


def test_the_proxies_let_through_the_largest_request_the_tracker_accepts() -> None:
    caddy = re.search(r"max_size (\d+)MB", (DEPLOY / "Caddyfile").read_text())
    nginx = re.search(r"client_max_body_size (\d+)m;", (DEPLOY / "nginx.conf").read_text())
    assert caddy and nginx
    assert int(caddy[1]) * 1000 * 1000 >= settings.REQUEST_MAX_BYTES
    assert int(nginx[1]) * 1024 * 1024 >= settings.REQUEST_MAX_BYTES


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is missing")
def test_the_systemd_units_are_valid(tmp_path: Path) -> None:
    units = []
    for unit in (DEPLOY / "systemd").glob("*.service"):
        name = unit.name.replace("@.service", "@1.service")
        # The commands must exist to be verified: those of this environment.
        text = unit.read_text().replace(VENV_BIN, f"{Path(sys.executable).parent}/")
        (tmp_path / name).write_text(text)
        units.append(str(tmp_path / name))
    verified = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *units],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert (verified.returncode, verified.stderr) == (0, "")
