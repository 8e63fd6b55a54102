"""What anyone can ask without signing in is limited per address, and so are wrong
API tokens: beyond the limit, 429 with Retry-After; signed-in work is never limited."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from core.tokens import api_token_create

pytestmark = pytest.mark.django_db


def test_anonymous_api_readers_are_limited_per_address(settings: Any) -> None:
    settings.ANONYMOUS_API_PER_MINUTE = 3
    reader = APIClient()
    for _attempt in range(3):
        assert reader.get("/api/v1/statements/", REMOTE_ADDR="198.51.100.1").status_code == 200
    refused = reader.get("/api/v1/statements/", REMOTE_ADDR="198.51.100.1")
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 60
    # Another address is counted on its own; a forged header does not make one.
    assert reader.get("/api/v1/statements/", REMOTE_ADDR="198.51.100.2").status_code == 200
    forged = reader.get(
        "/api/v1/statements/", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="10.0.0.9"
    )
    assert forged.status_code == 429


def test_signed_in_readers_are_not_limited(settings: Any, reader: APIClient) -> None:
    settings.ANONYMOUS_API_PER_MINUTE = 1
    for _attempt in range(5):
        assert reader.get("/api/v1/letters/").status_code == 200


def test_wrong_tokens_are_limited_per_address(settings: Any, editor: Any) -> None:
    settings.WRONG_TOKENS_PER_MINUTE = 2
    client = APIClient()
    for _attempt in range(2):
        wrong = client.get("/api/v1/letters/", HTTP_AUTHORIZATION="Token not-a-real-token")
        assert wrong.status_code == 401
    _token, secret = api_token_create(user=editor, name="script")
    paused = client.get("/api/v1/letters/", HTTP_AUTHORIZATION=f"Token {secret}")
    assert paused.status_code == 429
    assert "Retry-After" in paused
    elsewhere = client.get(
        "/api/v1/letters/", HTTP_AUTHORIZATION=f"Token {secret}", REMOTE_ADDR="192.0.2.5"
    )
    assert elsewhere.status_code == 200


def test_public_searches_are_limited_per_address(settings: Any) -> None:
    settings.PUBLIC_SEARCH_PER_MINUTE = 2
    visitor = Client()
    for _attempt in range(2):
        assert visitor.get("/public/search/", {"q": "Hennessey"}).status_code == 200
    refused = visitor.get("/public/search/", {"q": "Hennessey"})
    assert refused.status_code == 429
    assert b"Too many searches" in refused.content
    assert 0 < int(refused["Retry-After"]) <= 60
