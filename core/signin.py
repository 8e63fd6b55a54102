"""What someone locked out of signing in is told (django-axes calls ``locked_out``)."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext

from core.errors import error_body, is_api


def locked_out(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """429, a page saying how long to wait and what else to do, and ``Retry-After``;
    in the API's error shape when a token was asked for with a password."""
    minutes = math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    response: HttpResponse
    if is_api(request):
        detail = ngettext(
            "Too many wrong passwords for this account or from this address: signing in "
            "is paused for %(minutes)d minute.",
            "Too many wrong passwords for this account or from this address: signing in "
            "is paused for %(minutes)d minutes.",
            minutes,
        ) % {"minutes": minutes}
        response = JsonResponse(error_body("throttled", detail), status=429)
        response["Retry-After"] = str(minutes * 60)
        return response
    response = render(
        request,
        "registration/locked_out.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
    response["Retry-After"] = str(minutes * 60)
    return response
