"""The pages `make run` serves with the 2010 record."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tracker.models import OptOutRequest

pytestmark = pytest.mark.django_db


def test_pages_require_sign_in(client: Client, record_2010: None) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_dashboard_lists_the_four_requests(
    client: Client, viewer: Any, record_2010: None, django_assert_max_num_queries: Any
) -> None:
    client.force_login(viewer)
    with django_assert_max_num_queries(10):
        response = client.get("/")
    assert response.status_code == 200
    for name in ("Arlington County", "San Francisco", "Santa Clara County", "District of Columbia"):
        assert name in response.text


def test_the_request_page_shows_the_checklist_and_the_undated_letters(
    client: Client, viewer: Any, record_2010: None
) -> None:
    client.force_login(viewer)
    sf = OptOutRequest.objects.get(reference="san-francisco-2010")
    response = client.get(sf.get_absolute_url())
    assert response.status_code == 200
    assert "Second request to opt out" in response.text
    assert "missing: Meeting with ICE and the state held" in response.text


def test_every_response_carries_a_content_security_policy(
    client: Client, viewer: Any, record_2010: None
) -> None:
    client.force_login(viewer)
    assert "default-src 'self'" in client.get("/")["Content-Security-Policy"]


def test_the_health_check_answers_without_sign_in(client: Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
