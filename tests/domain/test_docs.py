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


def test_every_file_and_folder_the_docs_name_exists() -> None:
    """A newcomer finds a rule by the path the docs give: every `path/like/this.py` or
    `folder/` in README.md and docs/ that starts at one of the checkout's folders names
    something there (`domain/` alone, or an address like `statements/`, is not a path)."""
    import re

    pattern = re.compile(r"`((?:[a-z_]+/)+(?:[a-z_]+\.(?:py|md|html|csv|json|css))?)`")
    folders = {entry.name for entry in ROOT.iterdir() if entry.is_dir()}
    missing = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for path in pattern.findall(page.read_text()):
            if path.split("/")[0] in folders and not (ROOT / path).exists():
                missing.append(f"{page.relative_to(ROOT)}: {path}")
    assert missing == []


def test_every_link_between_the_docs_leads_somewhere() -> None:
    import re

    missing = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#:]+\.md)(?:#[^)]*)?\)", page.read_text()):
            if not (page.parent / target).exists():
                missing.append(f"{page.relative_to(ROOT)}: {target}")
    assert missing == []
