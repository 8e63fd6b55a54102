"""The interactive API docs in a real browser, under the site's Content-Security-Policy."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_interactive_docs_work_under_the_content_security_policy(
    browser_page: Any, editor: Any
) -> None:
    page = browser_page
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    sign_in(page, "editor", "pw-editor")
    page.goto("/api/docs/")
    page.get_by_text("/api/v1/requests/{id}/transitions/").first.wait_for()
    assert page.locator(".opblock").count() > 20
    page.screenshot(path="docs/screenshots/api-docs.png")
    # Let every request the page started finish before the test database goes away.
    page.wait_for_load_state("networkidle")
    assert violations == []
