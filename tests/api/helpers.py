"""Helpers for the API's tests."""

from __future__ import annotations

from core.models import TrackedModel


def if_match(record: TrackedModel) -> dict[str, str]:
    """The ``If-Match`` header naming the record's version as stored now: what a
    client sends after reading the record, as every change to a record requires."""
    record.refresh_from_db(fields=["version"])
    return {"HTTP_IF_MATCH": f'"{record.version}"'}
