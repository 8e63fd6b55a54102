"""Cross-origin reads of the API (CORS_ALLOWED_ORIGINS): a listed site's page may read,
never write, and never with the browser's cookies."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from core.tokens import api_token_create
from tests.domain.test_settings import start
from tests.factories import JurisdictionFactory
from tracker.domain import services

pytestmark = pytest.mark.django_db

SITE = "https://coalition.example.org"


@pytest.fixture(autouse=True)
def _one_site_allowed(settings: Any) -> None:
    settings.CORS_ALLOWED_ORIGINS = [SITE]


def preflight(path: str, *, origin: str = SITE, method: str = "GET") -> Any:
    return Client().options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
    )


def test_a_listed_sites_preflight_is_answered_not_refused_with_401() -> None:
    assert Client().options("/api/v1/contacts/").status_code == 401  # not a preflight
    answer = preflight("/api/v1/contacts/")
    assert answer.status_code == 200
    assert answer["Access-Control-Allow-Origin"] == SITE
    assert set(answer["Access-Control-Allow-Methods"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert "authorization" in answer["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in answer


def test_writes_are_not_offered_to_other_sites() -> None:
    answer = preflight("/api/v1/letters/", method="POST")
    assert "POST" not in answer["Access-Control-Allow-Methods"]


def test_an_unlisted_site_gets_no_cors_headers() -> None:
    answer = preflight("/api/v1/letters/", origin="https://elsewhere.example.com")
    assert "Access-Control-Allow-Origin" not in answer


def test_a_listed_site_reads_the_public_record_and_its_etag(editor: Any) -> None:
    optout = services.request_open(jurisdiction=JurisdictionFactory(), title="Opt out", by=editor)
    answer = Client().get(f"/api/v1/requests/{optout.pk}/", HTTP_ORIGIN=SITE)
    assert answer.status_code == 404  # not published: still a 404, with the header
    assert answer["Access-Control-Allow-Origin"] == SITE
    listed = Client().get("/api/v1/requests/", HTTP_ORIGIN=SITE)
    assert listed.status_code == 200
    assert listed["Access-Control-Allow-Origin"] == SITE
    assert "ETag" in listed["Access-Control-Expose-Headers"]


def test_a_listed_site_reads_with_a_token(editor: Any) -> None:
    _token, secret = api_token_create(user=editor, name="Dashboard site")
    answer = Client().get("/api/v1/me/", HTTP_ORIGIN=SITE, HTTP_AUTHORIZATION=f"Token {secret}")
    assert answer.status_code == 200
    assert answer["Access-Control-Allow-Origin"] == SITE


def test_pages_outside_the_api_get_no_cors_headers() -> None:
    answer = Client().get("/public/", HTTP_ORIGIN=SITE)
    assert "Access-Control-Allow-Origin" not in answer


def test_no_site_is_allowed_unless_listed(settings: Any) -> None:
    settings.CORS_ALLOWED_ORIGINS = []
    assert "Access-Control-Allow-Origin" not in preflight("/api/v1/letters/")


def test_an_origin_with_a_path_stops_start_up_naming_the_variable() -> None:
    result = start(DEBUG="false", SECRET_KEY="x", ENV_FILE="", CORS_ALLOWED_ORIGINS=f"{SITE}/app")
    assert result.returncode != 0
    assert "CORS_ALLOWED_ORIGINS" in result.stderr
    fine = start(
        DEBUG="false",
        SECRET_KEY="x",
        ENV_FILE="",
        CORS_ALLOWED_ORIGINS=f"{SITE}, http://localhost:3000",
    )
    assert fine.returncode == 0, fine.stderr
