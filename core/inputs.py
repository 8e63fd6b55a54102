"""What the tracker accepts as input, on every surface: the limits themselves, and
the refusal of bytes no field may hold.

The models declare the text limits (``max_length``, and :class:`LongTextField` for
long text), so the admin, the staff forms, the API and the importers all enforce
them through the same field; the forms show them (``maxlength``). Ids are bounded
by the database's integer column (:data:`MAX_ID`). A NUL byte in an address or an
API query string is refused before any view sees it (:class:`RefuseNulBytesMiddleware`),
because PostgreSQL cannot store or even compare one: a crash rather than "no such
record".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.admin.views.main import ERROR_FLAG
from django.core.validators import MaxLengthValidator
from django.db import models
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotFound,
    HttpResponseRedirect,
    JsonResponse,
    QueryDict,
)
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.translation import gettext

from core.errors import error_body, is_api

#: The largest id a database column holds (a signed 64-bit integer).
MAX_ID = 2**63 - 1

#: Long free text: summaries, notes, outcomes, quotes, addresses. About ten pages of
#: typing; far beyond any letter's summary, far below what would make a page heavy.
LONG_TEXT_MAX_LENGTH = 20_000

#: A note on a status change (shorter: it says why, the records say what).
NOTE_MAX_LENGTH = 5_000

NUL = "\x00"


class LongTextField(models.TextField):  # type: ignore[type-arg]
    """A ``TextField`` of at most ``text_limit`` characters.

    Django's own ``max_length`` on a ``TextField`` is passed to its form field only,
    and changing it rebuilds the table on SQLite; this field enforces the limit as a
    validator wherever the record is validated (services, admin, API, importers),
    gives every form text box a ``maxlength``, and is a plain ``TextField`` to
    migrations and the database.
    """

    def __init__(self, *args: Any, text_limit: int = LONG_TEXT_MAX_LENGTH, **kwargs: Any) -> None:
        self.text_limit = text_limit
        kwargs["validators"] = [*kwargs.get("validators", ()), MaxLengthValidator(text_limit)]
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(**{"max_length": self.text_limit, **kwargs})

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.TextField", args, kwargs


def _is_admin_list(request: HttpRequest) -> bool:
    """Whether ``request`` asks for one of the admin's lists of records."""
    try:
        if not request.path_info.startswith(reverse("admin:index")):
            return False
        match = resolve(request.path_info)
    except (NoReverseMatch, Resolver404):
        return False
    return bool(match.url_name and match.url_name.endswith("_changelist"))


def holds_nul(query: QueryDict) -> list[str]:
    """The parameters of ``query`` whose name or value holds a NUL byte."""
    return sorted(
        {key for key, values in query.lists() if NUL in key or any(NUL in v for v in values)}
    )


class RefuseNulBytesMiddleware:
    """A NUL byte in the address is a 404: no record has one in its address, and
    looking one up would fail in PostgreSQL. In the API's query strings it is a 400
    in the API's error shape naming the parameter. (The pages' query strings go to
    forms, which show "Null characters are not allowed." next to the box; every
    admin list refuses it as an invalid filter.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path:
            if is_api(request):
                return JsonResponse(error_body("not_found", gettext("Not found.")), status=404)
            return HttpResponseNotFound(
                gettext("Not found."), content_type="text/plain; charset=utf-8"
            )
        if _is_admin_list(request) and holds_nul(request.GET):
            # Every admin list, the packages' (task results, sign-in attempts) too,
            # answers as Django's admin answers any filter it cannot use: the list
            # again, with "?e=1". The tracker's own lists also refuse it themselves
            # (core.admin.InputCheckingChangeList), for their CSV exports.
            return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
        if is_api(request) and (bad := holds_nul(request.GET)):
            detail = gettext("A NUL character (%00) is never valid in a query parameter.")
            errors = {key.replace(NUL, "\\0")[:100]: [detail] for key in bad}
            return JsonResponse(error_body("invalid", detail, errors), status=400)
        return self.get_response(request)


__all__ = [
    "LONG_TEXT_MAX_LENGTH",
    "MAX_ID",
    "NOTE_MAX_LENGTH",
    "LongTextField",
    "RefuseNulBytesMiddleware",
    "holds_nul",
]
