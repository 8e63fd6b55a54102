"""Adjustments to the generated OpenAPI schema."""

from __future__ import annotations

from typing import Any


def refuse_unknown_fields(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Say in the schema what the API does: a request body with an unknown field is a 400.

    Applies to the request components (``…Request``), whose properties are exactly
    the writable fields.
    """
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object":
            component.setdefault("additionalProperties", False)
    return result
