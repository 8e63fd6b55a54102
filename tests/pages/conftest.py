"""Fixtures for the staff pages' tests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import JurisdictionFactory
from tracker.domain import services
from tracker.models import OptOutRequest


@pytest.fixture
def draft(editor: Any) -> OptOutRequest:
    """Arlington County's request, just opened by the editor (a draft)."""
    return services.request_open(
        jurisdiction=JurisdictionFactory(name="Arlington County", state="VA"),
        title="Arlington County: removal",
        by=editor,
    )
