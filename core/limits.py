"""A request whose body is larger than anything the tracker accepts is refused
before it is read (413), so a 30 MB body costs nothing but its headers.

The limit is the largest attachment plus room for the form around it; JSON and form
bodies are much smaller (Django reads at most ``DATA_UPLOAD_MAX_MEMORY_SIZE`` of them
into memory).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext

from core.errors import error_body, is_api


def max_request_bytes() -> int:
    limit: int = settings.REQUEST_MAX_BYTES
    return limit


class RequestSizeLimitMiddleware:
    """Answers 413 to a body announced larger than ``REQUEST_MAX_BYTES``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            announced = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            announced = 0  # Django refuses a malformed length itself, as a 400
        limit = max_request_bytes()
        if announced > limit:
            # Refused before LocaleMiddleware runs: the reader's language is read here.
            with translation.override(translation.get_language_from_request(request)):
                message = gettext(
                    "The request body is %(size)s bytes; the largest accepted is %(limit)s "
                    "bytes (an attachment of at most %(attachment)s bytes with its form)."
                ) % {
                    "size": f"{announced:,}",
                    "limit": f"{limit:,}",
                    "attachment": f"{settings.TRACKER_ATTACHMENT_MAX_BYTES:,}",
                }
            if is_api(request):
                return JsonResponse(error_body("too_large", message), status=413)
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
