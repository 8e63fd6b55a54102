"""Configuration from the environment: bad values stop start-up and name the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(command: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``command`` in a fresh interpreter with only the given variables."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    return subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def start(**env: str) -> subprocess.CompletedProcess[str]:
    """Load the web application, as a server does, and print the database engine."""
    return run(
        [
            "-c",
            "import config.wsgi, config.settings as s; print(s.DATABASES['default']['ENGINE'])",
        ],
        **env,
    )


def test_production_refuses_to_serve_without_a_secret_key() -> None:
    for application in ("config.wsgi", "config.asgi"):
        result = run(["-c", f"import {application}"], DEBUG="false", ENV_FILE="")
        assert result.returncode != 0
        assert "SECRET_KEY is not set" in result.stderr


def test_commands_that_sign_nothing_run_without_a_secret_key() -> None:
    # The lint step, or an operator checking migrations before the key is in place.
    result = run(
        ["manage.py", "makemigrations", "--check", "--dry-run"], DEBUG="false", ENV_FILE=""
    )
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_debug_mode_starts_with_a_development_key_and_sqlite() -> None:
    result = start(DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert "sqlite3" in result.stdout


def test_the_secret_key_can_come_from_a_file(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("from-a-file\n")
    result = start(DEBUG="false", SECRET_KEY_FILE=str(key_file))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG='maybe' is not a boolean"),
        ("ATTACHMENT_MAX_BYTES", "lots", "ATTACHMENT_MAX_BYTES='lots' is not a whole number"),
        ("REPLY_WINDOW_DAYS", "0", "REPLY_WINDOW_DAYS=0 must be at least 1"),
        ("REPLY_WINDOW_KIND", "lunar", "REPLY_WINDOW_KIND='lunar' is not one of"),
        ("DATABASE_URL", "nosuchdb://x", "DATABASE_URL='nosuchdb://x' is not usable"),
        ("SECRET_KEY_FILE", "/nonexistent/key", "SECRET_KEY_FILE: cannot read"),
    ],
)
def test_a_bad_value_fails_at_start_up_naming_the_variable(
    variable: str, value: str, message: str
) -> None:
    env = {"SECRET_KEY": "x", variable: value}
    if variable == "SECRET_KEY_FILE":
        env.pop("SECRET_KEY")
    result = start(**env)
    assert result.returncode != 0
    assert message in result.stderr


def test_postgres_urls_are_understood() -> None:
    result = start(SECRET_KEY="x", DATABASE_URL="postgres://u@127.0.0.1:5432/db")
    assert result.returncode == 0, result.stderr
    assert "postgresql" in result.stdout


def test_a_developers_env_file_is_read_but_real_variables_win(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DEBUG=true\nDATABASE_URL=postgres://u@127.0.0.1:5432/from_file\n")
    result = start(ENV_FILE=str(env_file))
    assert result.returncode == 0, result.stderr
    assert "postgresql" in result.stdout
    result = start(ENV_FILE=str(env_file), DATABASE_URL="sqlite:////tmp/real.sqlite3")
    assert result.returncode == 0, result.stderr
    assert "sqlite3" in result.stdout


def test_no_env_file_is_read_when_env_file_is_empty(tmp_path: Path) -> None:
    result = start(ENV_FILE="")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def _production_recipe() -> dict[str, str]:
    """The variables `docs/configuration.md`'s production recipe exports."""
    text = (ROOT / "docs" / "configuration.md").read_text()
    section = text.split("## Running in production", 1)[1]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    exported = block.split("export ", 1)[1].split("\n.venv", 1)[0].replace("\\\n", " ")
    variables = dict(item.split("=", 1) for item in exported.split())
    assert {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"} <= variables.keys()
    return variables


def test_the_documented_production_recipe_passes_the_deployment_check() -> None:
    recipe = _production_recipe()
    recipe["SECRET_KEY"] = "a-long-random-production-key-" + "x" * 40  # the recipe's "..."
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **recipe)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_without_the_recipes_https_settings_the_deployment_check_warns() -> None:
    recipe = _production_recipe()
    recipe["SECRET_KEY"] = "a-long-random-production-key-" + "x" * 40
    del recipe["SECURE_SSL_REDIRECT"], recipe["SECURE_HSTS_SECONDS"]
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **recipe)
    assert result.returncode != 0
    assert "security.W004" in result.stderr and "security.W008" in result.stderr
