"""The API's JSON parser: DRF's, with a bound on how deeply a body may nest.

No record is more than two levels deep (an object holding lists of ids), so a
body nested deeper than :data:`MAX_JSON_DEPTH` is a mistake or an attack. Python's
decoder would recurse until it raises ``RecursionError`` (a 500); here it is a
``parse_error`` (400) before any field is looked at.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

#: Deepest nesting accepted: objects and lists inside one another.
MAX_JSON_DEPTH = 32

TOO_DEEP = f"JSON parse error - the body nests deeper than {MAX_JSON_DEPTH} levels."


def json_depth(value: Any) -> int:
    """How deeply ``value`` nests objects and lists (a scalar is 0), walked without
    recursion, stopping as soon as it passes :data:`MAX_JSON_DEPTH`."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, Mapping):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            break
        pending.extend((child, depth) for child in children)
    return deepest


class BoundedJSONParser(JSONParser):
    """Parses a JSON body, refusing one nested deeper than :data:`MAX_JSON_DEPTH`."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if json_depth(data) > MAX_JSON_DEPTH:
            raise ParseError(TOO_DEEP)
        return data


__all__ = ["MAX_JSON_DEPTH", "BoundedJSONParser", "json_depth"]
