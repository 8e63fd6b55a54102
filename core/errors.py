"""The one shape of an error answer in JSON, shared by the API and the site-wide
answers given outside it (an unreachable database)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

#: Where the API lives: answers given outside its views keep its error shape there.
API_PREFIX = "/api/"


def is_api(request: HttpRequest) -> bool:
    """Whether the request is to the API (answered in JSON) rather than to a page."""
    return request.path.startswith(API_PREFIX)


def error_body(code: str, detail: str, errors: dict[str, Any] | None = None) -> dict[str, Any]:
    """``code`` for machines, ``detail`` for people, ``errors`` per field (``{}`` when
    no field is to blame)."""
    return {"code": code, "detail": detail, "errors": errors or {}}
