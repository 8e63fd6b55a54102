"""Creates that a client may safely retry: the ``Idempotency-Key`` header.

A client that sends a POST, times out and sends it again would otherwise create a
second letter. With the same ``Idempotency-Key`` (any string of up to 255 characters
the client makes up, one per intended create), the retry gets the first answer
again, marked ``Idempotent-Replayed: true``, and nothing is created twice. The same
key with another body is refused (422): it is a client bug, not a retry. Two
requests with the same key at the same moment are answered one after the other:
the second waits for the first and gets its answer.

Keys are per user and kept at least ``KEPT_FOR``; ``manage.py
purge_idempotency_keys`` removes older ones. A create that fails (400, 409...) keeps
nothing: retrying it runs it again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
#: How long a key is remembered, at least.
KEPT_FOR = dt.timedelta(hours=24)
#: Headers of the first answer given again with it.
KEPT_HEADERS = ("ETag", "Location")


class KeyRefused(Exception):
    """The key cannot be used: ``code`` and ``status`` say why."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    headers: dict[str, str]
    replayed: bool = False


def _check(key: str) -> None:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise KeyRefused(
            "invalid_idempotency_key",
            gettext("%(header)s must be 1 to %(max)s printable characters.")
            % {"header": HEADER, "max": MAX_KEY_LENGTH},
            400,
        )


def _replay(row: IdempotencyKey, body_hash: str, method: str, path: str) -> Answer:
    if (row.body_hash, row.method, row.path) != (body_hash, method, path):
        raise KeyRefused(
            "idempotency_key_reused",
            gettext(
                "This %(header)s was already used for another request (%(method)s %(path)s, "
                "another body): use a new key for a new create."
            )
            % {"header": HEADER, "method": row.method, "path": row.path},
            422,
        )
    return Answer(row.status_code, row.response_body, dict(row.response_headers), replayed=True)


def fingerprint(data: Any) -> bytes:
    """What a create was sent, as parsed (JSON, or a form with files, whose bytes are
    read in chunks): the same content gives the same fingerprint."""
    digest = hashlib.sha256()
    if hasattr(data, "getlist"):  # a form: every value of every field, files by content
        for name in sorted(data.keys()):
            digest.update(json.dumps(name).encode())
            for value in data.getlist(name):
                if hasattr(value, "chunks"):
                    for chunk in value.chunks():
                        digest.update(chunk)
                    value.seek(0)
                else:
                    digest.update(json.dumps(str(value)).encode())
    else:
        digest.update(json.dumps(data, sort_keys=True, cls=DjangoJSONEncoder).encode())
    return digest.digest()


def answer_once(
    *, user: Any, key: str, method: str, path: str, body: bytes, run: Callable[[], Answer]
) -> Answer:
    """Run ``run`` once per (user, key); a repeat gets the first answer back."""
    _check(key)
    body_hash = hashlib.sha256(body).hexdigest()
    IdempotencyKey.objects.filter(
        user=user, key=key, created_at__lt=timezone.now() - 2 * KEPT_FOR
    ).delete()
    with transaction.atomic():
        try:
            # Claimed first: a second request with this key waits here until the
            # first one's transaction ends, then finds its answer.
            with transaction.atomic():
                row = IdempotencyKey.objects.create(
                    user=user, key=key, method=method, path=path, body_hash=body_hash
                )
        except IntegrityError:
            existing = IdempotencyKey.objects.get(user=user, key=key)
            return _replay(existing, body_hash, method, path)
        answer = run()
        if answer.status >= 400:
            transaction.set_rollback(True)  # a failed create keeps nothing
            return answer
        row.status_code = answer.status
        row.response_body = json.loads(json.dumps(answer.body, cls=DjangoJSONEncoder))
        row.response_headers = {k: v for k, v in answer.headers.items() if k in KEPT_HEADERS}
        row.save(update_fields=["status_code", "response_body", "response_headers"])
        return answer


def first_answer(*, user: Any, key: str) -> Answer | None:
    """The answer kept for this key, or None when it is unknown."""
    row = IdempotencyKey.objects.filter(user=user, key=key).first()
    if row is None:
        return None
    return Answer(row.status_code, row.response_body, dict(row.response_headers), replayed=True)


def purge(*, older_than: dt.timedelta = KEPT_FOR) -> int:
    """Forget the keys older than ``older_than`` (at least ``KEPT_FOR``)."""
    deleted, _ = IdempotencyKey.objects.filter(
        created_at__lt=timezone.now() - max(older_than, KEPT_FOR)
    ).delete()
    return deleted
