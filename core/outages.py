"""When the database cannot be reached: say so, and ask to come back shortly.

A load balancer asks ``/healthz``: it answers 503 while the database (or the cache,
when one is configured) does not answer, so traffic goes elsewhere. ``/readyz`` asks
more, for a deployment check or a monitor: the attachment storage as well, and that a
task worker has been seen in the last WORKER_STALE_SECONDS. A person or a
client that still arrives gets a 503 with ``Retry-After`` instead of a server error:
the API in its error shape, the pages as a short styled page (in the reader's language)
that needs nothing from the database to render. Every write runs in one transaction,
so a request cut off by the outage leaves nothing half-written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import default_storage
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils import translation

from core.error_pages import PUBLIC_PREFIX
from core.errors import error_body, is_api

logger = logging.getLogger(__name__)

#: Seconds a client is asked to wait before trying again.
RETRY_AFTER_SECONDS = 30
#: Errors that mean "the database is not answering", not "this request is wrong".
UNAVAILABLE = (OperationalError, InterfaceError)

#: The last resort, should the styled page itself fail to render.
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Back shortly: Opt-Out Tracker</title></head>
<body><h1>Back shortly</h1>
<p>The tracker cannot reach its database right now. Nothing you sent was half-saved:
please try again in a minute.</p></body></html>
"""


def outage_page(request: HttpRequest) -> str:
    """The styled 503 page in the reader's language.

    It is answered before LocaleMiddleware and the session run, so the language is read
    here from the language cookie or Accept-Language; and it is rendered without the
    request, so no context processor asks the session, the user or the database.
    """
    try:
        with translation.override(translation.get_language_from_request(request)):
            return loader.render_to_string(
                "503.html",
                {
                    "public": request.path.startswith(PUBLIC_PREFIX),
                    "home": "/public/" if request.path.startswith(PUBLIC_PREFIX) else "/",
                    "again": request.get_full_path(),
                },
            )
    except Exception:  # an outage page that fails must still answer something
        logger.exception("The outage page could not be rendered")
        return PAGE


def unavailable(request: HttpRequest) -> HttpResponse:
    """The answer while the database is unreachable."""
    response: HttpResponse
    if is_api(request):
        response = JsonResponse(
            error_body(
                "unavailable",
                "The service cannot reach its database right now. Try again shortly.",
            ),
            status=503,
        )
    else:
        response = HttpResponse(
            outage_page(request), status=503, content_type="text/html; charset=utf-8"
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """Turns a lost database connection into a 503 with ``Retry-After``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, UNAVAILABLE):
            return None
        logger.error("Database unavailable: %s", exception, exc_info=exception)
        # The connection may be half-open: drop it so the next request reconnects.
        for connection in connections.all(initialized_only=True):
            connection.close_if_unusable_or_obsolete()
        return unavailable(request)


def service_checks() -> dict[str, str]:
    """Whether each service the configuration names answers: ``ok`` or why not."""
    checks: dict[str, str] = {}
    for alias in connections:
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
            checks[f"database:{alias}"] = "ok"
        except DatabaseError as error:
            checks[f"database:{alias}"] = f"unreachable ({type(error).__name__})"
    for alias, configuration in settings.CACHES.items():
        if "locmem" in configuration["BACKEND"] or "dummy" in configuration["BACKEND"]:
            continue  # in the process itself: nothing to reach
        try:
            caches[alias].get("healthz")
            checks[f"cache:{alias}"] = "ok"
        except Exception as error:  # every cache backend raises its own errors
            checks[f"cache:{alias}"] = f"unreachable ({type(error).__name__})"
    return checks


def _answer(checks: dict[str, str], *, good: str) -> JsonResponse:
    """200 with ``good`` when every check says ``ok``, else 503 naming what does not,
    with ``Retry-After`` for a load balancer."""
    passed = all(state == "ok" for state in checks.values())
    response = JsonResponse(
        {"status": good if passed else "unavailable", "checks": checks},
        status=200 if passed else 503,
    )
    if not passed:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def healthz(request: HttpRequest) -> JsonResponse:
    """200 ``ok`` when every service answers, else 503 naming what does not."""
    return _answer(service_checks(), good="ok")


def storage_check() -> str:
    """Whether the attachment storage answers: ``ok`` or why not."""
    try:
        default_storage.exists("readyz-probe")
    except Exception as error:  # every storage raises its own errors (OSError, botocore)
        return f"unreachable ({type(error).__name__})"
    return "ok"


def worker_check() -> str:
    """``ok`` when a task worker wrote its heartbeat recently (or tasks need none)."""
    if settings.TASKS_BACKEND != "database":
        return "ok"
    from core.background import workers_seen

    try:
        seen = workers_seen()
    except DatabaseError as error:
        return f"unknown ({type(error).__name__})"
    if not seen:
        return f"no worker seen in the last {settings.WORKER_STALE_SECONDS} seconds"
    return "ok"


def readyz(request: HttpRequest) -> JsonResponse:
    """200 when the database, cache, storage and a task worker all answer, else 503."""
    checks = service_checks()
    checks["storage"] = storage_check()
    checks["worker"] = worker_check()
    return _answer(checks, good="ready")
