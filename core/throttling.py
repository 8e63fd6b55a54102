"""How many requests one address may make a minute, for what anyone can ask without
signing in (the anonymous API, the public search) and for wrong API tokens.

A fixed one-minute window per address, counted in Django's cache. The default
cache lives in each server process, so with several processes the limit applies per
process: configure a shared cache (Redis, Memcached) to count across them.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

WINDOW_SECONDS = 60


def client_address(request: HttpRequest) -> str:
    """The address a request came from: the connection's own, or behind the proxy
    (``BEHIND_HTTPS_PROXY``) the last one the proxy added; a forged header never
    counts as another client."""
    if settings.BEHIND_HTTPS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


def _key(scope: str, address: str) -> str:
    return f"throttle:{scope}:{address}:{int(time.time() // WINDOW_SECONDS)}"


def _wait() -> int:
    return WINDOW_SECONDS - int(time.time() % WINDOW_SECONDS)


def over_limit(scope: str, address: str, *, limit: int) -> int | None:
    """Seconds to wait if ``address`` already used up ``scope`` this minute."""
    return _wait() if (cache.get(_key(scope, address)) or 0) >= limit else None


def count(scope: str, address: str, *, limit: int) -> int | None:
    """Count one request; seconds to wait if it is over the limit, else None."""
    key = _key(scope, address)
    cache.add(key, 0, WINDOW_SECONDS + 1)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS + 1)
        used = 1
    return _wait() if used > limit else None
