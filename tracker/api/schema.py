"""Adjustments to the generated OpenAPI schema."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as _SpectacularAutoSchema


def refuse_unknown_fields(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Say in the schema what the API does: a request body with an unknown field is a 400.

    Applies to the request components (``…Request``), whose properties are exactly
    the writable fields.
    """
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object":
            component.setdefault("additionalProperties", False)
    return result


class AutoSchema(_SpectacularAutoSchema):
    """drf-spectacular's schema, saying which reads need no token.

    A ``GET`` that a view opens to the public (``public_read`` and
    ``public_actions``, see :mod:`tracker.api.public`) lists "no authentication"
    among its security requirements, so clients and checkers know it answers
    without a token (with the published records only).
    """

    def get_auth(self) -> list[dict[str, Any]]:
        auths: list[dict[str, Any]] = super().get_auth()
        view = self.view
        public = getattr(view, "public_read", False) and getattr(view, "action", None) in getattr(
            view, "public_actions", ()
        )
        if public and self.method == "GET" and {} not in auths:
            auths.append({})
        return auths
