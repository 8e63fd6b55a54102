"""The docs stay true to the code."""

from __future__ import annotations

from pathlib import Path

from tracker.domain.workflow import mermaid_diagram

ROOT = Path(__file__).resolve().parents[2]


def test_the_architecture_page_shows_the_current_workflow() -> None:
    assert mermaid_diagram() in (ROOT / "docs" / "architecture.md").read_text()


def test_every_setting_read_from_the_environment_is_documented() -> None:
    import re

    settings_source = (ROOT / "config" / "settings.py").read_text()
    variables = set(re.findall(r'env_\w+\(\s*"([A-Z_]+)"', settings_source))
    documented = (ROOT / "docs" / "configuration.md").read_text()
    example = (ROOT / ".env.example").read_text()
    assert variables, "no variables found: has settings.py stopped using the env helpers?"
    for variable in variables:
        assert f"`{variable}`" in documented, f"{variable} is missing from configuration.md"
        assert f"{variable}=" in example, f"{variable} is missing from .env.example"
