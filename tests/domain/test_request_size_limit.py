"""A body larger than anything accepted is refused with 413 before it is read."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.test import Client
from rest_framework.test import APIClient

from tracker.models import OptOutRequest

pytestmark = pytest.mark.django_db


def oversized() -> bytes:
    return b"x" * (settings.REQUEST_MAX_BYTES + 1)


def test_the_api_answers_413_in_its_error_shape_and_writes_nothing(api: APIClient) -> None:
    with mock.patch.object(LimitedStream, "read", autospec=True) as read:
        response = api.generic(
            "POST", "/api/v1/requests/", oversized(), content_type="application/json"
        )
    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "too_large"
    assert f"{settings.REQUEST_MAX_BYTES:,}" in body["detail"]
    assert read.call_count == 0  # refused on its announced length, never read
    assert not OptOutRequest.objects.exists()


def test_a_page_answers_413_in_plain_words(editor_client: Client, editor: Any) -> None:
    response = editor_client.generic(
        "POST", "/requests/1/letters/", oversized(), content_type="multipart/form-data"
    )
    assert response.status_code == 413
    assert b"largest accepted" in response.content


def test_a_body_within_the_limit_is_read_as_usual(api: APIClient) -> None:
    response = api.generic(
        "POST", "/api/v1/requests/", b"{" * 1000, content_type="application/json"
    )
    assert response.status_code == 400  # read, and found to be bad JSON
