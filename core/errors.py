"""The one shape of an error answer in JSON, shared by the API and the site-wide
answers given outside it (an unreachable database)."""

from __future__ import annotations

from typing import Any


def error_body(code: str, detail: str, errors: dict[str, Any] | None = None) -> dict[str, Any]:
    """``code`` for machines, ``detail`` for people, ``errors`` per field (``{}`` when
    no field is to blame)."""
    return {"code": code, "detail": detail, "errors": errors or {}}
